import ConfgateCore
import Synchronization

/// Collects what the driver observes: outcomes, latencies, schedule lag, per interval and
/// in total. One lock guards it; at a few thousand logins a second each record is a
/// handful of arithmetic operations under an uncontended lock, far below the cost of the
/// login it records.
final class RunRecorder: Sendable {
    struct Interval {
        var started = 0
        var completed = 0
        var outcomes: [Outcome: Int] = [:]
        var latency = LatencyHistogram.latency()
    }

    struct Totals {
        var started = 0
        var completed = 0
        var measuredCompleted = 0
        var tallies: [Outcome: OutcomeTally] = [:]
        var latency = LatencyHistogram.latency()
        var latencyByPhase: [Phase: LatencyHistogram] = [:]
        var lag = LatencyHistogram.latency()
    }

    private let state = Mutex<(interval: Interval, totals: Totals)>((Interval(), Totals()))

    /// A login began `lag` microseconds after its scheduled start.
    func started(lag: Int64) {
        state.withLock {
            $0.interval.started += 1
            $0.totals.started += 1
            _ = $0.totals.lag.record(UInt64(max(lag, 0)))
        }
    }

    /// A login scheduled at `offset` in `phase` ended with `outcome`, `latency` µs after its
    /// scheduled start.
    func completed(offset: Int64, phase: Phase, outcome: Outcome, latency: Int64) {
        let value = UInt64(max(latency, 1))
        state.withLock {
            $0.interval.completed += 1
            $0.interval.outcomes[outcome, default: 0] += 1
            _ = $0.interval.latency.record(value)
            $0.totals.completed += 1
            $0.totals.tallies[outcome, default: OutcomeTally(outcome: outcome)].add(phase: phase, offset: offset)
            if phase != .warmup {
                _ = $0.totals.latency.record(value)
                _ = $0.totals.latencyByPhase[phase, default: LatencyHistogram.latency()].record(value)
                if !outcome.kind.isFailure { $0.totals.measuredCompleted += 1 }
            }
        }
    }

    /// Returns the interval so far and starts a new one.
    func cut() -> Interval {
        state.withLock {
            let interval = $0.interval
            $0.interval = Interval()
            return interval
        }
    }

    var totals: Totals { state.withLock { $0.totals } }
}
