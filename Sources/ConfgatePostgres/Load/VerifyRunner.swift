import ConfgateCore
import Logging

/// Runs `verify`'s trials (issue #7): `trials` rounds, each running both sides on a fresh
/// scratch server with identical traffic, alternating which side goes first (current
/// first in odd rounds) so that slow drifts of the machine do not always favour one side.
public struct VerifyRunner: Sendable {
    public var runner: TrialRunner

    public init(runner: TrialRunner) { self.runner = runner }

    /// Which side a trial is for.
    public enum Side: String, Sendable { case current, proposed }

    /// What the rounds produced.
    public struct Outcome: Sendable {
        public var current: [VerifyResult.Trial]
        public var proposed: [VerifyResult.Trial]
        /// Set when the rounds stopped early because the evidence was conclusive.
        public var stoppedEarly: VerifyResult.StoppedEarly?
    }

    /// Runs every round; a trial that fails to run is recorded with its reason and the rest
    /// still run (the verdict is then at best inconclusive). Cancellation stops after the
    /// trial in progress. With `gate` given, stops after a round whose evidence already
    /// decides a block (`EarlyStop`).
    public func run(
        current: Settings, proposed: Settings, load: GateSettings.Load, stopEarly gate: GateSettings.Gate? = nil,
        progress: (@Sendable (Side, Int, TimelinePoint, Duration) -> Void)? = nil,
        log: (@Sendable (String) -> Void)? = nil
    ) async -> Outcome {
        var currentTrials: [VerifyResult.Trial] = [], proposedTrials: [VerifyResult.Trial] = []
        let rounds = max(load.trials, 1)
        for round in 1...rounds {
            let order: [Side] = round % 2 == 1 ? [.current, .proposed] : [.proposed, .current]
            for (index, side) in order.enumerated() {
                if Task.isCancelled { break }
                let settings = side == .current ? current : proposed
                log?("round \(round)/\(load.trials): \(side.rawValue) (\(settings.file ?? side.rawValue))")
                var trial = VerifyResult.Trial(round: round, ranFirst: index == 0)
                do {
                    trial.result = try await runner.run(settings, load: load, progress: { point, elapsed in
                        progress?(side, round, point, elapsed)
                    })
                } catch {
                    trial.error = error.description
                    log?("round \(round) \(side.rawValue) failed: \(error.message)")
                }
                if side == .current { currentTrials.append(trial) } else { proposedTrials.append(trial) }
            }
            if Task.isCancelled { break }
            if let gate, round < rounds, let c = currentTrials.last, let p = proposedTrials.last, c.round == round, p.round == round,
               let reason = EarlyStop.conclusive(current: c, proposed: p, gate: gate) {
                let stop = VerifyResult.StoppedEarly(afterRound: round, of: rounds, reason: reason)
                log?(stop.sentence)
                return Outcome(current: currentTrials, proposed: proposedTrials, stoppedEarly: stop)
            }
        }
        return Outcome(current: currentTrials, proposed: proposedTrials, stoppedEarly: nil)
    }
}
