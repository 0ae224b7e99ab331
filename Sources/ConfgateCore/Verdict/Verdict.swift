/// The outcome of `verify` (design §5.4): the decision, the exit code it maps to, and
/// every reason with the numbers behind it.
public struct Verdict: Hashable, Sendable, Codable {
    public enum Decision: String, Hashable, Sendable, Codable {
        /// Merge: nothing worth a second look.
        case pass
        /// Merge, but read the warnings.
        case passWithWarnings = "pass_with_warnings"
        /// Do not merge: exhaustion, latency regression, or an error-level rule.
        case blocked
        /// The environment failed; retry, never read as a pass.
        case inconclusive

        /// The process exit code (design §2).
        public var exitCode: Int32 {
            switch self {
            case .pass, .passWithWarnings: 0
            case .blocked: 1
            case .inconclusive: 3
            }
        }
    }

    /// What a reason is about.
    public enum Kind: String, Hashable, Sendable, Codable {
        case exhaustion, latency, rule, utilization, currentSide = "current_side", environment
    }

    /// One reason, with its evidence lines.
    public struct Reason: Hashable, Sendable, Codable {
        public var kind: Kind
        public var message: String
        public var evidence: [String]

        public init(_ kind: Kind, _ message: String, evidence: [String] = []) {
            self.kind = kind
            self.message = message
            self.evidence = evidence
        }
    }

    public var decision: Decision
    /// Why the change is blocked or inconclusive, most important first.
    public var reasons: [Reason]
    /// What is worth knowing but does not decide the exit.
    public var warnings: [Reason]
    /// The latency judgements behind any latency reason (p50, p99).
    public var latency: [LatencyComparison]

    public init(decision: Decision, reasons: [Reason] = [], warnings: [Reason] = [], latency: [LatencyComparison] = []) {
        self.decision = decision
        self.reasons = reasons
        self.warnings = warnings
        self.latency = latency
    }

    public var exitCode: Int32 { decision.exitCode }

    /// The one-line headline: `BLOCKED: exhaustion — …`.
    public var headline: String {
        switch decision {
        case .pass: return "PASS: no exhaustion, no latency regression, no error-level findings"
        case .passWithWarnings: return "PASS with \(warnings.count) warning\(warnings.count == 1 ? "" : "s"): \(warnings.first?.message ?? "")"
        case .blocked: return "BLOCKED: \(reasons.first.map { "\($0.kind.rawValue) — \($0.message)" } ?? "")"
        case .inconclusive: return "INCONCLUSIVE: \(reasons.first?.message ?? "a trial failed to run")"
        }
    }
}
