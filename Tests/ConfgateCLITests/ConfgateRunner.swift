import Foundation

/// Runs the built `confgate` binary as a user would, from the package root, and captures
/// what it printed and how it exited.
struct ConfgateRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// The package root: fixture paths in tests are relative to it, as in the README.
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }  // Tests/ConfgateCLITests/ConfgateRunner.swift
        return url
    }()

    /// `CONFGATE_BIN` when set, else `confgate` beside the test bundle in the build directory.
    static let binary: URL = {
        if let path = ProcessInfo.processInfo.environment["CONFGATE_BIN"] { return URL(fileURLWithPath: path) }
        var directory = Bundle.main.bundleURL
        if directory.pathExtension == "xctest" { directory.deleteLastPathComponent() }
        let beside = directory.appendingPathComponent("confgate")
        if FileManager.default.isExecutableFile(atPath: beside.path) { return beside }
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        return executable.deletingLastPathComponent().appendingPathComponent("confgate")
    }()

    /// Runs confgate (or `executable`, e.g. `script` wrapping it) with `arguments`. Awaits the
    /// exit without blocking a thread: the test process's cooperative pool has one thread per
    /// core, and a test blocked in `waitUntilExit` for a whole `verify` starved every other
    /// suite (an HTTP handler there timed out after 15 s and answered 500).
    static func run(
        _ arguments: [String], executable: String? = nil, environment: [String: String] = [:],
        directory workingDirectory: URL? = nil
    ) async throws -> Result {
        let process = Process()
        process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? binary
        process.arguments = arguments
        process.currentDirectoryURL = workingDirectory ?? packageRoot
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("confgate-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let out = directory.appendingPathComponent("stdout"), err = directory.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        process.standardInput = FileHandle.nullDevice
        try await withCheckedThrowingContinuation { (exited: CheckedContinuation<Void, any Error>) in
            process.terminationHandler = { _ in exited.resume() }
            do {
                try process.run()
            } catch {
                process.terminationHandler = nil
                exited.resume(throwing: error)
            }
        }
        return Result(status: process.terminationStatus,
                      stdout: try String(contentsOf: out, encoding: .utf8),
                      stderr: try String(contentsOf: err, encoding: .utf8))
    }
}

extension ConfgateRunner {
    /// A child left running while the test talks to it (a server, a `run --listen`, a
    /// canary): started from the package root with `environment` added, its output in
    /// `output.stdout` and `output.stderr`, read at any time.
    final class Child {
        let process = Process()
        let output: String

        init(_ arguments: [String], executable: String? = nil, environment: [String: String] = [:], output: String) throws {
            self.output = output
            for stream in ["stdout", "stderr"] { _ = FileManager.default.createFile(atPath: "\(output).\(stream)", contents: nil) }
            process.executableURL = executable.map { URL(fileURLWithPath: $0) } ?? ConfgateRunner.binary
            process.arguments = arguments
            process.currentDirectoryURL = ConfgateRunner.packageRoot
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
            process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output + ".stdout"))
            process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: output + ".stderr"))
            process.standardInput = FileHandle.nullDevice
            try process.run()
        }

        var stdout: String { (try? String(contentsOfFile: output + ".stdout", encoding: .utf8)) ?? "" }
        var stderr: String { (try? String(contentsOfFile: output + ".stderr", encoding: .utf8)) ?? "" }

        /// Sends `signal`, then awaits the exit without blocking a thread; SIGKILL after 30 s.
        /// Returns whether it exited on `signal` alone.
        @discardableResult
        func stop(_ signal: Int32 = SIGINT) async -> Bool {
            if process.isRunning { kill(process.processIdentifier, signal) }
            let end = ContinuousClock.now + .seconds(30)
            while process.isRunning, ContinuousClock.now < end { try? await Task.sleep(for: .milliseconds(50)) }
            guard process.isRunning else { return true }
            kill(process.processIdentifier, SIGKILL)
            while process.isRunning { try? await Task.sleep(for: .milliseconds(50)) }
            return false
        }
    }
}
