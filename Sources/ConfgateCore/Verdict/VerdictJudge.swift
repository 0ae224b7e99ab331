import Foundation

/// Reaches a verdict from what the trials measured (design §5.4). Pure: every input is a
/// value, so each rule is tested without a server.
public struct VerdictJudge: Sendable {
    /// One side's evidence: its derived figures and one run per round, in round order.
    public struct Side: Sendable {
        public var derived: Derived
        public var runs: [RunSummary]
        /// Each run's latency histogram (used for the single-round interval).
        public var histograms: [HistogramBuckets]
        /// Each run's `RunResult.typicalP99`, in round order; empty when unknown.
        public var typicalP99: [Int64?]

        public init(derived: Derived, runs: [RunSummary], histograms: [HistogramBuckets] = [], typicalP99: [Int64?] = []) {
            self.derived = derived
            self.runs = runs
            self.histograms = histograms
            self.typicalP99 = typicalP99
        }
    }

    /// How a warning says the current side itself failed (read back by `TuneStep`).
    public static let currentAlreadyFails = "the current settings already fail: "

    public var gate: GateSettings.Gate
    /// Whether the rolling deploy ran (deploy demand only matters then).
    public var deployRan: Bool

    public init(gate: GateSettings.Gate, deployRan: Bool) {
        self.gate = gate
        self.deployRan = deployRan
    }

    /// - Parameters:
    ///   - ruleErrors: messages of the proposed side's unsuppressed error-level findings.
    ///   - ruleWarnings: messages of the proposed side's warning-level findings.
    ///   - currentProblems: the current side's error-level findings (reported, never deciding).
    ///   - failedTrials: why trials failed to run; any makes the verdict at best inconclusive.
    public func judge(
        current: Side?, proposed: Side?,
        ruleErrors: [String] = [], ruleWarnings: [String] = [], currentProblems: [String] = [],
        failedTrials: [String] = []
    ) -> Verdict {
        var reasons: [Verdict.Reason] = []
        var warnings: [Verdict.Reason] = []
        var latency: [LatencyComparison] = []

        if let proposed {
            if let reason = exhaustion(proposed, timeoutsDecide: failedTrials.isEmpty) {
                reasons.append(reason)
            } else if var reason = exhaustion(proposed) {
                // Timeouts alone, in trials that did not run cleanly: a starved machine times
                // logins out too, so they are reported but cannot block (at best inconclusive).
                reason.message += " (not judged: a trial did not run cleanly)"
                warnings.append(reason)
            }
        }
        var undecided: [Verdict.Reason] = []
        if let current, let proposed, !current.runs.isEmpty, current.runs.count == proposed.runs.count {
            latency = compareLatency(current, proposed)
            if failedTrials.isEmpty, let busiest = (current.runs + proposed.runs).filter(\.machineBusy).max(by: { $0.lag.p99 < $1.lag.p99 }) {
                // A busy machine's stalls set a round's own p99, and a neighbour whose load
                // changes during the run stalls one side more, in every round: that alone can
                // look like a p99 regression (docs/verdict.md). p50 and the typical p99,
                // medians that stalls barely move, still judge; the run's p99 cannot decide,
                // so the run is inconclusive unless something else blocks.
                for i in latency.indices where latency[i].metric == "p99" && latency[i].regressed {
                    let c = latency[i]
                    undecided.append(.init(.environment, "\(c.metric) \(Self.percent(c.ratio)) (at least \(Self.percent(c.lower))) cannot be told from the machine's own stalls: other work delayed the load driver (\(busiest.lagText); a quiet machine stays under \(RunSummary.busyLagP99 / 1000) ms at p99); retry on a quieter machine",
                                           evidence: latencyReason(c).evidence))
                    latency[i].decides = false
                    latency[i].detectable = nil
                    latency[i].notJudgedBecause = "the machine was busy: lag p99 \(busiest.lag.p99 / 1000) ms"
                }
            }
            for comparison in latency where comparison.regressed {
                if failedTrials.isEmpty {
                    reasons.append(latencyReason(comparison))
                } else {
                    // A trial that failed or whose driver fell behind measured a distorted load
                    // (a starved machine slows every login): latency from such a set of trials
                    // is reported but cannot block; the verdict is then at best inconclusive.
                    var reason = latencyReason(comparison)
                    reason.message += " (not judged: a trial did not run cleanly)"
                    warnings.append(reason)
                }
            }
        }
        // The run's p99 alone being noisy is no warning when the typical p99 beside it judges
        // p99 closely: a uniform regression is then caught, and the p99 line still states what
        // the run's own p99 could catch (a regression confined to the spike).
        let typicalJudgesP99 = latency.contains { $0.metric == Self.typicalP99 && !$0.tooNoisy }
        for comparison in latency where comparison.tooNoisy && !comparison.regressed && comparison.current.count > 1
            && !(comparison.metric == "p99" && typicalJudgesP99) {
            warnings.append(.init(
                .latency,
                "too noisy to judge \(comparison.metric) within +\(Int((comparison.tolerance * 100).rounded()))%: this run \(comparison.detectableText ?? "")",
                evidence: ["\(comparison.metric) per-round ratios spread too much (interval ×\(String(format: "%.2f", comparison.lower))…×\(String(format: "%.2f", comparison.upper))); run more or longer rounds (`--trials`, `--duration`) on a quieter machine"]))
        }
        for message in ruleErrors {
            reasons.append(.init(.rule, message))
        }
        for message in ruleWarnings {
            warnings.append(.init(.rule, message))
        }
        if let proposed, let reason = utilization(proposed) {
            warnings.append(reason)
        }
        if let current {
            // The same rule as the proposed side's: timeouts alone in trials that did not run
            // cleanly do not say the current settings fail (tune reads this as "the reference
            // failed", which ends its search).
            if let reason = exhaustion(current, timeoutsDecide: failedTrials.isEmpty) {
                warnings.append(.init(.currentSide, Self.currentAlreadyFails + reason.message, evidence: reason.evidence))
            } else if let reason = exhaustion(current) {
                warnings.append(.init(.currentSide, "current settings: " + reason.message + " (not judged: a trial did not run cleanly)", evidence: reason.evidence))
            }
        }
        for message in currentProblems {
            warnings.append(.init(.currentSide, "current settings: " + message))
        }

        let decision: Verdict.Decision
        if !reasons.isEmpty {
            decision = .blocked
        } else if !failedTrials.isEmpty || !undecided.isEmpty {
            decision = .inconclusive
            reasons = failedTrials.map { .init(.environment, $0) } + undecided
        } else {
            decision = warnings.isEmpty ? .pass : .passWithWarnings
        }
        if decision == .blocked {
            warnings += failedTrials.map { .init(.environment, "a trial failed to run: \($0)") } + undecided
        }
        return Verdict(decision: decision, reasons: reasons, warnings: warnings, latency: latency)
    }

