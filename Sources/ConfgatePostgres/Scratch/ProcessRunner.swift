import ConfgateCore
import Foundation
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// Runs short-lived tools (`initdb`, `cp`, `postgres --version`) through swift-subprocess,
/// optionally as the unprivileged server user.
package enum ProcessRunner {
    struct Failure: Error, CustomStringConvertible {
        var command: String
        var status: String
        var output: String
        var description: String { "\(command) \(status)\n\(output)" }
    }

    /// The command line that runs `executable` as `user` (when given): through util-linux's
    /// `setpriv --reuid --regid --clear-groups`, a plain exec with no PAM session.
    ///
    /// Not swift-subprocess's `PlatformOptions.userID/groupID/supplementaryGroups`: 1.0.2
    /// spawns with a raw `clone3` and then calls glibc's `setgroups`/`setgid`/`setuid` in the
    /// child, which synchronise with every thread of the (copied) parent and can wait forever
    /// for a thread that does not exist there — observed here as a child hung in
    /// `__nptl_setxid` (same class as youki-dev/youki#2425, swiftlang/swift-subprocess#374).
    static func commandLine(_ executable: String, _ arguments: [String], user: ServerUser?) -> (String, [String]) {
        guard let user else { return (executable, arguments) }
        return (setpriv, ["--reuid=\(user.uid)", "--regid=\(user.gid)", "--clear-groups", "--", executable] + arguments)
    }

    static let setpriv = ([String])(["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv"])
        .first { access($0, X_OK) == 0 } ?? "setpriv"

    /// Options for a child in a session of its own (a terminal's Ctrl-C does not reach it).
    static func platformOptions(newSession: Bool) -> PlatformOptions {
        var options = PlatformOptions()
        options.createSession = newSession
        return options
    }

    /// Runs `executable` and returns its stdout+stderr; throws `Failure` unless it exits 0.
    @discardableResult
    package static func output(
        _ executable: String, _ arguments: [String], user: ServerUser? = nil, workingDirectory: String? = nil
    ) async throws -> String {
        let (path, args) = commandLine(executable, arguments, user: user)
        let result = try await run(
            .path(FilePath(path)), arguments: Arguments(args),
            workingDirectory: workingDirectory.map { FilePath($0) },
            output: .string(limit: 1 << 20), error: .combinedWithOutput)
        let text = result.standardOutput
        guard case .exited(0) = result.terminationStatus else {
            throw Failure(command: ([executable] + arguments).joined(separator: " "),
                          status: "\(result.terminationStatus)", output: text)
        }
        return text
    }
}
