import ConfgateCore
import Foundation
import Subprocess
import Synchronization
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// A running `postgres` (or a trial's `pgbouncer`), started under a small watchdog shell
/// that also stops it.
///
/// The shell (`/bin/sh`, running as the server user, in a session of its own so that a
/// terminal's Ctrl-C reaches only confgate) starts `postgres` in the background and blocks
/// reading its stdin: one end of a socket pair whose other end only confgate holds
/// (`SOCK_CLOEXEC`, so no other child inherits it). When the pipe closes — because `stop()`
/// closed it, or because confgate exited or was killed with SIGKILL — the shell sends the
/// stop signal to `postgres`, waits for it, prints the log's tail on stderr, removes the
/// directory (when asked, unless confgate left a `.keep` file in it: the template builder
/// does before a normal stop, to keep the data it is about to move) and exits. So there is one teardown path, and it is the same
/// whether confgate stops the server or dies.
final class ServerProcess: Sendable {
    /// How the shell ended, and the last lines of the server's log.
    struct Exit: Sendable {
        var status: String
        var exitedCleanly: Bool
        var logTail: [String]
    }

    private let writeEnd: Mutex<Int32>
    private let exited = ExitFlag()
    private let finished: Task<Exit, Never>

    /// The shell script; arguments: directory to remove (or ""), signal name, log file,
    /// then the postgres command line.
    static let watchdogScript = #"""
        remove=$1; sig=$2; log=$3; shift 3
        exec 3<&0
        "$@" </dev/null 3<&- >>"$log" 2>&1 &
        pid=$!
        { read _ <&3; kill -"$sig" "$pid"; } </dev/null >/dev/null 2>&1 &
        reader=$!
        exec 3<&-
        wait "$pid"; status=$?
        kill "$reader" 2>/dev/null
        tail -n 15 "$log" >&2
        if [ -n "$remove" ] && [ ! -e "$remove/.keep" ]; then rm -rf "$remove"; fi
        exit "$status"
        """#

    /// Starts `command` (postgres and its arguments) under the watchdog, as `user`.
    /// - Parameters:
    ///   - removeOnExit: a directory the shell removes after postgres exited (or nil).
    ///   - stopSignal: `QUIT` (immediate shutdown, for throwaway servers) or `INT` (fast
    ///     shutdown with a checkpoint, for the template).
    init(
        command: [String], logFile: String, removeOnExit: String?, stopSignal: String,
        user: ServerUser?, workingDirectory: String
    ) throws(ConfgateError) {
        // A socket pair behaves as the pipe here (EOF once every holder of our end is gone)
        // and, unlike pipe2, can be created close-on-exec atomically from Swift.
        var fds: [Int32] = [0, 0]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw ConfgateError(.environment, "cannot create the watchdog pipe: \(errnoText())")
        }
        let readEnd = fds[0]
        let exited = self.exited
        writeEnd = Mutex(fds[1])
        let (shell, arguments) = ProcessRunner.commandLine(
            "/bin/sh", ["-c", Self.watchdogScript, "confgate-watchdog", removeOnExit ?? "", stopSignal, logFile] + command,
            user: user)
        finished = Task {
            defer { exited.set() }
            do {
                let result = try await run(
                    .path(FilePath(shell)), arguments: Arguments(arguments),
                    workingDirectory: FilePath(workingDirectory),
                    platformOptions: ProcessRunner.platformOptions(newSession: true),
                    input: .fileDescriptor(FileDescriptor(rawValue: readEnd), closeAfterSpawningProcess: true),
                    output: .discarded, error: .string(limit: 1 << 16))
                let tail = result.standardError.split(separator: "\n").map(String.init)
                var clean = false
                if case .exited(0) = result.terminationStatus { clean = true }
                return Exit(status: "\(result.terminationStatus)", exitedCleanly: clean, logTail: tail)
            } catch {
                close(readEnd)
                return Exit(status: "could not start: \(error)", exitedCleanly: false, logTail: [])
            }
        }
    }

    deinit {
        // Closing the pipe is the stop request; the watchdog does the rest.
        writeEnd.withLock { fd in if fd >= 0 { close(fd); fd = -1 } }
    }

    /// Whether the watchdog (and so postgres) has already ended.
    var hasExited: Bool { exited.isSet }

    /// Asks the watchdog to stop postgres and clean up, and waits until it has.
    @discardableResult
    func stop() async -> Exit {
        writeEnd.withLock { fd in if fd >= 0 { close(fd); fd = -1 } }
        return await finished.value
    }

    /// Waits for the watchdog to end on its own (after postgres exited).
    func waitForExit() async -> Exit { await finished.value }
}

/// A flag set once, read from any thread.
final class ExitFlag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
