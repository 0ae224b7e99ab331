/// What a change to a settings file means (design §3): the keys whose meaning changed,
/// the keys that read differently but mean the same, the derived connection figures of both
/// sides, and the capacity problems each side has. A plain value: render it as text, JSON
/// or Markdown.
public struct SettingsDiff: Hashable, Sendable {
    /// A key's value on one side, ready to show. Never holds a secret.
    public struct Value: Hashable, Sendable, Codable {
        /// For people, in the key's largest exact unit: `15`, `2s`, `10min`, `off`,
        /// or the DSN as redacted `key=value` conninfo.
        public var text: String
        /// Whether the file left the key out, so it holds its default.
        public var isDefault: Bool
        /// The value as the file spelt it, when that differs from `text` (`30000ms`).
        public var written: String?
        /// Microseconds for durations, the count for counts; absent when unset or not a number.
        public var number: Int64?
        /// Where the file set it; absent for a default.
        public var location: SourceLocation?
        /// Why the default is what it is, when it follows another key (`follows max_size`).
        public var defaultNote: String?
    }

    /// One key, on both sides.
    public struct KeyChange: Hashable, Sendable, Codable {
        /// `section.key`, e.g. `pool.max_size`.
        public var key: String
        public var section: String
        public var name: String
        public var kind: SettingsCatalog.Kind
        /// What a count counts (`connections per instance`); empty for durations and the DSN.
        public var unit: String
        public var current: Value
        public var proposed: Value
        /// A remark the values alone don't show, e.g. `password changed`.
        public var note: String?
        /// For the DSN: the libpq parameters that differ, secrets redacted (a changed
        /// password shows as `***` → `***`).
        public var parameters: [ParameterChange]?
    }

    /// One libpq parameter of the DSN on both sides; `nil` where a side does not set it.
    public struct ParameterChange: Hashable, Sendable, Codable {
        public var keyword: String
        public var current: String?
        public var proposed: String?
    }

    /// One derived figure on both sides.
    public struct Figure: Hashable, Sendable, Codable {
        /// `usable`, `steady_demand`, `deploy_demand`, `steady_headroom`, `deploy_headroom`.
        public var name: String
        /// For people: `steady demand`.
        public var label: String
        public var current: Int
        public var proposed: Int
        /// `proposed − current`.
        public var change: Int
        /// For headroom figures: the headroom as a percentage of usable (absent when nothing is usable).
        public var currentPercent: Double?
        public var proposedPercent: Double?
    }

    /// A side whose fleet needs more connections than the server leaves usable.
    public struct Problem: Hashable, Sendable, Codable {
        public enum Kind: String, Hashable, Sendable, Codable {
            /// instances × processes × Σ max_size > usable: connections are refused in normal running.
            case steadyExceedsUsable = "steady_exceeds_usable"
            /// Only with the surge instances of a rolling deploy.
            case deployExceedsUsable = "deploy_exceeds_usable"
            /// max_connections minus reservations and other clients leaves nothing.
            case nothingUsable = "nothing_usable"
            /// With a pooler: steady or deploy demand > pooler instances × max_client_conn.
            case clientsExceedPooler = "clients_exceed_pooler"
            /// With a pooler: its server connections > usable.
            case poolerExceedsUsable = "pooler_exceeds_usable"
        }
        /// `current` or `proposed`.
        public var side: String
        public var kind: Kind
        public var demand: Int
        public var usable: Int
        /// One sentence with the arithmetic.
        public var message: String
    }

    /// One side's file and figures.
    public struct Side: Hashable, Sendable {
        public var settings: Settings
        public var derived: Derived
        public var file: String? { settings.file }
    }

    public var current: Side
    public var proposed: Side
    /// Keys whose meaning changed, in file order.
    public var changes: [KeyChange]
    /// Keys that mean the same on both sides but are written differently, or moved between
    /// default and explicit.
    public var equivalents: [KeyChange]
    /// usable, steady and deploy demand, and headroom, on both sides.
    public var figures: [Figure]
    /// Capacity problems of each side, current first.
    public var problems: [Problem]

