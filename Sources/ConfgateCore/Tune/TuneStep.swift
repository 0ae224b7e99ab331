import Foundation

/// One step of the search: a candidate value run against the reference (the largest safe
/// value) through `VerifyPipeline`, and what the verify machinery concluded.
public struct TuneStep: Hashable, Sendable, Codable {
    /// How long a step's trials are.
    public enum Mode: String, Hashable, Sendable, Codable {
        /// `verify --quick`'s profile: one short round; catches failures and gross regressions.
        case quick
        /// The gate's own rounds and statistics: decides "within tolerance".
        case full
    }

    /// What the step showed about the candidate.
    public enum Outcome: String, Hashable, Sendable, Codable {
        /// No failures, latency within the gate's tolerance of the reference.
        case safe
        /// Failed logins or a latency regression beyond tolerance.
        case unsafe
        /// The trials could not run cleanly (server, driver lag, interruption).
        case inconclusive
    }

    public var value: Int
    public var reference: Int
    public var mode: Mode
    public var rounds: Int
    public var outcome: Outcome
    /// The verdict's main reason for an unsafe or inconclusive step; empty when safe.
    public var reason: String
    /// Set when the reference side itself failed logins: the top of the range is not safe.
    public var referenceFailure: String?
    /// Infrastructure failures of the candidate, summed over rounds.
    public var failures: Int
    /// Median over rounds, µs: candidate and reference.
    public var p50: Int64?
    public var p99: Int64?
    public var referenceP50: Int64?
    public var referenceP99: Int64?
    /// The verify machinery's ratio estimates (candidate / reference).
    public var p50Ratio: Double?
    public var p99Ratio: Double?
    /// Most connections the candidate's fleet held.
    public var peakConnections: Int
    /// The measured phase where the candidate's p99 rose most against the reference's (the
    /// median over rounds of each round's ratio), when that is clearly more than over the
    /// whole run: the spike a small pool cannot absorb. `nil` otherwise.
    public var worstPhase: PhaseRatio?

    /// A p99 ratio (candidate / reference) within one phase.
    public struct PhaseRatio: Hashable, Sendable, Codable {
        public var phase: Phase
        public var p99Ratio: Double

        public init(phase: Phase, p99Ratio: Double) {
            self.phase = phase
            self.p99Ratio = p99Ratio
        }
    }

    public init(value: Int, reference: Int, mode: Mode, rounds: Int, outcome: Outcome, reason: String = "",
                referenceFailure: String? = nil, failures: Int = 0, p50: Int64? = nil, p99: Int64? = nil,
                referenceP50: Int64? = nil, referenceP99: Int64? = nil, p50Ratio: Double? = nil,
                p99Ratio: Double? = nil, peakConnections: Int = 0, worstPhase: PhaseRatio? = nil) {
        self.value = value
        self.reference = reference
        self.mode = mode
        self.rounds = rounds
        self.outcome = outcome
        self.reason = reason
        self.referenceFailure = referenceFailure
        self.failures = failures
        self.p50 = p50
        self.p99 = p99
        self.referenceP50 = referenceP50
        self.referenceP99 = referenceP99
        self.p50Ratio = p50Ratio
        self.p99Ratio = p99Ratio
        self.peakConnections = peakConnections
        self.worstPhase = worstPhase
    }

    /// Reads a step from the verify result of `value` (proposed) against `reference` (current).
    /// Exhaustion and latency reasons make it unsafe; rule findings do not (they concern the
    /// file, not the value, and are the same on both sides); an inconclusive verdict makes it
    /// inconclusive.
    public init(value: Int, reference: Int, mode: Mode, result: VerifyResult) {
        let verdict = result.verdict
        let deciding = verdict.reasons.first { $0.kind == .exhaustion || $0.kind == .latency }
        let outcome: Outcome = deciding != nil ? .unsafe : verdict.decision == .inconclusive ? .inconclusive : .safe
        let reason = deciding?.message ?? (outcome == .inconclusive ? verdict.reasons.first?.message ?? "a trial did not run" : "")
        let candidate = result.proposed.runs.map(\.summary), ref = result.current.runs.map(\.summary)
        // The judge's own words when the reference (the verify's current side) failed.
        let refFailure = verdict.warnings.first { $0.kind == .currentSide && $0.message.hasPrefix(VerdictJudge.currentAlreadyFails) }
        self.init(
            value: value, reference: reference, mode: mode, rounds: max(candidate.count, ref.count), outcome: outcome,
            reason: reason,
            referenceFailure: refFailure.map { String($0.message.dropFirst(VerdictJudge.currentAlreadyFails.count)) },
            failures: candidate.reduce(0) { $0 + $1.failures },
            p50: Self.median(candidate.map(\.latency.p50)), p99: Self.median(candidate.map(\.latency.p99)),
            referenceP50: Self.median(ref.map(\.latency.p50)), referenceP99: Self.median(ref.map(\.latency.p99)),
            p50Ratio: verdict.latency.first { $0.metric == "p50" }?.ratio,
            p99Ratio: verdict.latency.first { $0.metric == "p99" }?.ratio,
            peakConnections: candidate.map(\.peakServerConnections).max() ?? 0,
            worstPhase: Self.worstPhase(candidate: candidate, reference: ref,
                                        overall: verdict.latency.first { $0.metric == "p99" }?.ratio))
    }

    /// What made the step unsafe, shortest form: `p50 rises ×1.2, p99 ×1.6, ×2.4 during the
    /// spike (verify: …)`, or the failures (whose reason names their phases).
    public var evidence: String {
        if failures > 0 { return reason }
        if let r = p99Ratio, let p = p50Ratio {
            let phase = worstPhase.map { ", ×\(String(format: "%.1f", $0.p99Ratio)) \($0.phase.during)" } ?? ""
            return "p50 rises ×\(String(format: "%.1f", p)), p99 ×\(String(format: "%.1f", r))\(phase) (verify: \(reason))"
        }
        return reason
    }

    /// A phase's p99 ratio counts as "clearly more" than the whole run's from this factor on:
    /// below it, naming a phase would only repeat the overall figure.
    static let phaseStandsOut = 1.2

    /// The phase whose p99 ratio (median over paired rounds) is largest, when it is at least
    /// `phaseStandsOut` times the whole run's ratio and the run measured more than one phase.
    static func worstPhase(candidate: [RunSummary], reference: [RunSummary], overall: Double?) -> PhaseRatio? {
        guard let overall, overall > 0 else { return nil }
        var ratios: [Phase: [Double]] = [:]
        for (c, r) in zip(candidate, reference) {
            let refByPhase = Dictionary((r.latencyByPhase ?? []).map { ($0.phase, $0.latency.p99) }, uniquingKeysWith: { a, _ in a })
            for entry in c.latencyByPhase ?? [] {
                guard let ref = refByPhase[entry.phase], ref > 0, entry.latency.count > 0 else { continue }
                ratios[entry.phase, default: []].append(Double(entry.latency.p99) / Double(ref))
            }
        }
        guard ratios.count > 1 else { return nil }
        let medians = Phase.allCases.compactMap { phase in
            ratios[phase].flatMap(median).map { PhaseRatio(phase: phase, p99Ratio: $0) }
        }
        guard let worst = medians.max(by: { $0.p99Ratio < $1.p99Ratio }), worst.p99Ratio >= overall * phaseStandsOut else { return nil }
        return worst
    }

    /// The upper of the two middle values for an even count; `nil` for none.
    static func median<T: Comparable>(_ values: [T]) -> T? {
        guard !values.isEmpty else { return nil }
        return values.sorted()[values.count / 2]
    }
}
