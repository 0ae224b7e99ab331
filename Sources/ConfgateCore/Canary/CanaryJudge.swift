import Foundation

/// The canary's verdict (docs/canary.md), with the exit codes of every command:
/// - **blocked** (1) when connections reached usable, the server refused the probe (53300),
///   the server log reported a refused connection (`--log`), a scraped HikariCP pool timed
///   an acquire out (`--scrape`), a role reached its own connection limit, utilization
///   stayed above `max_utilization` longer than `sustained`, or the declared demand exceeds
///   usable;
/// - **inconclusive** (3) when it could not observe enough: fewer than `minSamples`
///   samples, a named application that never appeared, a probe that never got an answer
///   about admission, a `--scrape` URL that failed more than half its scrapes or never
///   showed a HikariCP pool, sampling that stopped early (connection lost, Ctrl-C) — never
///   a pass on missing data;
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
        let timedOut = b.scrapes.pools.filter { $0.timeouts > 0 }
        if !timedOut.isEmpty {
            let total = timedOut.reduce(0) { $0 + $1.timeouts }
            let first = timedOut.compactMap(\.firstTimeoutAt).min() ?? 0
            let which = timedOut.count == 1 ? "in pool \(timedOut[0].name) at \(timedOut[0].url)"
                : "in \(timedOut.count) pools (" + timedOut.map { "\($0.name) \($0.timeouts)" }.joined(separator: ", ") + ")"
            blocks.append(.init(.exhaustion,
                "\(total) connection acquire\(total == 1 ? "" : "s") timed out \(which) (hikaricp_connections_timeout_total), first seen at \(seconds(first)): the services' requests waited their whole connectionTimeout",
                evidence: timedOut.map { "pool \($0.name) at \($0.url): +\($0.timeouts) timeouts, first at \(seconds($0.firstTimeoutAt ?? 0)); active peak \($0.peakActive)\($0.maxSize.map { " of max \($0)" } ?? ""), pending peak \($0.peakPending)" }))
        }
        if let log = record.log, let first = log.refusals.first {
            let kinds = ServerLogRefusal.Kind.allCases.compactMap { kind -> String? in
                let n = log.refusals.filter { $0.kind == kind }.count
                return n == 0 ? nil : "\(n) “\(kind.phrase)”"
            }
            blocks.append(.init(.exhaustion,
                "the server log \(log.file) reports \(log.refusals.count) refused connection\(log.refusals.count == 1 ? "" : "s") (\(kinds.joined(separator: ", "))), first read at \(seconds(first.at)): the fleet's new connections are refused",
                evidence: [first.line]))
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
        for t in b.scrapes.targets {
            if t.scrapes == 0 {
                gaps.append(.init(.environment, "\(t.url) was never scraped: lengthen --duration"))
            } else if t.failed == t.scrapes {
                gaps.append(.init(.environment,
                    "no scrape of \(t.url) succeeded (\(t.failed) of \(t.scrapes) failed; first: \(t.firstError ?? "")): pool timeouts could not be seen"))
            } else if t.failed * 2 > t.scrapes {
                gaps.append(.init(.environment,
                    "\(t.failed) of \(t.scrapes) scrapes of \(t.url) failed (more than half; first at \(seconds(t.firstErrorAt ?? 0)): \(t.firstError ?? ""))"))
            } else if !t.sawPools {
                gaps.append(.init(.environment,
                    "\(t.url) answered \(t.scrapes - t.failed) scrapes with no hikaricp_connections series: is it the service's metrics endpoint, with HikariCP's Micrometer metrics on?"))
            }
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
        for t in b.scrapes.targets where t.failed > 0 && t.failed * 2 <= t.scrapes {
            warnings.append(.init(.environment,
                "\(t.failed) of \(t.scrapes) scrapes of \(t.url) failed (first at \(seconds(t.firstErrorAt ?? 0)): \(t.firstError ?? ""))"))
        }
        for p in b.scrapes.pools where !p.countsTimeouts {
            warnings.append(.init(.environment,
                "pool \(p.name) at \(p.url) has no hikaricp_connections_timeout_total: its timeouts cannot be seen"))
        }
        for p in b.scrapes.pools where p.peakPending > 0 {
            warnings.append(.init(.exhaustion,
                "pool \(p.name) had \(p.peakPending) request\(p.peakPending == 1 ? "" : "s") waiting for a connection at \(seconds(p.peakPendingAt ?? 0)) (hikaricp_connections_pending)"))
        }
        for p in b.scrapes.pools where p.saturatedIn > 0 {
            warnings.append(.init(.exhaustion,
                "pool \(p.name) had all \(p.maxSize ?? p.peakActive) of its connections active in \(p.saturatedIn) of \(p.seenIn) scrapes (hikaricp_connections_active = _max): the next request waits"))
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
