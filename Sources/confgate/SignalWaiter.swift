import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one way confgate catches SIGINT and SIGTERM: their default action is off while a
/// `SignalWaiter` lives, each signal is reported to `onSignal` (with how many came so far)
/// and wakes `wait()`; `stop()` (or deinit) restores the default action, so a later Ctrl-C
/// kills the process as usual.
final class SignalWaiter: Sendable {
    private let state = Mutex<(received: Int32?, count: Int, waiters: [CheckedContinuation<Int32, Never>], stopped: Bool)>((nil, 0, [], false))
    private let signals: [Int32]
    private let onSignal: (@Sendable (Int32, Int) -> Void)?
    // Set once in init, only cancelled in stop().
    nonisolated(unsafe) private let sources: [DispatchSourceSignal]

    /// Starts catching `signals`.
    init(_ signals: [Int32] = [SIGINT, SIGTERM], onSignal: (@Sendable (Int32, Int) -> Void)? = nil) {
        self.signals = signals
        self.onSignal = onSignal
        let queue = DispatchQueue(label: "confgate.signals")
        sources = signals.map { number in
            signal(number, SIG_IGN)
            return DispatchSource.makeSignalSource(signal: number, queue: queue)
        }
        for (source, number) in zip(sources, signals) {
            source.setEventHandler { [weak self] in self?.deliver(number) }
            source.resume()
        }
    }

    deinit { stop() }

    /// Stops catching: the signals' default action is back. Safe to call more than once.
    func stop() {
        let first = state.withLock { s in defer { s.stopped = true }; return !s.stopped }
        guard first else { return }
        for source in sources { source.cancel() }
        for number in signals { signal(number, SIG_DFL) }
    }

    /// The first signal received, if any yet.
    var received: Int32? { state.withLock { $0.received } }

    /// Waits for the first signal (returns at once if one already came).
    func wait() async -> Int32 {
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
        let (waiters, count) = state.withLock { s -> ([CheckedContinuation<Int32, Never>], Int) in
            if s.received == nil { s.received = number }
            s.count += 1
            defer { s.waiters = [] }
            return (s.waiters, s.count)
        }
        onSignal?(number, count)
        for w in waiters { w.resume(returning: number) }
    }
}
