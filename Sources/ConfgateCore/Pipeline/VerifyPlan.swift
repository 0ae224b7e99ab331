/// The trials `verify` runs, in order: `trials` rounds, each running both sides, alternating
/// which goes first (current first in odd rounds) so that slow drifts of the machine do not
/// always favour one side; and whether a round that proves exhaustion ends them.
public struct VerifyPlan: Hashable, Sendable {
    /// Which side a trial is for.
    public enum Side: String, Hashable, Sendable { case current, proposed }

    /// One trial.
    public struct Step: Hashable, Sendable {
        public var round: Int
        public var side: Side
        /// Whether this side runs first in its round.
        public var ranFirst: Bool
    }

    public var rounds: Int
    public var steps: [Step]
    public var load: GateSettings.Load
    /// The thresholds `EarlyStop` judges by; `nil` runs every round.
    public var stopEarly: GateSettings.Gate?

    public init(_ input: VerifyInput) {
        load = input.gate.load
        rounds = input.mode == .lintOnly ? 0 : max(input.gate.load.trials, 1)
        steps = rounds == 0 ? [] : (1...rounds).flatMap { round -> [Step] in
            let order: [Side] = round % 2 == 1 ? [.current, .proposed] : [.proposed, .current]
            return order.enumerated().map { Step(round: round, side: $1, ranFirst: $0 == 0) }
        }
        stopEarly = input.allRounds ? nil : input.gate.gate
    }

    /// Whether a side's trials run a rolling deploy: the load asks for one and the side has a
    /// surge. The one place this is decided (the trial runner and the verdict both ask).
    public static func deployRuns(_ settings: Settings, load: GateSettings.Load) -> Bool {
        load.deploy && settings.fleet.maxSurge > 0
    }
}
