/// The complete result of `confgate verify`, as written by `--format json` and into
/// `--report-dir`: both sides (settings with the password redacted, derived figures,
/// findings, every trial), the diff, and the verdict with its reasons. Versioned.
public struct VerifyResult: Hashable, Sendable, Codable {
    /// Version of this JSON shape; bumped on incompatible changes.
    public static let schemaVersion = 1
    public var schemaVersion: Int = VerifyResult.schemaVersion
    /// `--quick`: one short trial per side; a fast look, not the full gate.
    public var quick: Bool
    /// `--lint-only`: no load was run.
    public var lintOnly: Bool
    /// The load each trial drove, and the gate's thresholds.
    public var load: GateSettings.Load
    public var gate: GateSettings.Gate
    public var current: SideResult
    public var proposed: SideResult
    /// Keys whose meaning changed.
    public var changes: [SettingsDiff.KeyChange]
    /// Derived figures on both sides.
    public var figures: [SettingsDiff.Figure]
    public var verdict: Verdict
    /// Set when `verify` stopped before its last round because the evidence was conclusive
    /// (`EarlyStop`): why, and after how many rounds.
    public var stoppedEarly: StoppedEarly?
    /// confgate's version, the command as typed and the machine (each trial's PostgreSQL is
    /// in its run's provenance). Absent in results saved before it existed.
    public var provenance: Provenance?

    /// Rounds that did not run because the verdict was already certain.
    public struct StoppedEarly: Hashable, Sendable, Codable {
        public var afterRound: Int
        public var of: Int
        public var reason: String

        public init(afterRound: Int, of: Int, reason: String) {
            self.afterRound = afterRound
            self.of = of
            self.reason = reason
        }

        /// `blocked after 1 of 3 rounds: the evidence is conclusive (…)`.
        public var sentence: String {
            "blocked after \(afterRound) of \(of) round\(of == 1 ? "" : "s"): the evidence is conclusive (\(reason))"
        }
    }

    public init(
        quick: Bool, lintOnly: Bool, load: GateSettings.Load, gate: GateSettings.Gate,
        current: SideResult, proposed: SideResult, diff: SettingsDiff, verdict: Verdict
    ) {
        self.quick = quick
        self.lintOnly = lintOnly
        self.load = load
        self.gate = gate
        self.current = current
        self.proposed = proposed
        changes = diff.changes
        figures = diff.figures
        self.verdict = verdict
    }

    /// One side of the comparison.
    public struct SideResult: Hashable, Sendable, Codable {
        public var file: String
        /// The settings (the DSN's password is redacted when encoded).
        public var settings: Settings
        public var derived: Derived
        /// Lint findings; the proposed side's include the change-aware rules (CG2xx).
        public var findings: [Finding]
        /// One per round, in round order.
        public var trials: [Trial]

        public init(file: String, settings: Settings, findings: [Finding], trials: [Trial] = []) {
            self.file = file
            self.settings = settings
            derived = Derived(settings)
            self.findings = findings
            self.trials = trials
        }

        /// The runs that completed.
        public var runs: [RunResult] { trials.compactMap(\.result) }
    }

    /// One trial of one side.
    public struct Trial: Hashable, Sendable, Codable {
        /// 1-based round.
        public var round: Int
        /// Whether this side ran first in its round.
        public var ranFirst: Bool
        public var result: RunResult?
        /// Why the trial failed to run, if it did.
        public var error: String?

        public init(round: Int, ranFirst: Bool, result: RunResult? = nil, error: String? = nil) {
            self.round = round
            self.ranFirst = ranFirst
            self.result = result
            self.error = error
        }
    }
}
