/// Every key of a settings file, declared once: its section and name, what it means, its
/// unit, its default and where that default comes from (as docs/settings.md lists them — a
/// test holds the two together), how a value is read (the parser and the service-file
/// readers use it), and how a value reads for people and compares for the diff (display
/// form with secrets redacted; canonical form, exact meaning, never printed).
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
        /// What a count counts, or empty: `connections per instance` (for the diff).
        public var unit: String
        /// docs/settings.md's columns: what the key means, its unit, its default, and where the
        /// default comes from.
        public var meaning: String
        public var unitDoc: String
        public var defaultText: String
        public var defaultFrom: String
        /// Whether the value may hold a secret: then it is never copied into `KeyOrigin.text`.
        var secret = false
        /// Reads a value into the settings, or throws a located `.badInput` error.
        var apply: @Sendable (ConfValue, inout Settings) throws(ConfgateError) -> Void
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

    /// PostgreSQL's `MAX_BACKENDS`: the most `max_connections` can be.
    static let maxBackends = 262_143

    /// Every key, in file order (and docs/settings.md's order).
    public static let keys: [Key] = [
        Key(section: "database", name: "dsn", kind: .dsn, unit: "",
            meaning: "libpq connection string, a URI (`postgresql://user@host:5432/db?application_name=x`) or `key=value` conninfo",
            unitDoc: "text", defaultText: "none", defaultFrom: "—", secret: true,
            apply: { value, settings throws(ConfgateError) in
                if value.text.trimmingBlanks.isEmpty {
                    throw value.error("`dsn` is empty: give a libpq connection string, or leave the key out")
                }
                do throws(DSNParseError) {
                    settings.database.dsn = try DSNParser.parse(value.text)
                } catch {
                    throw value.error("libpq rejects `\(value.key)`: \(error.reason)")
                }
            },
            describe: { settings in
                guard let dsn = settings.database.dsn else { return Described(text: "none", canonical: "", number: nil) }
                let canonical = dsn.parameters.sorted { $0.keyword < $1.keyword }
                    .map { "\($0.keyword)=\($0.value)" }.joined(separator: "\u{0}")
                return Described(text: dsn.redacted, canonical: canonical, number: nil)
            }),
        optionalDuration(
            "database", "connect_timeout", \.database.connectTimeout,
            meaning: "how long opening a connection may take", unitDoc: "duration, whole seconds",
            defaultText: "unset: wait forever", defaultFrom: "libpq") { value, settings throws(ConfgateError) in
                let timeout = try value.optionalDuration()
                if let timeout, timeout.microseconds % 1_000_000 != 0 {
                    throw value.error("`connect_timeout` must be whole seconds, libpq's unit; got `\(value.text)`",
                                      details: ["libpq reads connect_timeout as an integer number of seconds"])
                }
                settings.database.connectTimeout = timeout
            },
        optionalDuration(
            "database", "statement_timeout", \.database.statementTimeout,
            meaning: "longest a statement may run; set on every pooled connection", unitDoc: "duration",
            defaultText: "unset (`0`): no limit", defaultFrom: "PostgreSQL") { value, settings throws(ConfgateError) in
                settings.database.statementTimeout = try value.optionalDuration()
            },
        optionalDuration(
            "database", "idle_in_transaction_session_timeout", \.database.idleInTransactionSessionTimeout,
            meaning: "longest a session may sit idle inside a transaction; set on every pooled connection", unitDoc: "duration",
            defaultText: "unset (`0`): no limit", defaultFrom: "PostgreSQL") { value, settings throws(ConfgateError) in
                settings.database.idleInTransactionSessionTimeout = try value.optionalDuration()
            },
        count(
            "pool", "max_size", "connections per instance", \.pool.maxSize,
            meaning: "most connections the pool holds, open or being opened", unitDoc: "connections per instance, at least 1",
            defaultText: "10", defaultFrom: "HikariCP `maximumPoolSize`") { value, settings throws(ConfgateError) in
                settings.pool.maxSize = try value.count(minimum: 1, why: "a pool needs at least one connection")
            },
        Key(section: "pool", name: "min_idle", kind: .count, unit: "connections per instance",
            meaning: "idle connections the pool keeps ready", unitDoc: "connections per instance",
            defaultText: "same as `max_size` (a fixed-size pool)", defaultFrom: "HikariCP `minimumIdle`",
            apply: { value, settings throws(ConfgateError) in settings.pool.minIdle = try value.count() },
            describe: { settings in
                let value = settings.pool.effectiveMinIdle
                return Described(text: "\(value)", canonical: "\(value)", number: Int64(value),
                                 defaultNote: settings.pool.minIdle == nil ? "follows max_size" : nil)
            }),
        duration(
            "pool", "acquire_timeout", \.pool.acquireTimeout,
            meaning: "longest a request waits for a connection before it fails", defaultText: "30s",
            defaultFrom: "HikariCP `connectionTimeout` (30000 ms)") { value, settings throws(ConfgateError) in
                settings.pool.acquireTimeout = try value.duration()
            },
        duration(
            "pool", "idle_timeout", \.pool.idleTimeout,
            meaning: "idle connections above `min_idle` close after this", defaultText: "10min",
            defaultFrom: "HikariCP `idleTimeout` (600000 ms)") { value, settings throws(ConfgateError) in
                settings.pool.idleTimeout = try value.duration()
            },
        duration(
            "pool", "max_lifetime", \.pool.maxLifetime,
            meaning: "every connection is retired after this (when idle, never under a caller)", defaultText: "30min",
            defaultFrom: "HikariCP `maxLifetime` (1800000 ms)") { value, settings throws(ConfgateError) in
                settings.pool.maxLifetime = try value.duration()
            },
        count(
            "fleet", "instances", "instances", \.fleet.instances,
            meaning: "service instances, each with its own pool", unitDoc: "instances, at least 1",
            defaultText: "1", defaultFrom: "confgate") { value, settings throws(ConfgateError) in
                settings.fleet.instances = try value.count(minimum: 1, why: "a fleet needs at least one instance")
            },
        count(
            "fleet", "max_surge", "instances", \.fleet.maxSurge,
            meaning: "extra instances running during a rolling deploy", unitDoc: "instances",
            defaultText: "0", defaultFrom: "confgate (Kubernetes' own default is 25%)") { value, settings throws(ConfgateError) in
                settings.fleet.maxSurge = try value.count()
            },
        count(
            "fleet", "processes", "pools per instance", \.fleet.processes,
            meaning: "service processes per instance, each with its own pool (gunicorn `--workers`, Puma or Node cluster workers, `WEB_CONCURRENCY`)",
            unitDoc: "pools per instance, at least 1", defaultText: "1", defaultFrom: "confgate") { value, settings throws(ConfgateError) in
                settings.fleet.processes = try value.count(minimum: 1, why: "an instance runs at least one process")
            },
        duration(
            "fleet", "request_timeout", \.fleet.requestTimeout,
            meaning: "how long a caller waits for a login", unitDoc: "duration, above 0", defaultText: "30s",
            defaultFrom: "confgate") { value, settings throws(ConfgateError) in
                let timeout = try value.duration()
                if timeout.microseconds == 0 {
                    throw value.error("`request_timeout` must be longer than 0s: callers would give up at once")
                }
                settings.fleet.requestTimeout = timeout
            },
        count(
            "server", "max_connections", "connections", \.server.maxConnections,
            meaning: "most concurrent connections the server accepts", unitDoc: "connections, 1 to 262143",
            defaultText: "100", defaultFrom: "PostgreSQL") { value, settings throws(ConfgateError) in
                settings.server.maxConnections = try value.count(
                    minimum: 1, maximum: maxBackends, why: "the server must accept a connection")
            },
        count(
            "server", "superuser_reserved_connections", "connections", \.server.superuserReservedConnections,
            meaning: "slots only superusers may use", unitDoc: "connections",
            defaultText: "3", defaultFrom: "PostgreSQL") { value, settings throws(ConfgateError) in
                settings.server.superuserReservedConnections = try value.count(maximum: maxBackends)
            },
        count(
            "server", "reserved_connections", "connections", \.server.reservedConnections,
            meaning: "slots only roles with `pg_use_reserved_connections` may use (PostgreSQL 16+)", unitDoc: "connections",
            defaultText: "0", defaultFrom: "PostgreSQL") { value, settings throws(ConfgateError) in
                settings.server.reservedConnections = try value.count(maximum: maxBackends)
            },
        count(
            "server", "other_clients", "connections", \.server.otherClients,
            meaning: "connections other applications hold on the same server (migrations, reporting, monitoring, other services)",
            unitDoc: "connections", defaultText: "0", defaultFrom: "confgate") { value, settings throws(ConfgateError) in
                settings.server.otherClients = try value.count(maximum: maxBackends)
            },
    ]

    /// The key at `path` (`pool.max_size`).
    public static func key(_ path: String) -> Key? { keys.first { $0.path == path } }

    private static func count(
        _ section: String, _ name: String, _ unit: String, _ path: KeyPath<Settings, Int> & Sendable,
        meaning: String, unitDoc: String, defaultText: String, defaultFrom: String,
        apply: @escaping @Sendable (ConfValue, inout Settings) throws(ConfgateError) -> Void
    ) -> Key {
        Key(section: section, name: name, kind: .count, unit: unit, meaning: meaning, unitDoc: unitDoc,
            defaultText: defaultText, defaultFrom: defaultFrom, apply: apply) { settings in
            let value = settings[keyPath: path]
            return Described(text: "\(value)", canonical: "\(value)", number: Int64(value))
        }
    }

    private static func duration(
        _ section: String, _ name: String, _ path: KeyPath<Settings, SettingDuration> & Sendable,
        meaning: String, unitDoc: String = "duration", defaultText: String, defaultFrom: String,
        apply: @escaping @Sendable (ConfValue, inout Settings) throws(ConfgateError) -> Void
    ) -> Key {
        Key(section: section, name: name, kind: .duration, unit: "", meaning: meaning, unitDoc: unitDoc,
            defaultText: defaultText, defaultFrom: defaultFrom, apply: apply) { settings in
            let value = settings[keyPath: path]
            return Described(text: "\(value)", canonical: "\(value.microseconds)", number: value.microseconds)
        }
    }

    private static func optionalDuration(
        _ section: String, _ name: String, _ path: KeyPath<Settings, SettingDuration?> & Sendable,
        meaning: String, unitDoc: String, defaultText: String, defaultFrom: String,
        apply: @escaping @Sendable (ConfValue, inout Settings) throws(ConfgateError) -> Void
    ) -> Key {
        Key(section: section, name: name, kind: .duration, unit: "", meaning: meaning, unitDoc: unitDoc,
            defaultText: defaultText, defaultFrom: defaultFrom, apply: apply) { settings in
            guard let value = settings[keyPath: path] else { return Described(text: "off", canonical: "off", number: nil) }
            return Described(text: "\(value)", canonical: "\(value.microseconds)", number: value.microseconds)
        }
    }
}