    /// Failures above the allowance, or connections at the usable limit, in any round.
    ///
    /// Failed logins alone (pool or request timeouts, with no sign of the server's limit)
    /// can also come from a machine that stalled for a moment, so across several rounds they
    /// must recur in most of them; the server's limit (53300, or the peak at usable) is
    /// evidence in any single round. With `timeoutsDecide` false (a trial did not run cleanly)
    /// only the limit's evidence counts: refusals, the peak at usable, an instance that did
    /// not start.
    func exhaustion(_ side: Side, timeoutsDecide: Bool = true) -> Verdict.Reason? {
        let worst = side.runs.map(\.failures).max() ?? 0
        let peak = side.runs.map(\.peakServerConnections).max() ?? 0
        let refused = side.runs.reduce(0) { $0 + ($1.connectFailures["53300"] ?? 0) }
        // A pooler's client limit is as hard as the server's: its refusals are evidence in one round.
        let poolerRefused = side.runs.reduce(0) { $0 + ($1.connectFailures[PoolerRefusal.maxClientConn.rawValue] ?? 0) }
        let usable = Self.usable(side)
        let atLimit = peak >= usable || refused > 0 || poolerRefused > 0
        let limitFailures = side.runs.contains { run in
            run.outcomes.contains { ($0.outcome.sqlState == "53300" || $0.outcome.kind == .poolerRefused) && $0.count > 0 }
        }
        let failingRounds = side.runs.filter { $0.failures > gate.maxFailedLogins }.count
        let failuresRecur = side.runs.count <= 1 ? failingRounds > 0 : failingRounds * 2 > side.runs.count
        let failuresBlock = worst > gate.maxFailedLogins && (atLimit || limitFailures || (failuresRecur && timeoutsDecide))
        // An instance that could not start is as sure a sign as a refusal: its pool was refused.
        var notStarted: [InstanceStartFailure] = []
        for failure in side.runs.flatMap({ $0.instancesNotStarted ?? [] }) where !notStarted.contains(failure) {
            notStarted.append(failure)
        }
        guard failuresBlock || atLimit || !notStarted.isEmpty else { return nil }

        var parts: [String] = notStarted.map(\.sentence)
        var evidence: [String] = []
        if failuresBlock {
            let tallies = Self.merge(side.runs.flatMap(\.outcomes)).filter { $0.outcome.kind.isFailure }
            let total = tallies.reduce(0) { $0 + $1.count }
            let kinds = tallies.map { "\($0.outcome) ×\($0.count)" }.joined(separator: ", ")
            parts.append("\(total) login\(total == 1 ? "" : "s") failed over \(side.runs.count) round\(side.runs.count == 1 ? "" : "s") (\(kinds))")
            for tally in tallies {
                let phases = Phase.allCases.compactMap { p in tally.byPhase[p].map { "\(p.rawValue) \($0)" } }.joined(separator: ", ")
                evidence.append("\(tally.outcome): \(tally.count) [\(phases)], first at \(Self.seconds(tally.firstAt)) into a trial")
            }
        }
        if peak >= usable {
            parts.append("peak \(peak)/\(usable) connections reached the usable limit")
        }
        if refused > 0 {
            parts.append("the server refused \(refused) pool connection attempt\(refused == 1 ? "" : "s") with 53300 (too many clients)")
        }
        let d = side.derived
        if let tier = d.pooler {
            let refusedLogins = Self.merge(side.runs.flatMap(\.outcomes)).filter { $0.outcome.kind == .poolerRefused }
            let refusals = refusedLogins.reduce(0) { $0 + $1.count }
            if refusals > 0 || poolerRefused > 0 {
                let phases = refusedLogins.flatMap { $0.byPhase.filter { $0.value > 0 }.map(\.key) }
                let when = Set(phases) == [.deploy] ? " during the deploy" : ""
                let what = refusals > 0 ? "\(refusals) login\(refusals == 1 ? "" : "s")" : "\(poolerRefused) pool connection attempt\(poolerRefused == 1 ? "" : "s")"
                parts.insert("\(what) refused by the pooler (\(tier.clientLimitText))\(when)", at: 0)
            }
            let waiting = side.runs.compactMap(\.poolerPeakWaiting).max() ?? 0
            if failuresBlock, waiting > 0 {
                let held = side.runs.compactMap(\.poolerPeakServerConnections).max() ?? 0
                evidence.append("the pooler had up to \(waiting) clients waiting for its \(held) server connection\(held == 1 ? "" : "s") (server pools of \(tier.serverConnections))")
            }
            if d.steadyDemand > tier.clientCapacity {
                evidence.insert("steady demand \(d.steadyDemand) > pooler client capacity \(tier.clientCapacity)", at: 0)
            } else if deployRan && d.deployDemand > tier.clientCapacity {
                evidence.insert("deploy demand \(d.deployDemand) > pooler client capacity \(tier.clientCapacity)", at: 0)
            } else if tier.serverConnections > d.usable {
                evidence.insert("pooler server connections \(tier.serverConnections) > usable \(d.usable)", at: 0)
            }
        } else if d.steadyDemand > d.usable {
            evidence.insert("steady demand \(d.steadyDemand) > usable \(d.usable)", at: 0)
        } else if deployRan && d.deployDemand > d.usable {
            evidence.insert("deploy demand \(d.deployDemand) > usable \(d.usable)", at: 0)
        }
        let arithmetic = evidence.first.flatMap { $0.contains("demand") ? "; \($0)" : nil } ?? ""
        return .init(.exhaustion, parts.joined(separator: "; ") + arithmetic, evidence: evidence)
    }

