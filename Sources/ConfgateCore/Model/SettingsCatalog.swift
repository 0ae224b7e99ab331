/// Every key of a settings file, declared once: its section and name, what it means, its
/// unit, its default and where that default comes from (as docs/settings.md lists them — a
/// test holds the two together), how a value is read (the parser and the service-file
/// readers use it), and how a value reads for people and compares for the diff (display
/// form with secrets redacted; canonical form, exact meaning, never printed).
public enum SettingsCatalog {
    /// What sort of value a key holds.
    public enum Kind: String, Hashable, Sendable, Codable {
        case count, duration, dsn
        /// One word of a fixed set (`pool_mode = transaction`).
        case choice
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

    /// Every key, in file order (and docs/settings.md's order). `[pool.NAME]` sections take
    /// `poolKeys` too (`namedPoolKeys(_:)`).
    public static let keys: [Key] = databaseKeys + poolKeys.map { $0.key(pool: nil) } + otherKeys

    private static let databaseKeys: [Key] = [
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
    ]

    /// The keys of a pool section, declared once: `[pool]` and every `[pool.NAME]` take them,
    /// with the same defaults and checks.
    static let poolKeys: [PoolKey] = [
        PoolKey(
            name: "max_size", kind: .count, unit: "connections per instance",
            meaning: "most connections the pool holds, open or being opened", unitDoc: "connections per instance, at least 1",
            defaultText: "10", defaultFrom: "HikariCP `maximumPoolSize`",
            apply: { value, pool throws(ConfgateError) in
                pool.maxSize = try value.count(minimum: 1, why: "a pool needs at least one connection")
            },
            describe: { pool in Described(text: "\(pool.maxSize)", canonical: "\(pool.maxSize)", number: Int64(pool.maxSize)) }),
        PoolKey(
            name: "min_idle", kind: .count, unit: "connections per instance",
            meaning: "idle connections the pool keeps ready", unitDoc: "connections per instance",
            defaultText: "same as `max_size` (a fixed-size pool)", defaultFrom: "HikariCP `minimumIdle`",
            apply: { value, pool throws(ConfgateError) in pool.minIdle = try value.count() },
            describe: { pool in
                let value = pool.effectiveMinIdle
                return Described(text: "\(value)", canonical: "\(value)", number: Int64(value),
                                 defaultNote: pool.minIdle == nil ? "follows max_size" : nil)
            }),
        poolDuration(
            "acquire_timeout", \.acquireTimeout,
            meaning: "longest a request waits for a connection before it fails", defaultText: "30s",
            defaultFrom: "HikariCP `connectionTimeout` (30000 ms)"),
        poolDuration(
            "idle_timeout", \.idleTimeout,
            meaning: "idle connections above `min_idle` close after this", defaultText: "10min",
            defaultFrom: "HikariCP `idleTimeout` (600000 ms)"),
        poolDuration(
            "max_lifetime", \.maxLifetime,
            meaning: "every connection is retired after this (when idle, never under a caller)", defaultText: "30min",
            defaultFrom: "HikariCP `maxLifetime` (1800000 ms)"),
        PoolKey(
            name: "start_failure", kind: .choice, unit: "",
            meaning: "what an instance does when its pool's first connection is refused at start: `crash` (the process exits, takes no traffic, and a rolling deploy stalls) or `serve` (it starts anyway and fails logins)",
            unitDoc: words(Settings.Pool.StartFailure.self), defaultText: Settings.Pool.StartFailure.crash.rawValue,
            defaultFrom: "HikariCP `initializationFailTimeout` (1 ms: fail the start)",
            apply: { value, pool throws(ConfgateError) in pool.startFailure = try value.choice(Settings.Pool.StartFailure.self) },
            describe: { pool in
                let value = pool.effectiveStartFailure.rawValue
                return Described(text: value, canonical: value, number: nil)
            }),
    ]

