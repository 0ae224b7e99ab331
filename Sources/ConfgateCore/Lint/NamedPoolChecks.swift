import Foundation

/// The pool rules (CG104–CG109, CG114) once more for each `[pool.NAME]`: every named pool is
/// a HikariCP pool too. Each named pool is judged as if it stood in `[pool]`'s place, and its
/// findings are then renamed: the message starts with `[pool.NAME]`, the key and the fixes
/// name `pool.NAME.…`, and the location is the named pool's key (or its header).
enum NamedPoolChecks {
    /// The named pools' findings, suppressions applied (a comment on the named pool's key, or
    /// the gate's `[lint] ignore`).
    static func findings(_ settings: Settings, gate: GateSettings) throws(ConfgateError) -> [Finding] {
        var found: [Finding] = []
        for named in settings.namedPools {
            let view = settings.viewing(named)
            let subject = LintSubject(view, gate: gate)
            let suppressions = try Suppressions(settings: view, gate: gate)
            found += PoolChecks.onePool.compactMap { $0(subject) }.map { rename(suppressions.apply(to: $0), named.name) }
        }
        return found
    }

    private static func rename(_ finding: Finding, _ name: String) -> Finding {
        var finding = finding
        let prefixed = { (text: String) in
            text.replacingOccurrences(of: #"\bpool\.(?=[a-z])"#, with: "pool.\(name).", options: .regularExpression)
        }
        finding.message = "[pool.\(name)] " + finding.message
        finding.fix = prefixed(finding.fix)
        finding.key = finding.key.map { $0 == "pool" ? "pool.\(name)" : prefixed($0) }
        return finding
    }
}

extension Settings {
    /// These settings as the pool rules see the named pool `named`: it stands in `[pool]`'s
    /// place, with its keys' origins and its header under `pool`.
    func viewing(_ named: NamedPool) -> Settings {
        var view = self
        view.pool = named.pool
        view.namedPools = []
        let prefix = named.section + "."
        view.origins = origins.filter { !$0.key.hasPrefix("pool.") && $0.key != "pool" }
        for (path, origin) in origins where path.hasPrefix(prefix) {
            view.origins["pool." + path.dropFirst(prefix.count)] = origin
        }
        view.sections["pool"] = sections[named.section]
        return view
    }
}
