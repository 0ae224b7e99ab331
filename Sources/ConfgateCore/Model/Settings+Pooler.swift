extension Settings {
    /// `[pooler]`: a connection pooler between the fleet and the server (PgBouncer). A side
    /// without the section connects directly; with it, the fleet's pools connect to the
    /// pooler, and only the pooler's server pools reach PostgreSQL. Defaults are PgBouncer
    /// 1.18's (https://www.pgbouncer.org/config.html); `SettingsCatalog` declares each key.
    public struct Pooler: Hashable, Sendable, Codable {
        /// Which pooler. Only PgBouncer for now.
        public enum Kind: String, Hashable, Sendable, Codable, CaseIterable {
            case pgbouncer
        }

        /// When a server connection goes back to the pool (PgBouncer `pool_mode`).
        public enum PoolMode: String, Hashable, Sendable, Codable, CaseIterable {
            /// When the client disconnects: session state is safe.
            case session
            /// When a transaction ends: session state (SET, prepared statements, advisory
            /// locks, LISTEN, temporary tables) leaks between clients or is lost.
            case transaction
            /// After each statement: multi-statement transactions are refused.
            case statement
        }

        public var kind: Kind = .pgbouncer
        public var poolMode: PoolMode = .session
        /// Client connections each pooler process accepts. PgBouncer default 100.
        public var maxClientConn: Int = 100
        /// Server connections per database/user pair. PgBouncer default 20.
        public var defaultPoolSize: Int = 20
        /// Server connections kept open per pair even when idle. Default 0.
        public var minPoolSize: Int = 0
        /// Extra server connections per pair when a client waited `reservePoolTimeout`. Default 0.
        public var reservePoolSize: Int = 0
        /// How long a client waits before the reserve pool is used. Default 5s.
        public var reservePoolTimeout: SettingDuration = .seconds(5)
        /// Server connections per database, across users; 0: no limit. Default 0.
        public var maxDbConnections: Int = 0
        /// Server connections per user, across databases; 0: no limit. Default 0.
        public var maxUserConnections: Int = 0
        /// Idle server connections close after this; 0: never. Default 10min.
        public var serverIdleTimeout: SettingDuration = .minutes(10)
        /// Server connections close (when free) after this; 0: after one use. Default 1h.
        public var serverLifetime: SettingDuration = .minutes(60)
        /// How long a client may wait for a server connection before it is disconnected;
        /// 0: forever. Default 2min.
        public var queryWaitTimeout: SettingDuration = .minutes(2)
        /// Pooler processes or pods, each with its own limits and server pools. Default 1.
        public var instances: Int = 1
        /// Open files each pooler process may have (`ulimit -n`, systemd `LimitNOFILE`): one per
        /// client and per server connection. Default 1024, Linux's usual soft limit.
        public var fileLimit: Int = 1024

        public init() {}

        /// Database/user pairs the fleet's connections make through the pooler: one, the
        /// service's database and role (other clients connect to the server directly).
        public static let pairs = 1

        /// Server connections one pooler process may open for the fleet: each pair's
        /// `default_pool_size + reserve_pool_size`, capped by `max_db_connections` and
        /// `max_user_connections` when set.
        public var serverConnectionsPerInstance: Int {
            var n = Self.pairs * (defaultPoolSize + reservePoolSize)
            if maxDbConnections > 0 { n = min(n, maxDbConnections) }
            if maxUserConnections > 0 { n = min(n, maxUserConnections) }
            return n
        }

        /// Client connections the fleet may hold across every pooler process.
        public var clientCapacity: Int { instances * maxClientConn }

        /// Server connections the pooler tier may open in all.
        public var serverConnections: Int { instances * serverConnectionsPerInstance }

        /// One process standing for all `instances` (a trial runs one PgBouncer): its client
        /// and server limits multiplied by `instances`, as if the fleet's connections spread
        /// evenly over them; durations and the mode unchanged.
        public var asOneProcess: Pooler {
            guard instances > 1 else { return self }
            var one = self
            one.maxClientConn *= instances
            one.defaultPoolSize *= instances
            one.minPoolSize *= instances
            one.reservePoolSize *= instances
            one.maxDbConnections *= instances
            one.maxUserConnections *= instances
            one.fileLimit *= instances
            one.instances = 1
            return one
        }

        /// Files one pooler process needs with every client and server connection open (plus
        /// a handful for its listening sockets, log and admin console).
        public var filesNeeded: Int { maxClientConn + serverConnectionsPerInstance + 10 }
    }
}