    /// Compares two sides.
    public init(current: Settings, proposed: Settings) {
        self.current = Side(settings: current, derived: Derived(current))
        self.proposed = Side(settings: proposed, derived: Derived(proposed))
        var changes: [KeyChange] = []
        var equivalents: [KeyChange] = []
        for key in Self.keys(current, proposed) {
            let old = key.describe(current), new = key.describe(proposed)
            let oldOrigin = current.origins[key.path], newOrigin = proposed.origins[key.path]
            var change = KeyChange(
                key: key.path, section: key.section, name: key.name, kind: key.kind, unit: key.unit,
                current: Self.value(old, origin: oldOrigin), proposed: Self.value(new, origin: newOrigin))
            if old.canonical != new.canonical {
                if key.kind == .dsn {
                    change.parameters = Self.parameterChanges(current.database.dsn, proposed.database.dsn)
                    if old.text == new.text { change.note = "password changed" }
                }
                changes.append(change)
            } else if (oldOrigin == nil) != (newOrigin == nil) || oldOrigin?.text != newOrigin?.text
                || (key.kind == .dsn && current.database.dsn?.raw != proposed.database.dsn?.raw)
            {
                if key.kind == .dsn, oldOrigin != nil, newOrigin != nil { change.note = "written differently" }
                equivalents.append(change)
            }
        }
        self.changes = changes
        self.equivalents = equivalents
        figures = Self.figures(self.current.derived, self.proposed.derived)
        problems = Self.problems("current", self.current) + Self.problems("proposed", self.proposed)
    }

    /// The catalog's keys, with each named pool's (of either side, current's first) after the
    /// main pool's: a pool added or removed shows `none` on the side without it.
    private static func keys(_ a: Settings, _ b: Settings) -> [SettingsCatalog.Key] {
        var names = a.namedPools.map(\.name)
        for pool in b.namedPools where !names.contains(pool.name) { names.append(pool.name) }
        guard !names.isEmpty else { return SettingsCatalog.keys }
        var keys = SettingsCatalog.keys
        let after = (keys.lastIndex { $0.section == "pool" } ?? keys.count - 1) + 1
        keys.insert(contentsOf: names.flatMap(SettingsCatalog.namedPoolKeys), at: after)
        return keys
    }

    private static func value(_ described: SettingsCatalog.Described, origin: KeyOrigin?) -> Value {
        let written = origin?.text.flatMap { $0 == described.text ? nil : $0 }
        return Value(text: described.text, isDefault: origin == nil, written: written, number: described.number,
                     location: origin?.value, defaultNote: origin == nil ? described.defaultNote : nil)
    }

    private static func parameterChanges(_ a: DSN?, _ b: DSN?) -> [ParameterChange] {
        let old = a?.parameters ?? [], new = b?.parameters ?? []
        var keywords: [String] = []
        for parameter in old + new where !keywords.contains(parameter.keyword) { keywords.append(parameter.keyword) }
        func shown(_ dsn: DSN?, _ keyword: String) -> String? {
            guard let value = dsn?[keyword] else { return nil }
            return DSN.secretKeywords.contains(keyword) ? "***" : value
        }
        return keywords.compactMap { keyword in
            guard a?[keyword] != b?[keyword] else { return nil }
            return ParameterChange(keyword: keyword, current: shown(a, keyword), proposed: shown(b, keyword))
        }
    }

