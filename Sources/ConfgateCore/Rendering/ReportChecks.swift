import Foundation

/// The checks table of the HTML report: every rule the verdict judges, one row each, with
/// both sides' values, the limit, the change, the result, and how much evidence it rests on.
/// The result column follows the verdict (a row says "fail" only where the verdict's reasons
/// say the change is blocked for it), so the table and the banner never disagree.
struct ReportChecks {
    /// One row.
    struct Row: Hashable {
        var check: String
        var current: String
        var proposed: String
        var limit: String
        var change: String
        var result: String
        /// Rounds and logins behind the row, and `low evidence` when that is thin.
        var evidence: String

        var cells: [String] { [check, current, proposed, limit, change, result, evidence] }
    }

    static let fail = "✗ FAIL"
    static let pass = "✓ pass"

    static let header = ["check", "current", "proposed", "limit", "change", "result", "evidence"]

    /// The rows for `r`.
    static func rows(_ r: VerifyResult) -> [Row] {
        var rows: [Row] = []
        let v = r.verdict
        let blockedBy = Set(v.reasons.map(\.kind))
        if !r.lintOnly {
            let c = r.current.runs.map(\.summary), p = r.proposed.runs.map(\.summary)
            let evidence = evidenceText(r, c, p)
            let failC = c.reduce(0) { $0 + $1.failures }, failP = p.reduce(0) { $0 + $1.failures }
            let worstP = p.map(\.failures).max() ?? 0
            let failResult = blockedBy.contains(.exhaustion) && worstP > r.gate.maxFailedLogins ? Self.fail
                : worstP > r.gate.maxFailedLogins ? "over, not blocking (did not recur)" : Self.pass
            rows.append(Row(check: "exhaustion: failed logins", current: "\(failC)", proposed: "\(failP)",
                            limit: "≤ \(r.gate.maxFailedLogins) per round (max_failed_logins)",
                            change: VerifyTextRenderer.signed(failP - failC), result: failResult, evidence: evidence))
            let refusedC = c.reduce(0) { $0 + ($1.connectFailures["53300"] ?? 0) }
            let refusedP = p.reduce(0) { $0 + ($1.connectFailures["53300"] ?? 0) }
            rows.append(Row(check: "exhaustion: connects refused (53300)", current: "\(refusedC)", proposed: "\(refusedP)",
                            limit: "0", change: VerifyTextRenderer.signed(refusedP - refusedC),
                            result: refusedP > 0 ? Self.fail : Self.pass, evidence: evidence))
            if r.current.derived.pooler != nil || r.proposed.derived.pooler != nil {
                rows.append(poolerRefusals(r, c, p, evidence: evidence))
            }
            let peakC = c.map(\.peakServerConnections).max() ?? 0, peakP = p.map(\.peakServerConnections).max() ?? 0
            let usableC = usable(c, r.current.derived), usableP = usable(p, r.proposed.derived)
            let share = usableP > 0 ? Double(peakP) / Double(usableP) : 0
            let peakResult = peakP >= usableP ? Self.fail : share > r.gate.maxUtilization ? "! warning (above max_utilization)" : Self.pass
            rows.append(Row(check: "exhaustion: peak server connections", current: "\(peakC) of \(usableC)", proposed: "\(peakP) of \(usableP)",
                            limit: "< usable \(usableP); warn above \(percent(r.gate.maxUtilization)) (\(Int((Double(usableP) * r.gate.maxUtilization).rounded(.down))))",
                            change: VerifyTextRenderer.signed(peakP - peakC), result: peakResult, evidence: evidence))
            let limit = "+\(percent(r.gate.latencyTolerance)) at \(percent(r.gate.confidence)) confidence"
            if v.latency.isEmpty {
                for (metric, path) in [("p50", \LatencySummary.p50), ("p99", \LatencySummary.p99)] {
                    let a = VerifyTextRenderer.median(c.map { Double($0.latency[keyPath: path]) })
                    let b = VerifyTextRenderer.median(p.map { Double($0.latency[keyPath: path]) })
                    rows.append(Row(check: "latency \(metric)", current: VerifyTextRenderer.ms(a), proposed: VerifyTextRenderer.ms(b),
                                    limit: limit, change: VerifyTextRenderer.percent(a, b), result: "not judged (no paired rounds)", evidence: evidence))
                }
            }
            for cmp in v.latency {
                let a = VerifyTextRenderer.median(cmp.current.map(Double.init))
                let b = VerifyTextRenderer.median(cmp.proposed.map(Double.init))
                let change = String(format: "×%.2f (%@ interval ×%.2f–×%.2f)", cmp.ratio, percent(cmp.confidence), cmp.lower, cmp.upper)
                let result = cmp.regressed ? (blockedBy.contains(.latency) ? Self.fail : "regressed, not judged (a trial failed)")
                    : !cmp.decides ? "– not judged (\(cmp.notJudgedBecause ?? "one round's tail"))"
                    : cmp.ratio > 1 + cmp.tolerance ? Self.pass + " (estimate above tolerance, interval too wide to tell)" : Self.pass
                rows.append(Row(check: "latency \(cmp.metric) (median of rounds)", current: VerifyTextRenderer.ms(a), proposed: VerifyTextRenderer.ms(b),
                                limit: limit, change: change, result: result, evidence: evidence))
            }
        }
        let errorsC = r.current.findings.filter { $0.isActive && $0.severity == .error }.count
        let errorsP = r.proposed.findings.filter { $0.isActive && $0.severity == .error }.count
        rows.append(Row(check: "lint errors (unsuppressed)", current: "\(errorsC)", proposed: "\(errorsP)", limit: "0",
                        change: VerifyTextRenderer.signed(errorsP - errorsC),
                        result: blockedBy.contains(.rule) ? Self.fail : errorsP > 0 ? "not blocking (see warnings)" : Self.pass,
                        evidence: "static: both files"))
        return rows
    }

