/// One side of a change: a service's database connection settings, as read from a
/// `*.conf` file (design §3). Every field holds its default until the file sets it;
/// `origins` says which keys the file set and where.
public struct Settings: Hashable, Sendable, Codable {
    /// `[database]`: how each connection is made and what it sets per session.
    public struct Database: Hashable, Sendable, Codable {
        /// libpq connection string (URI or `key=value`). Read for its parameters only;
        /// confgate never connects to its host. Default: none.
        public var dsn: DSN?
        /// libpq `connect_timeout`. Default: unset, meaning libpq waits forever.
        public var connectTimeout: SettingDuration?
        /// `statement_timeout`, set on every pooled connection. Default: unset (no limit).
        public var statementTimeout: SettingDuration?
        /// `idle_in_transaction_session_timeout`, set on every pooled connection. Default: unset.
        public var idleInTransactionSessionTimeout: SettingDuration?

        public init(
            dsn: DSN? = nil,
            connectTimeout: SettingDuration? = nil,
            statementTimeout: SettingDuration? = nil,
            idleInTransactionSessionTimeout: SettingDuration? = nil
        ) {
            self.dsn = dsn
            self.connectTimeout = connectTimeout
            self.statementTimeout = statementTimeout
            self.idleInTransactionSessionTimeout = idleInTransactionSessionTimeout
        }
    }

    /// `[pool]`: one service instance's connection pool. Defaults follow HikariCP.
    public struct Pool: Hashable, Sendable, Codable {
        /// Most connections the pool holds, open or opening. Default 10 (HikariCP `maximumPoolSize`).
        public var maxSize: Int
        /// Idle connections the pool keeps ready. Default: `maxSize`, a fixed-size pool
        /// (HikariCP `minimumIdle`). `nil` means "same as maxSize".
        public var minIdle: Int?
        /// How long a request waits for a connection. Default 30s (HikariCP `connectionTimeout`).
        public var acquireTimeout: SettingDuration
        /// Idle connections above `minIdle` close after this. Default 10min (HikariCP `idleTimeout`).
        public var idleTimeout: SettingDuration
        /// Every connection retires after this. Default 30min (HikariCP `maxLifetime`).
        public var maxLifetime: SettingDuration

        /// What an instance does when its pool cannot open its first connection at start.
        /// `nil` means the default, `.crash` (HikariCP `initializationFailTimeout = 1`).
        public var startFailure: StartFailure?

        /// `minIdle` with its default applied.
        public var effectiveMinIdle: Int { minIdle ?? maxSize }
        /// `startFailure` with its default applied.
        public var effectiveStartFailure: StartFailure { startFailure ?? .crash }

        /// What an instance does when its pool's first connection is refused at start.
        public enum StartFailure: String, Hashable, Sendable, Codable, CaseIterable {
            /// The pool throws, the process exits and takes no traffic (HikariCP's default,
            /// `initializationFailTimeout = 1`); on Kubernetes it crash-loops, and in a rolling
            /// deploy it never becomes ready, so the rollout stalls while old instances serve.
            case crash
            /// The pool starts anyway and opens connections in the background; the instance
            /// takes traffic and fails it (`initializationFailTimeout = -1`).
            case serve
        }

        public init(
            maxSize: Int = 10,
            minIdle: Int? = nil,
            acquireTimeout: SettingDuration = .seconds(30),
            idleTimeout: SettingDuration = .minutes(10),
            maxLifetime: SettingDuration = .minutes(30)
        ) {
            self.maxSize = maxSize
            self.minIdle = minIdle
            self.acquireTimeout = acquireTimeout
            self.idleTimeout = idleTimeout
            self.maxLifetime = maxLifetime
        }
    }

    /// `[fleet]`: how many service instances run, and how they are deployed.
    public struct Fleet: Hashable, Sendable, Codable {
        /// Service instances, each with its own pool. Default 1.
        public var instances: Int
        /// Extra instances during a rolling deploy. Default 0.
        public var maxSurge: Int
        /// Service processes per instance, each with its own pool (gunicorn or Puma workers,
        /// Node cluster workers). Default 1.
        public var processes: Int
        /// How long callers wait for a login. Default 30s.
        public var requestTimeout: SettingDuration
        /// How the instances start; `nil` means the default, `.oneByOne`.
        public var start: StartOrder?

        /// `start` with its default applied.
        public var effectiveStart: StartOrder { start ?? .oneByOne }

