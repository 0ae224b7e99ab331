import Dispatch
import Foundation
import Synchronization

/// Turns SIGINT and SIGTERM into an awaitable event, so that a command can stop its
/// servers cleanly instead of dying (the watchdog would clean up anyway, but a clean stop
/// also closes connections and reports).
public final class SignalWaiter: Sendable {
    private let state = Mutex<(received: Int32?, waiters: [CheckedContinuation<Int32, Never>])>((nil, []))
    // Set once in init, only cancelled in deinit.
    nonisolated(unsafe) private let sources: [DispatchSourceSignal]

    /// Starts catching `signals` (their default action is disabled from now on).
    public init(_ signals: [Int32] = [SIGINT, SIGTERM]) {
        sources = signals.map { number in
            signal(number, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: number, queue: .global())
        }
        for (source, number) in zip(sources, signals) {
            source.setEventHandler { [weak self] in self?.deliver(number) }
            source.resume()
        }
    }

    deinit {
        for source in sources { source.cancel() }
    }

    /// The first signal received, if any yet.
    public var received: Int32? { state.withLock { $0.received } }

    /// Waits for the first signal (returns at once if one already came).
    public func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            let now: Int32? = state.withLock { s in
                if let r = s.received { return r }
                s.waiters.append(continuation)
                return nil
            }
            if let now { continuation.resume(returning: now) }
        }
    }

    private func deliver(_ number: Int32) {
        let waiters = state.withLock { s -> [CheckedContinuation<Int32, Never>] in
            if s.received == nil { s.received = number }
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume(returning: number) }
    }
}
