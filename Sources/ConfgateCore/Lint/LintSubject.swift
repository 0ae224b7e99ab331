/// One settings file under lint, with the figures the rules need and the way findings are
/// placed in the file.
///
/// Location rule: a finding is located at the first of its rule's keys (`Rule.keys`, most
/// decisive first) that the file set. When the file set none of them, it is located at the
/// header of the first key's section if the parser recorded one (an `origins` entry keyed by
/// the bare section name, e.g. `database`), else at line 1, column 1 of the file, else nowhere
/// (settings built in code, with no file).
struct LintSubject {
    let settings: Settings
    let gate: GateSettings
    let derived: Derived

    init(_ settings: Settings, gate: GateSettings) {
        self.settings = settings
        self.gate = gate
        self.derived = Derived(settings)
    }

    /// Where a finding of `rule` goes: its location, the key it names, and the `origins` entry
    /// whose comment may suppress it.
    func place(_ rule: Rule) -> (location: SourceLocation?, key: String?, origin: String?) {
        for key in rule.keys {
            if let origin = settings.origins[key] { return (origin.key, key, key) }
        }
        let primary = rule.keys.first
        if let section = primary?.split(separator: ".").first.map(String.init),
           let header = settings.origins[section] {
            return (header.key, primary, section)
        }
        if let section = primary?.split(separator: ".").first.map(String.init),
           let header = settings.sections[section] {
            return (header, primary, nil)
        }
        if let file = settings.file { return (SourceLocation(file: file, line: 1, column: 1), primary, nil) }
        return (nil, primary, nil)
    }

    /// A finding of `rule`, placed by `place(_:)`.
    func finding(_ rule: Rule, _ message: String, why explanation: String, fix: String) -> Finding {
        let placed = place(rule)
        return Finding(
            ruleID: rule.id, severity: rule.severity, message: message, explanation: explanation,
            fix: fix, location: placed.location, key: placed.key)
    }

    /// Whether the file set `key` (rather than leaving its default).
    func isSet(_ key: String) -> Bool { settings.origins[key] != nil }

    /// `usable 87 (100 max_connections − 3 superuser_reserved − 0 reserved − 10 other_clients)`.
    var usableArithmetic: String {
        let s = settings.server
        return "usable \(derived.usable) (\(s.maxConnections) max_connections − \(s.superuserReservedConnections) superuser_reserved − \(s.reservedConnections) reserved − \(s.otherClients) other_clients)"
    }

    /// `6 × 20 = 120`, or `6 × (20 + 5) = 150` with a named pool.
    var steadyArithmetic: String {
        let f = settings.fleet
        return "\(f.instances)\(f.processesFactor) × \(settings.maxSizeText) = \(derived.steadyDemand)"
    }

    /// `client capacity 200 (2 poolers × max_client_conn 100)`.
    var clientCapacityArithmetic: String {
        guard let p = settings.pooler else { return "" }
        return "client capacity \(p.clientCapacity) (\(p.instances) pooler\(p.instances == 1 ? "" : "s") × max_client_conn \(p.maxClientConn))"
    }

    /// `2 poolers × (20 default_pool_size + 5 reserve_pool_size) = 50`, with the caps when they bite.
    var serverPoolsArithmetic: String {
        guard let p = settings.pooler else { return "" }
        var perPooler = "(\(p.defaultPoolSize) default_pool_size + \(p.reservePoolSize) reserve_pool_size)"
        if p.maxDbConnections > 0, p.maxDbConnections < p.defaultPoolSize + p.reservePoolSize {
            perPooler = "min\(perPooler.dropLast()), \(p.maxDbConnections) max_db_connections)"
        }
        return "\(p.instances) pooler\(p.instances == 1 ? "" : "s") × \(perPooler) = \(p.serverConnections)"
    }

    /// `(6 + 2) × 20 = 160`, or `(6 + 2) × (20 + 5) = 200` with a named pool.
    var deployArithmetic: String {
        let f = settings.fleet
        return "(\(f.instances) + \(f.maxSurge))\(f.processesFactor) × \(settings.maxSizeText) = \(derived.deployDemand)"
    }
}

/// `8.0`: a percentage with one decimal.
func percentText(_ value: Double) -> String {
    let rounded = (value * 10).rounded() / 10
    return rounded == rounded.rounded() ? "\(Int(rounded))" : "\(rounded)"
}