    private static let otherKeys: [Key] = [
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
        choice(
            "fleet", "start", \.fleet.start, default: .oneByOne,
            meaning: "how the instances come up: `one_by_one`, each once the previous one is up (a rolling deploy), or `together` (a new Deployment's pods)",
            defaultFrom: "confgate"),
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
        poolerChoice(
            "kind", \.kind, meaning: "which pooler sits between the fleet and the server; the section's presence puts it there",
            defaultFrom: "confgate"),
        poolerChoice(
            "pool_mode", \.poolMode, meaning: "when a server connection returns to the pool: when the client leaves, after each transaction, or after each statement",
            defaultFrom: "PgBouncer `pool_mode`"),
        poolerCount(
            "max_client_conn", "client connections per pooler", \.maxClientConn, minimum: 1,
            meaning: "client connections each pooler process accepts; the next is refused", unitDoc: "connections per pooler, at least 1",
            defaultText: "100", defaultFrom: "PgBouncer `max_client_conn`"),
        poolerCount(
            "default_pool_size", "server connections per pair", \.defaultPoolSize, minimum: 1,
            meaning: "server connections per database/user pair", unitDoc: "connections per pair, at least 1",
            defaultText: "20", defaultFrom: "PgBouncer `default_pool_size`"),
        poolerCount(
            "min_pool_size", "server connections per pair", \.minPoolSize,
            meaning: "server connections kept open per pair even when idle", unitDoc: "connections per pair",
            defaultText: "0", defaultFrom: "PgBouncer `min_pool_size`"),
        poolerCount(
            "reserve_pool_size", "server connections per pair", \.reservePoolSize,
            meaning: "extra server connections per pair once a client has waited `reserve_pool_timeout`", unitDoc: "connections per pair",
            defaultText: "0", defaultFrom: "PgBouncer `reserve_pool_size`"),
        poolerDuration(
            "reserve_pool_timeout", \.reservePoolTimeout,
            meaning: "how long a client waits before the reserve pool opens", unitDoc: "duration",
            defaultText: "5s", defaultFrom: "PgBouncer `reserve_pool_timeout`"),
        poolerCount(
            "max_db_connections", "server connections per pooler", \.maxDbConnections,
            meaning: "server connections per database across its pairs; `0`: no limit", unitDoc: "connections per pooler",
            defaultText: "0", defaultFrom: "PgBouncer `max_db_connections`"),
        poolerCount(
            "max_user_connections", "server connections per pooler", \.maxUserConnections,
            meaning: "server connections per user across databases; `0`: no limit", unitDoc: "connections per pooler",
            defaultText: "0", defaultFrom: "PgBouncer `max_user_connections`"),
        poolerDuration(
            "server_idle_timeout", \.serverIdleTimeout,
            meaning: "idle server connections close after this; `0`: never", unitDoc: "duration",
            defaultText: "10min", defaultFrom: "PgBouncer `server_idle_timeout` (600 s)"),
        poolerDuration(
            "server_lifetime", \.serverLifetime,
            meaning: "server connections close, when free, after this; `0`: after one use", unitDoc: "duration",
            defaultText: "1h", defaultFrom: "PgBouncer `server_lifetime` (3600 s)"),
        poolerDuration(
            "query_wait_timeout", \.queryWaitTimeout,
            meaning: "how long a client may wait for a server connection before the pooler disconnects it; `0`: forever", unitDoc: "duration",
            defaultText: "2min", defaultFrom: "PgBouncer `query_wait_timeout` (120 s)"),
        poolerCount(
            "instances", "poolers", \.instances, minimum: 1,
            meaning: "pooler processes or pods, each with its own limits and server pools", unitDoc: "poolers, at least 1",
            defaultText: "1", defaultFrom: "confgate"),
        poolerCount(
            "file_limit", "files per pooler", \.fileLimit, minimum: 1,
            meaning: "open files each pooler process may have (`ulimit -n`, systemd `LimitNOFILE`): one per client and per server connection", unitDoc: "files per pooler, at least 1",
            defaultText: "1024", defaultFrom: "Linux's usual soft `RLIMIT_NOFILE`"),
    ]

    /// The key at `path` (`pool.max_size`, or a named pool's `pool.replica.max_size`).
    public static func key(_ path: String) -> Key? {
        if let key = keys.first(where: { $0.path == path }) { return key }
        let parts = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard parts.count == 3, parts[0] == "pool", let key = poolKeys.first(where: { $0.name == parts[2] }) else { return nil }
        return key.key(pool: parts[1])
    }

    /// The keys of `[pool.NAME]`: `poolKeys`, applied to the named pool (declared with the
    /// defaults by its first key). A side without the pool shows `none`.
    public static func namedPoolKeys(_ name: String) -> [Key] { poolKeys.map { $0.key(pool: name) } }

    /// One key of a pool section, for `[pool]` and every `[pool.NAME]` alike.
    struct PoolKey: Sendable {
        var name: String
        var kind: Kind
        var unit: String
        var meaning: String
        var unitDoc: String
        var defaultText: String
        var defaultFrom: String
        var apply: @Sendable (ConfValue, inout Settings.Pool) throws(ConfgateError) -> Void
        var describe: @Sendable (Settings.Pool) -> Described

        /// The key in `[pool]` (`pool` `nil`) or in `[pool.NAME]`.
        func key(pool name: String?) -> Key {
            let apply = self.apply, describe = self.describe
            guard let name else {
                return Key(section: "pool", name: self.name, kind: kind, unit: unit, meaning: meaning, unitDoc: unitDoc,
                           defaultText: defaultText, defaultFrom: defaultFrom,
                           apply: { value, settings throws(ConfgateError) in try apply(value, &settings.pool) },
                           describe: { settings in describe(settings.pool) })
            }
            return Key(section: "pool.\(name)", name: self.name, kind: kind, unit: unit, meaning: meaning, unitDoc: unitDoc,
                       defaultText: defaultText, defaultFrom: defaultFrom,
                       apply: { value, settings throws(ConfgateError) in
                           try settings.updateNamedPool(name) { (pool: inout Settings.Pool) throws(ConfgateError) in try apply(value, &pool) }
                       },
                       describe: { settings in
                           settings.namedPool(name).map(describe) ?? Described(text: "none", canonical: "", number: nil)
                       })
        }
    }

