import Foundation

/// One OS thread that runs submitted jobs in order: where the few blocking libpq calls
/// happen (a connect, which resolves host names synchronously; `PQcancel`; the scratch
/// server's readiness probe), so that they never occupy a thread of Swift's cooperative
/// pool or an `EventLoop`.
///
/// Jobs are closures; `run(_:)` suspends the calling task (freeing its pool thread) until the
/// job has run here. After `shutdown()` the thread finishes the jobs already queued and
/// exits; later submissions return `nil` without running.
final class ConnectionThread: @unchecked Sendable {
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
