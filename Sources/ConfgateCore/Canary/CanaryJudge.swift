import Foundation

/// The canary's verdict (docs/canary.md), with the exit codes of every command:
/// - **blocked** (1) when connections reached usable, the server refused the probe (53300),
///   a role reached its own connection limit, utilization stayed above `max_utilization`
///   longer than `sustained`, or the declared demand exceeds usable;
/// - **inconclusive** (3) when it could not observe enough: fewer than `minSamples`
///   samples, a named application that never appeared, a probe that never got an answer
///   about admission, sampling that stopped early (connection lost, Ctrl-C) — never a pass
///   on missing data;
/// - **pass** (0) otherwise, with warnings worth reading.
/// Blocking evidence wins over missing data: a refusal seen in 10 samples is still a refusal.
public enum CanaryJudge {
    public static func judge(_ record: CanaryRecord, budget b: CanaryBudget, criteria: CanaryCriteria) -> Verdict {
        var blocks: [Verdict.Reason] = [], gaps: [Verdict.Reason] = [], warnings: [Verdict.Reason] = []
        let pct = { (x: Double) in "\(Int((x * 100).rounded()))%" }

        // Blocked.
        if let r = b.reachedUsable {
            blocks.append(.init(.exhaustion, "connections reached usable: \(r.connections) of \(r.usable) at \(seconds(r.at)) (usable = \(r.arithmetic))",
                                evidence: b.applications.map { "\($0.name): peak \($0.peak) of its \($0.steadyBudget) (instances × max_size)" }))
        }
        let refused = record.refusals
        if let first = refused.first {
            blocks.append(.init(.exhaustion,
                "the server refused \(refused.count) of \(record.probes.count) probe connection\(record.probes.count == 1 ? "" : "s") as \(record.probeRole ?? "the service role") (\(first.sqlState ?? "53300")), first at \(seconds(first.at)): it refuses the fleet's new connections too",
                evidence: first.message.map { [$0] } ?? []))
        }
        for r in b.rolesAtLimit {
            blocks.append(.init(.exhaustion, "role \(r.role) reached its CONNECTION LIMIT: \(r.peak) of \(r.limit) sessions"))
        }
        if let s = b.longestAbove, s.seconds >= criteria.sustained {
            blocks.append(.init(.utilization,
                "utilization above \(pct(criteria.maxUtilization)) of usable for \(seconds(s.seconds)) (from \(seconds(s.from)) to \(seconds(s.to)); limit \(seconds(criteria.sustained))), peak \(pct(s.peakUtilization))"))
        }
        if let l = b.limits {
            let d = b.declared
            if let p = d.pooler, p.serverConnections > l.usable {
                blocks.append(.init(.exhaustion, "declared pooler server connections \(p.serverConnections) > usable \(l.usable) (\(l.arithmetic))"))
            } else if d.pooler == nil, d.steadyDemand > l.usable {
                blocks.append(.init(.exhaustion, "declared steady demand \(d.steadyDemand) > usable \(l.usable) (\(l.arithmetic))"))
            } else if d.pooler == nil, d.deployDemand > l.usable {
                blocks.append(.init(.exhaustion, "declared deploy demand \(d.deployDemand) > usable \(l.usable) (\(l.arithmetic))"))
            }
        }

        // Inconclusive.
        if record.limits.isEmpty {
            gaps.append(.init(.environment, "the server's limits could not be read"))
        }
        if record.samples.count < criteria.minSamples {
            gaps.append(.init(.environment,
                "only \(record.samples.count) sample\(record.samples.count == 1 ? "" : "s") over \(seconds(record.span)) (need \(criteria.minSamples)): lengthen --duration or shorten --interval"))
        }
        for app in b.applications where app.seenIn == 0 {
            gaps.append(.init(.environment,
                "application \(app.name) never appeared in pg_stat_activity in \(record.samples.count) samples (application_name prefix): is the fleet running, and is --application right?"))
        }
        let answered = record.probes.filter { $0.outcome != .failed }
        if !record.probes.isEmpty, answered.isEmpty, let first = record.probes.first {
            gaps.append(.init(.environment,
                "the refusal probe never connected as \(record.probeRole ?? "the service role") (\(first.sqlState.map { $0 + ": " } ?? "")\(first.message ?? "failed")): refusals could not be seen; --probe-url names a role that can connect"))
        }
        if let failure = record.failure {
            gaps.append(.init(.environment, "sampling stopped early: \(failure)"))
        }
        if record.interrupted {
            gaps.append(.init(.environment, "interrupted after \(seconds(record.span)) (\(record.samples.count) samples): the watch was cut short"))
        }

        // Warnings.
        if let s = b.longestAbove, s.seconds < criteria.sustained {
            warnings.append(.init(.utilization,
                "utilization above \(pct(criteria.maxUtilization)) of usable for \(seconds(s.seconds)) (blocks at \(seconds(criteria.sustained))), peak \(pct(s.peakUtilization))"))
        }
        for app in b.applications where app.peak > app.deployBudget {
            warnings.append(.init(.exhaustion,
                "\(app.name) held \(app.peak) connections, more than its declared budget \(app.deployBudget): the settings are not what runs"))
        }
        if !record.privileged {
            warnings.append(.init(.environment,
                "role \(record.role) cannot see other sessions' details (not a superuser, no pg_monitor or pg_read_all_stats): their state and idle-in-transaction age are hidden; counts stay complete"))
        }
        if record.probeRole == nil {
            warnings.append(.init(.environment,
                "no refusal probe ran (the settings' DSN names no user and no --probe-url was given, or --no-probe): refusals between samples go unseen"))
        } else if !answered.isEmpty, answered.count < record.probes.count {
            let failed = record.probes.filter { $0.outcome == .failed }
            warnings.append(.init(.environment,
                "\(failed.count) of \(record.probes.count) probes failed for another reason than a refusal: \(failed.first?.message ?? "")"))
        }

        if !blocks.isEmpty { return Verdict(decision: .blocked, reasons: blocks + gaps, warnings: warnings) }
        if !gaps.isEmpty { return Verdict(decision: .inconclusive, reasons: gaps, warnings: warnings) }
        return Verdict(decision: warnings.isEmpty ? .pass : .passWithWarnings, warnings: warnings)
    }

    /// `3.2 s`, `2min 10s`.
    public static func seconds(_ s: Double) -> String {
        if s < 60 { return String(format: s < 10 ? "%.1f s" : "%.0f s", s) }
        let whole = Int(s.rounded())
        return whole % 60 == 0 ? "\(whole / 60)min" : "\(whole / 60)min \(whole % 60)s"
    }
}