    private static func figures(_ a: Derived, _ b: Derived) -> [Figure] {
        func figure(_ name: String, _ label: String, _ path: KeyPath<Derived, Int>, percent: Bool = false) -> Figure {
            let x = a[keyPath: path], y = b[keyPath: path]
            return Figure(
                name: name, label: label, current: x, proposed: y, change: y - x,
                currentPercent: percent ? Derived.percent(x, of: a.demandLimit) : nil,
                proposedPercent: percent ? Derived.percent(y, of: b.demandLimit) : nil)
        }
        var figures = [
            figure("usable", "usable", \.usable),
            figure("steady_demand", "steady demand", \.steadyDemand),
            figure("deploy_demand", "deploy demand", \.deployDemand),
            figure("steady_headroom", "steady headroom", \.steadyHeadroom, percent: true),
            figure("deploy_headroom", "deploy headroom", \.deployHeadroom, percent: true),
        ]
        // With a pooler on either side: what reaches the server (the pooler's server pools, or
        // deploy demand without one), and the client limit when both sides have a pooler.
        if a.pooler != nil || b.pooler != nil {
            if let x = a.pooler, let y = b.pooler {
                figures.append(Figure(name: "client_capacity", label: "pooler client capacity", current: x.clientCapacity,
                                      proposed: y.clientCapacity, change: y.clientCapacity - x.clientCapacity))
            }
            figures.append(figure("server_demand", "server demand", \.serverDemand))
            let x = a.usable - a.serverDemand, y = b.usable - b.serverDemand
            figures.append(Figure(name: "server_headroom", label: "server headroom", current: x, proposed: y, change: y - x,
                                  currentPercent: Derived.percent(x, of: a.usable), proposedPercent: Derived.percent(y, of: b.usable)))
        }
        return figures
    }

    private static func problems(_ name: String, _ side: Side) -> [Problem] {
        let d = side.derived, fleet = side.settings.fleet, sizes = side.settings.maxSizeNamedText
        if d.usable <= 0 {
            let s = side.settings.server
            return [Problem(
                side: name, kind: .nothingUsable, demand: d.steadyDemand, usable: d.usable,
                message: "no connections are usable: max_connections \(s.maxConnections) − superuser_reserved "
                    + "\(s.superuserReservedConnections) − reserved \(s.reservedConnections) − other_clients "
                    + "\(s.otherClients) = \(d.usable)")]
        }
        if let pooler = side.settings.pooler, let tier = d.pooler {
            var found: [Problem] = []
            if d.deployDemand > tier.clientCapacity {
                let steady = d.steadyDemand > tier.clientCapacity
                let demand = steady ? d.steadyDemand : d.deployDemand
                found.append(Problem(
                    side: name, kind: .clientsExceedPooler, demand: demand, usable: tier.clientCapacity,
                    message: "\(steady ? "steady" : "deploy") demand \(demand) exceeds the pooler's client capacity \(tier.clientCapacity) "
                        + "(\(pooler.instances) × max_client_conn \(pooler.maxClientConn)) by \(demand - tier.clientCapacity)"))
            }
            if tier.serverConnections > d.usable {
                found.append(Problem(
                    side: name, kind: .poolerExceedsUsable, demand: tier.serverConnections, usable: d.usable,
                    message: "the pooler's server connections \(tier.serverConnections) (\(pooler.instances) × \(pooler.serverConnectionsPerInstance)) "
                        + "exceed usable \(d.usable) by \(tier.serverConnections - d.usable)"))
            }
            return found
        }
        if d.steadyDemand > d.usable {
            return [Problem(
                side: name, kind: .steadyExceedsUsable, demand: d.steadyDemand, usable: d.usable,
                message: "steady demand \(d.steadyDemand) (\(fleet.instances) instances\(fleet.processesFactor) × \(sizes)) "
                    + "exceeds usable \(d.usable) by \(d.steadyDemand - d.usable)")]
        }
        if d.deployDemand > d.usable {
            return [Problem(
                side: name, kind: .deployExceedsUsable, demand: d.deployDemand, usable: d.usable,
                message: "deploy demand \(d.deployDemand) ((\(fleet.instances) instances + max_surge \(fleet.maxSurge))\(fleet.processesFactor) "
                    + "× \(sizes)) exceeds usable \(d.usable) by \(d.deployDemand - d.usable)")]
        }
        return []
    }

    /// Whether the two sides mean the same in every key.
    public var isEmpty: Bool { changes.isEmpty }
}
