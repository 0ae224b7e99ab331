import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs work that Ctrl-C (SIGINT) or SIGTERM cancels instead of killing the process, so
/// servers are stopped, directories removed, and what was measured so far is reported.
enum Interruption {
    /// Whether a signal cancelled the last `cancellable` run.
    private static let signalled = Atomic<Bool>(false)

    static var wasSignalled: Bool { signalled.load(ordering: .relaxed) }

    /// Runs `body` in a task that SIGINT and SIGTERM cancel. A second signal exits at once
    /// with code 3 (the watchdogs still stop any server within seconds).
    static func cancellable<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let task = Task { try await body() }
        let signals = SignalWaiter { _, count in
            signalled.store(true, ordering: .relaxed)
            if count > 1 {
                Terminal.writeError("\nconfgate: interrupted again, exiting now\n")
                exit(3)
            }
            Terminal.writeError("\nconfgate: interrupted, stopping (again to exit at once)\n")
            task.cancel()
        }
        defer { signals.stop() }
        return try await task.value
    }
}
