import Foundation

/// One OS thread that runs submitted jobs in order: where the two blocking libpq calls left
/// happen, so that they never occupy a thread of Swift's cooperative pool or an `EventLoop`.
/// Connects and statements do not use it (they run on the loops, non-blocking).
///
/// Its uses, exactly:
/// - `cancels`, the process's one thread for `PQcancel` (`PGConnection.cancel()`): libpq 15
///   has no non-blocking cancel. Started by the first cancel; lives as long as the process.
/// - the scratch server's readiness probe (`PQpingParams`, which blocks): `ServerLauncher`
///   makes one per server start and shuts it down when the server answers or the start fails.
///
/// Jobs are closures; `run(_:)` suspends the calling task (freeing its pool thread) until the
/// job has run here. After `shutdown()` the thread finishes the jobs already queued and
/// exits; later submissions return `nil` without running.
final class ConnectionThread: @unchecked Sendable {
    /// The thread every `PQcancel` of the process runs on, one after the other.
    static let cancels = ConnectionThread(name: "confgate-pg-cancel")

    // Guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var stopping = false

    init(name: String) {
        let thread = Thread { [self] in loop() }
        thread.name = name
        thread.stackSize = 512 * 1024
        thread.start()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty && !stopping { condition.wait() }
            if jobs.isEmpty && stopping {
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }

    /// Runs `body` on this thread and returns its result; `nil` when the thread was shut down.
    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T? {
        await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
            condition.lock()
            if stopping {
                condition.unlock()
                continuation.resume(returning: nil)
                return
            }
            jobs.append { continuation.resume(returning: body()) }
            condition.unlock()
            // Signalled after unlocking: woken under the lock, the thread would only block
            // again on the mutex (two more futex calls per job).
            condition.signal()
        }
    }

    /// Lets the thread exit once the queued jobs have run.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.signal()
        condition.unlock()
    }
}