        /// How a fleet's instances come up.
        public enum StartOrder: String, Hashable, Sendable, Codable, CaseIterable {
            /// Each once the previous one is up, as a rolling deploy brings a fleet up: the
            /// instances started last are the ones left short when connections run out.
            case oneByOne = "one_by_one"
            /// All at once, as a new Deployment's pods start: the connections are shared out.
            case together
        }

        public init(instances: Int = 1, maxSurge: Int = 0, requestTimeout: SettingDuration = .seconds(30), processes: Int = 1) {
            self.instances = instances
            self.maxSurge = maxSurge
            self.processes = processes
            self.requestTimeout = requestTimeout
        }

        /// ` × 4 processes`, or nothing for one process: the factor demand arithmetic shows.
        public var processesFactor: String { processes > 1 ? " × \(processes) processes" : "" }
    }

    /// `[server]`: the PostgreSQL server the fleet shares.
    public struct Server: Hashable, Sendable, Codable {
        /// PostgreSQL `max_connections`. Default 100.
        public var maxConnections: Int
        /// PostgreSQL `superuser_reserved_connections`. Default 3.
        public var superuserReservedConnections: Int
        /// PostgreSQL 16+ `reserved_connections`. Default 0.
        public var reservedConnections: Int
        /// Connections other applications hold on the same server. Default 0.
        public var otherClients: Int

        public init(
            maxConnections: Int = 100,
            superuserReservedConnections: Int = 3,
            reservedConnections: Int = 0,
            otherClients: Int = 0
        ) {
            self.maxConnections = maxConnections
            self.superuserReservedConnections = superuserReservedConnections
            self.reservedConnections = reservedConnections
            self.otherClients = otherClients
        }
    }

    public var database: Database
    public var pool: Pool
    /// `[pool.NAME]`: more pools each instance's process holds beside `pool` (a second
    /// datasource, a read-replica pool), in the order the file declares them. Empty by default.
    public var namedPools: [NamedPool]
    public var fleet: Fleet
    public var server: Server
    /// `[pooler]`, when the fleet reaches the server through one; `nil`: it connects directly.
    public var pooler: Pooler?
    /// Where each key the file set was written, keyed `section.key` (e.g. `pool.max_size`).
    /// A key absent here holds its default.
    public var origins: [String: KeyOrigin]
    /// The file these settings came from, as the user named it; `nil` for built-in defaults.
    public var file: String?
    /// Where each section's header first appears, keyed by section name (e.g. `database`);
    /// lets a finding about a missing key point at its section.
    public var sections: [String: SourceLocation]
    /// What the readers of a service's own files noticed: defaults they filled in, keys they
    /// could not bind, files that disagree. Empty for a plain settings file.
    public var notes: [SourceNote]

    public init(
        database: Database = .init(),
        pool: Pool = .init(),
        namedPools: [NamedPool] = [],
        fleet: Fleet = .init(),
        server: Server = .init(),
        pooler: Pooler? = nil,
        origins: [String: KeyOrigin] = [:],
        file: String? = nil,
        sections: [String: SourceLocation] = [:],
        notes: [SourceNote] = []
    ) {
        self.database = database
        self.pool = pool
        self.namedPools = namedPools
        self.fleet = fleet
        self.server = server
        self.pooler = pooler
        self.origins = origins
        self.file = file
        self.sections = sections
        self.notes = notes
    }
}

/// Where a key was set in a file, and the comment that followed its value (lint reads
/// suppressions such as `# confgate: ignore CG110 -- reason` from it).
public struct KeyOrigin: Hashable, Sendable, Codable {
    /// The key's first character.
    public var key: SourceLocation
    /// The value's first character.
    public var value: SourceLocation
    /// The text after `#` on the same line, trimmed; `nil` when there is none.
    public var comment: String?
    /// The value as written (without its quotes), e.g. `30000ms`; `nil` for values that may
    /// hold a secret (the DSN), which are never kept in a second place.
    public var text: String?
    /// How the value got here when its location alone does not say: the profile, the
    /// environment variable or the default it came from, or the source value a literal key in
    /// a fleet map overrides.
    public var via: String?

    public init(key: SourceLocation, value: SourceLocation, comment: String? = nil, text: String? = nil, via: String? = nil) {
        self.key = key
        self.value = value
        self.comment = comment
        self.text = text
        self.via = via
    }
}
