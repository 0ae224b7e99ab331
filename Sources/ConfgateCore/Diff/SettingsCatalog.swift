/// How each settings key reads for people and compares for the diff: its kind, its unit,
/// and its value on a given side, in display form (secrets redacted) and canonical form
/// (exact meaning, for comparison only, never printed).
public enum SettingsCatalog {
    /// What sort of value a key holds.
    public enum Kind: String, Hashable, Sendable, Codable {
        case count, duration, dsn
    }

    /// One key of a settings file.
    public struct Key: Sendable {
        public var section: String
        public var name: String
        public var kind: Kind
        /// What a count counts, or empty: `connections per instance`.
        public var unit: String
        /// The value on one side.
        var describe: @Sendable (Settings) -> Described

        /// `section.key`, as in `Settings.origins`.
        public var path: String { "\(section).\(name)" }
    }

    /// A key's value on one side.
    struct Described: Hashable, Sendable {
        /// For people: `15`, `2s`, `off`, a redacted DSN.
        var text: String
        /// Compares meaning exactly; may hold secrets; never printed.
        var canonical: String
        /// Microseconds for durations, the count for counts; `nil` when unset or not a number.
        var number: Int64?
        /// Why a default has the value it has, when that depends on another key.
        var defaultNote: String?
    }

    /// Every key, in file order.
    public static let keys: [Key] = [
        Key(section: "database", name: "dsn", kind: .dsn, unit: "") { settings in
            guard let dsn = settings.database.dsn else { return Described(text: "none", canonical: "", number: nil) }
            let canonical = dsn.parameters.sorted { $0.keyword < $1.keyword }
                .map { "\($0.keyword)=\($0.value)" }.joined(separator: "\u{0}")
            return Described(text: dsn.redacted, canonical: canonical, number: nil)
        },
        optionalDuration("database", "connect_timeout", \.database.connectTimeout),
        optionalDuration("database", "statement_timeout", \.database.statementTimeout),
        optionalDuration("database", "idle_in_transaction_session_timeout", \.database.idleInTransactionSessionTimeout),
        count("pool", "max_size", "connections per instance", \.pool.maxSize),
        Key(section: "pool", name: "min_idle", kind: .count, unit: "connections per instance") { settings in
            let value = settings.pool.effectiveMinIdle
            return Described(text: "\(value)", canonical: "\(value)", number: Int64(value),
                             defaultNote: settings.pool.minIdle == nil ? "follows max_size" : nil)
        },
        duration("pool", "acquire_timeout", \.pool.acquireTimeout),
        duration("pool", "idle_timeout", \.pool.idleTimeout),
        duration("pool", "max_lifetime", \.pool.maxLifetime),
        count("fleet", "instances", "instances", \.fleet.instances),
        count("fleet", "max_surge", "instances", \.fleet.maxSurge),
        count("fleet", "processes", "pools per instance", \.fleet.processes),
        duration("fleet", "request_timeout", \.fleet.requestTimeout),
        count("server", "max_connections", "connections", \.server.maxConnections),
        count("server", "superuser_reserved_connections", "connections", \.server.superuserReservedConnections),
        count("server", "reserved_connections", "connections", \.server.reservedConnections),
        count("server", "other_clients", "connections", \.server.otherClients),
    ]

    private static func count(
        _ section: String, _ name: String, _ unit: String, _ path: KeyPath<Settings, Int> & Sendable
    ) -> Key {
        Key(section: section, name: name, kind: .count, unit: unit) { settings in
            let value = settings[keyPath: path]
            return Described(text: "\(value)", canonical: "\(value)", number: Int64(value))
        }
    }

    private static func duration(
        _ section: String, _ name: String, _ path: KeyPath<Settings, SettingDuration> & Sendable
    ) -> Key {
        Key(section: section, name: name, kind: .duration, unit: "") { settings in
            let value = settings[keyPath: path]
            return Described(text: "\(value)", canonical: "\(value.microseconds)", number: value.microseconds)
        }
    }

    private static func optionalDuration(
        _ section: String, _ name: String, _ path: KeyPath<Settings, SettingDuration?> & Sendable
    ) -> Key {
        Key(section: section, name: name, kind: .duration, unit: "") { settings in
            guard let value = settings[keyPath: path] else { return Described(text: "off", canonical: "off", number: nil) }
            return Described(text: "\(value)", canonical: "\(value.microseconds)", number: value.microseconds)
        }
    }
}
