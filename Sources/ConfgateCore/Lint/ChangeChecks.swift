/// Rules that judge a change between two settings files (`CG2xx`).
enum ChangeChecks {
    /// CG201: proposed deploy demand > 125% of current deploy demand.
    static func deployDemandRise(current: Settings, proposed: LintSubject) -> Finding? {
        let before = Derived(current).deployDemand
        let after = proposed.derived.deployDemand
        // after > 1.25 × before, in integers.
        guard after * 4 > before * 5, after > before else { return nil }
        let rise = before > 0 ? "+\(percentText(Double(after - before) * 100 / Double(before)))%" : "from zero"
        let f = current.fleet
        let old = "(\(f.instances) + \(f.maxSurge))\(f.processesFactor) × \(current.maxSizeText) = \(before)"
        // Locate the finding at the first key the change actually raised.
        let p = proposed.settings
        var raised: [String] = []
        if p.pool.maxSize > current.pool.maxSize { raised.append("pool.max_size") }
        for named in p.namedPools where named.pool.maxSize > current.namedPool(named.name)?.maxSize ?? 0 {
            raised.append("\(named.section).max_size")
        }
        if p.fleet.instances > current.fleet.instances { raised.append("fleet.instances") }
        if p.fleet.maxSurge > current.fleet.maxSurge { raised.append("fleet.max_surge") }
        if p.fleet.processes > current.fleet.processes { raised.append("fleet.processes") }
        var rule = Rules.cg201
        rule.keys = raised + rule.keys.filter { !raised.contains($0) }
        return proposed.finding(
            rule,
            "deploy demand rises from \(before) to \(after) (\(rise), more than 25%): \(old) → \(proposed.deployArithmetic), of usable \(proposed.derived.usable)",
            why: "A large jump in how many connections the fleet may open is easy to miss in review; it is worth checking that the server and any other applications on it can take it.",
            fix: "if intended, confirm the server's max_connections and other_clients are current; otherwise raise the pool or fleet in smaller steps")
    }
}