    private static func poolDuration(
        _ name: String, _ path: WritableKeyPath<Settings.Pool, SettingDuration> & Sendable,
        meaning: String, defaultText: String, defaultFrom: String
    ) -> PoolKey {
        PoolKey(name: name, kind: .duration, unit: "", meaning: meaning, unitDoc: "duration",
                defaultText: defaultText, defaultFrom: defaultFrom,
                apply: { value, pool throws(ConfgateError) in pool[keyPath: path] = try value.duration() },
                describe: { pool in
                    let value = pool[keyPath: path]
                    return Described(text: "\(value)", canonical: "\(value.microseconds)", number: value.microseconds)
                })
    }

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

    /// A `[pooler]` key: setting any of them gives the side a pooler with PgBouncer's defaults
    /// for the rest. A side without the section shows `none`.
    private static func pooler(
        _ name: String, kind: Kind, unit: String, meaning: String, unitDoc: String, defaultText: String, defaultFrom: String,
        apply: @escaping @Sendable (ConfValue, inout Settings.Pooler) throws(ConfgateError) -> Void,
        describe: @escaping @Sendable (Settings.Pooler) -> Described
    ) -> Key {
        Key(section: "pooler", name: name, kind: kind, unit: unit, meaning: meaning, unitDoc: unitDoc,
            defaultText: defaultText, defaultFrom: defaultFrom,
            apply: { value, settings throws(ConfgateError) in
                var pooler = settings.pooler ?? .init()
                try apply(value, &pooler)
                settings.pooler = pooler
            },
            describe: { settings in
                settings.pooler.map(describe) ?? Described(text: "none", canonical: "", number: nil)
            })
    }

    private static func poolerCount(
        _ name: String, _ unit: String, _ path: WritableKeyPath<Settings.Pooler, Int> & Sendable, minimum: Int = 0,
        meaning: String, unitDoc: String, defaultText: String, defaultFrom: String
    ) -> Key {
        pooler(name, kind: .count, unit: unit, meaning: meaning, unitDoc: unitDoc, defaultText: defaultText,
               defaultFrom: defaultFrom,
               apply: { value, pooler throws(ConfgateError) in
                   pooler[keyPath: path] = try value.count(minimum: minimum)
               },
               describe: { pooler in
                   let value = pooler[keyPath: path]
                   return Described(text: "\(value)", canonical: "\(value)", number: Int64(value))
               })
    }

    private static func poolerDuration(
        _ name: String, _ path: WritableKeyPath<Settings.Pooler, SettingDuration> & Sendable,
        meaning: String, unitDoc: String, defaultText: String, defaultFrom: String
    ) -> Key {
        pooler(name, kind: .duration, unit: "", meaning: meaning, unitDoc: unitDoc, defaultText: defaultText,
               defaultFrom: defaultFrom,
               apply: { value, pooler throws(ConfgateError) in pooler[keyPath: path] = try value.duration() },
               describe: { pooler in
                   let value = pooler[keyPath: path]
                   return Described(text: "\(value)", canonical: "\(value.microseconds)", number: value.microseconds)
               })
    }

    private static func poolerChoice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ name: String, _ path: WritableKeyPath<Settings.Pooler, Value> & Sendable, meaning: String, defaultFrom: String
    ) -> Key where Value.RawValue == String {
        pooler(name, kind: .choice, unit: "", meaning: meaning, unitDoc: words(Value.self),
               defaultText: Settings.Pooler()[keyPath: path].rawValue, defaultFrom: defaultFrom,
               apply: { value, pooler throws(ConfgateError) in pooler[keyPath: path] = try value.choice(Value.self) },
               describe: { pooler in
                   let value = pooler[keyPath: path].rawValue
                   return Described(text: value, canonical: value, number: nil)
               })
    }

    /// A key holding one word of `Value`'s; unset (`nil`) it holds `defaultValue`.
    private static func choice<Value: RawRepresentable & CaseIterable & Sendable>(
        _ section: String, _ name: String, _ path: WritableKeyPath<Settings, Value?> & Sendable, default defaultValue: Value,
        meaning: String, defaultFrom: String
    ) -> Key where Value.RawValue == String {
        Key(section: section, name: name, kind: .choice, unit: "", meaning: meaning, unitDoc: words(Value.self),
            defaultText: defaultValue.rawValue, defaultFrom: defaultFrom,
            apply: { value, settings throws(ConfgateError) in settings[keyPath: path] = try value.choice(Value.self) },
            describe: { settings in
                let value = (settings[keyPath: path] ?? defaultValue).rawValue
                return Described(text: value, canonical: value, number: nil)
            })
    }

    /// `` `crash`, `serve` ``: a choice key's words, for the docs' unit column.
    private static func words<Value: RawRepresentable & CaseIterable>(_: Value.Type) -> String where Value.RawValue == String {
        Value.allCases.map { "`\($0.rawValue)`" }.joined(separator: ", ")
    }
}