    /// With a pooler on either side: the pools' connection attempts the pooler refused because
    /// its client connections were full (`max_client_conn`) — as hard a limit as the server's
    /// 53300, and judged as one (a side without a pooler shows `–`). Logins that failed for it
    /// (`pooler_refused`) count in the failed-logins row.
    static func poolerRefusals(_ r: VerifyResult, _ c: [RunSummary], _ p: [RunSummary], evidence: String) -> Row {
        func refused(_ runs: [RunSummary]) -> Int {
            runs.reduce(0) { $0 + ($1.connectFailures[PoolerRefusal.maxClientConn.rawValue] ?? 0) }
        }
        let a = refused(c), b = refused(p)
        let limit = r.proposed.derived.pooler.map { "0 (client capacity \($0.clientCapacity))" } ?? "0"
        let result = b == 0 ? Self.pass : r.verdict.reasons.contains { $0.kind == .exhaustion } ? Self.fail : "refused, not judged"
        return Row(check: "exhaustion: connects refused by the pooler (max_client_conn)",
                   current: r.current.derived.pooler == nil ? "– (no pooler)" : "\(a)",
                   proposed: r.proposed.derived.pooler == nil ? "– (no pooler)" : "\(b)",
                   limit: limit, change: VerifyTextRenderer.signed(b - a), result: result, evidence: evidence)
    }

    /// `1 round, 3389 / 3389 logins: low evidence`: rounds, logins measured per side
    /// (current / proposed), and the flag when fewer than 3 rounds or 1000 logins a side.
    static func evidenceText(_ r: VerifyResult, _ c: [RunSummary], _ p: [RunSummary]) -> String {
        let rounds = min(c.count, p.count)
        let loginsC = c.reduce(0) { $0 + $1.latency.count }, loginsP = p.reduce(0) { $0 + $1.latency.count }
        var text = "\(rounds) round\(rounds == 1 ? "" : "s"), \(loginsC) / \(loginsP) logins"
        if rounds < 3 || min(loginsC, loginsP) < 1000 { text += ": low evidence" }
        return text
    }

    /// The usable limit the runs met (as the verdict takes it).
    static func usable(_ runs: [RunSummary], _ derived: Derived) -> Int {
        runs.map(\.usable).filter { $0 > 0 }.min() ?? derived.usable
    }

    /// `10%`, `95%`.
    static func percent(_ fraction: Double) -> String { "\(Int((fraction * 100).rounded()))%" }
}