    /// The metric name of the judgement on `RunResult.typicalP99`.
    public static let typicalP99 = "typical p99"

    /// p50 and p99 of the rounds, and across several rounds the typical 100 ms's p99 beside
    /// them: a change regresses when any of them does. The run's p99 sees a regression
    /// confined to the spike; the typical p99, which one stall cannot move, sees a uniform
    /// one of +25% that the run's p99 is too noisy to catch (docs/verdict.md).
    func compareLatency(_ current: Side, _ proposed: Side) -> [LatencyComparison] {
        let usable = current.runs.indices.filter { current.runs[$0].latency.count > 0 && proposed.runs[$0].latency.count > 0 }
        guard !usable.isEmpty else { return [] }
        let metrics: [(String, Double, KeyPath<LatencySummary, Int64>)] = [("p50", 50, \.p50), ("p99", 99, \.p99)]
        var comparisons = metrics.map { name, percentile, path in
            LatencyComparison.compare(
                metric: name, percentile: percentile,
                current: usable.map { current.runs[$0].latency[keyPath: path] },
                proposed: usable.map { proposed.runs[$0].latency[keyPath: path] },
                currentHistograms: current.histograms, proposedHistograms: proposed.histograms,
                tolerance: gate.latencyTolerance, confidence: gate.confidence)
        }
        let typical = usable.compactMap { i -> (Int64, Int64)? in
            guard i < current.typicalP99.count, i < proposed.typicalP99.count,
                  let a = current.typicalP99[i], let b = proposed.typicalP99[i] else { return nil }
            return (a, b)
        }
        if usable.count >= 2, typical.count == usable.count {
            var c = LatencyComparison.compare(
                metric: Self.typicalP99, percentile: 99, current: typical.map(\.0), proposed: typical.map(\.1),
                tolerance: gate.latencyTolerance, confidence: gate.confidence)
            c.method += " of each round's median 100 ms p99"
            comparisons.append(c)
        }
        return comparisons
    }

