import ConfgateCore
import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// git, started through swift-subprocess in one working directory.
struct Git: Sendable {
    /// Where git runs; `nil` is the process's working directory.
    var directory: String?
    /// Variables added to the inherited environment (e.g. `GIT_CEILING_DIRECTORIES`).
    var environment: [String: String] = [:]

    /// What one git command gave.
    struct Output: Sendable {
        var status: Int32
        var bytes: [UInt8]
        var error: String

        var succeeded: Bool { status == 0 }
        /// Standard output as text without the final newline, for one-line answers.
        var line: String { String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        /// Standard error as one line, for messages.
        var reason: String { error.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// The most standard output a command may give: git's blobs are read whole.
    static let outputLimit = 256 << 20

    /// Runs `git ARGUMENTS` with `input` on its standard input. A git that cannot start (not
    /// installed) is an environment failure, exit 3.
    func run(_ arguments: [String], input: [UInt8] = []) async throws(ConfgateError) -> Output {
        var variables: [Environment.Key: String?] = [:]
        for (name, value) in environment { variables[Environment.Key(rawValue: name)!] = value }
        do {
            let result = try await Subprocess.run(
                .name("git"), arguments: Arguments(arguments),
                environment: .inherit.updating(variables),
                workingDirectory: directory.map { FilePath($0) },
                input: .array(input), output: .bytes(limit: Self.outputLimit), error: .string(limit: 1 << 16))
            let status: Int32
            switch result.terminationStatus {
            case .exited(let code): status = code
            default: status = -1
            }
            return Output(status: status, bytes: result.standardOutput, error: result.standardError)
        } catch {
            throw ConfgateError(.environment, "git could not run: \(error)",
                                details: ["--against and verify without --current read files through git; install it, or give --current FILE"])
        }
    }
}
