/// Connection-budget rules: the fleet's demand against the server's usable connections
/// (CG101–CG103, CG116). With a pooler, the fleet's pools reach the pooler, not the server:
/// `PoolerChecks` judge both tiers instead of CG101–CG103.
enum BudgetChecks {
    /// CG101: instances × processes × Σ max_size (every pool of a process) > usable.
    static func steadyDemand(_ s: LintSubject) -> Finding? {
        let d = s.derived
        guard s.settings.pooler == nil else { return nil }
        guard d.steadyDemand > d.usable else { return nil }
        let fleet = s.settings.fleet
        let server = s.settings.server
        var fixes: [String] = []
        let pools = fleet.instances * fleet.processes
        // Only the main pool changes; the named pools keep their sizes.
        let named = s.settings.namedMaxSize
        if pools > 0, d.usable / pools > named {
            let fit = d.usable / pools - named
            fixes.append("lower pool.max_size to \(fit) (\(fleet.instances)\(fleet.processesFactor) × \(s.settings.withNamed(fit)) = \(pools * (fit + named)) ≤ \(d.usable))")
        }
        fixes.append("raise server.max_connections to \(server.maxConnections + d.steadyDemand - d.usable)")
        return s.finding(
            Rules.cg101,
            "steady demand \(s.steadyArithmetic) > \(s.usableArithmetic)",
            why: "When every instance fills its pool, the server refuses the connections beyond its limit with \"FATAL: sorry, too many clients already\" (SQLSTATE 53300), and the requests that needed them fail.",
            fix: fixes.joined(separator: ", or ") + ", or lower other_clients if other applications really hold fewer")
    }

    /// CG102: (instances + max_surge) × max_size > usable, while steady demand fits (CG101
    /// reports the other case). `verify --deploy off` reports it without blocking.
    static func deployDemand(_ s: LintSubject) -> Finding? {
        let d = s.derived
        guard s.settings.pooler == nil else { return nil }
        guard d.deployDemand > d.usable, d.steadyDemand <= d.usable else { return nil }
        let fleet = s.settings.fleet
        let server = s.settings.server
        var fixes: [String] = []
        let total = (fleet.instances + fleet.maxSurge) * fleet.processes
        let named = s.settings.namedMaxSize
        if total > 0, d.usable / total > named {
            let fit = d.usable / total - named
            fixes.append("lower pool.max_size to \(fit) ((\(fleet.instances) + \(fleet.maxSurge))\(fleet.processesFactor) × \(s.settings.withNamed(fit)) = \(total * (fit + named)) ≤ \(d.usable))")
        }
        if s.settings.maxSizePerProcess > 0 {
            let surge = d.usable / (s.settings.maxSizePerProcess * fleet.processes) - fleet.instances
            if surge >= 0 && surge < fleet.maxSurge {
                fixes.append("lower fleet.max_surge to \(surge)")
            }
        }
        fixes.append("raise server.max_connections to \(server.maxConnections + d.deployDemand - d.usable)")
        return s.finding(
            Rules.cg102,
            "deploy demand \(s.deployArithmetic) > \(s.usableArithmetic); steady demand \(d.steadyDemand) fits",
            why: "During a rolling deploy the surge instances open their pools before the old ones close theirs; the server refuses connections beyond its limit (SQLSTATE 53300) in the middle of the deploy.",
            fix: fixes.joined(separator: ", or "))
    }

    /// CG103: deploy demand fits, but above the gate's `max_utilization` of usable.
    static func deployHeadroom(_ s: LintSubject) -> Finding? {
        let d = s.derived
        guard s.settings.pooler == nil else { return nil }
        guard d.usable > 0, d.deployDemand <= d.usable else { return nil }
        // Exact integer arithmetic in basis points: 90% → 9000.
        let limitBP = Int((s.gate.gate.maxUtilization * 10_000).rounded())
        guard d.deployDemand * 10_000 > limitBP * d.usable else { return nil }
        let headroomPct = Derived.percent(d.deployHeadroom, of: d.usable) ?? 0
        let wantedPct = percentText(Double(10_000 - limitBP) / 100)
        let limit = limitBP * d.usable / 10_000
        let fleet = s.settings.fleet
        let total = (fleet.instances + fleet.maxSurge) * fleet.processes
        var fix = "keep deploy demand at or below \(limit) (max_utilization \(percentText(Double(limitBP) / 100))% of usable \(d.usable))"
        if total > 0, limit / total > s.settings.namedMaxSize {
            fix += ", e.g. pool.max_size \(limit / total - s.settings.namedMaxSize), or raise server.max_connections"
        } else {
            fix += ", e.g. raise server.max_connections"
        }
        return s.finding(
            Rules.cg103,
            "deploy demand \(s.deployArithmetic) leaves \(d.deployHeadroom) of \(s.usableArithmetic) free (\(percentText(headroomPct))%), less than the \(wantedPct)% headroom of max_utilization \(percentText(Double(limitBP) / 100))%",
            why: "A fleet that needs nearly every usable connection during a deploy has no margin for a manual psql session, a migration, a monitoring agent or one more instance.",
            fix: fix)
    }

    /// CG116: superuser_reserved + reserved ≥ max_connections: the server does not start.
    static func reservedExceedMax(_ s: LintSubject) -> Finding? {
        let server = s.settings.server
        let reserved = server.superuserReservedConnections + server.reservedConnections
        guard reserved >= server.maxConnections else { return nil }
        return s.finding(
            Rules.cg116,
            "superuser_reserved_connections \(server.superuserReservedConnections) + reserved_connections \(server.reservedConnections) = \(reserved) ≥ max_connections \(server.maxConnections)",
            why: "PostgreSQL checks this at start-up and exits with \"superuser_reserved_connections plus reserved_connections must be less than max_connections\".",
            fix: "raise server.max_connections above \(reserved), or lower the reserved connections")
    }
}