    func latencyReason(_ c: LatencyComparison) -> Verdict.Reason {
        let pct = Self.percent
        let message = "\(c.metric) \(pct(c.ratio)) (at least \(pct(c.lower)) at \(Int(c.confidence * 100))% confidence; tolerance \(pct(1 + c.tolerance)))"
        let rounds = zip(c.current, c.proposed).map { "\(Self.millis($0)) → \(Self.millis($1))" }.joined(separator: ", ")
        return .init(.latency, message, evidence: ["\(c.metric) per round: \(rounds)", "interval: \(c.method), ratio \(String(format: "%.2f", c.lower))…\(String(format: "%.2f", c.upper))"])
    }

    func utilization(_ side: Side) -> Verdict.Reason? {
        let usable = Self.usable(side)
        guard usable > 0 else { return nil }
        let peak = side.runs.map(\.peakServerConnections).max() ?? 0
        let share = Double(peak) / Double(usable)
        guard share > gate.maxUtilization, peak < usable else { return nil }
        return .init(.utilization, "peak \(peak)/\(usable) connections is \(Int((share * 100).rounded()))% of usable, above max_utilization \(Int((gate.maxUtilization * 100).rounded()))%")
    }

    /// The limit the runs really met: the server's own on `--postgres URL` (its
    /// `max_connections` is not the file's), else the file's arithmetic.
    static func usable(_ side: Side) -> Int {
        side.runs.map(\.usable).filter { $0 > 0 }.min() ?? side.derived.usable
    }

    /// Sums tallies of the same outcome across rounds.
    static func merge(_ tallies: [OutcomeTally]) -> [OutcomeTally] {
        var byOutcome: [Outcome: OutcomeTally] = [:]
        for t in tallies {
            var m = byOutcome[t.outcome] ?? OutcomeTally(outcome: t.outcome)
            m.count += t.count
            for (p, n) in t.byPhase { m.byPhase[p, default: 0] += n }
            m.firstAt = min(m.firstAt, t.firstAt)
            byOutcome[t.outcome] = m
        }
        return byOutcome.values.sorted { $0.outcome < $1.outcome }
    }

    /// `+57%` for a ratio of 1.57.
    static func percent(_ ratio: Double) -> String { String(format: "%+.0f%%", (ratio - 1) * 100) }
    static func seconds(_ micros: Int64) -> String { String(format: "%.1fs", Double(micros) / 1e6) }
    static func millis(_ micros: Int64) -> String { String(format: "%.1fms", Double(micros) / 1e3) }
}
