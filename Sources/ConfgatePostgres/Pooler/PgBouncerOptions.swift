import ConfgateCore

/// What a trial's PgBouncer is configured with: the pool settings under test. Every
/// default is PgBouncer 1.18's own (its `config.md`), so an empty value is "PgBouncer as
/// installed".
public struct PgBouncerOptions: Hashable, Sendable {
    /// When a server connection goes back to the pool.
    public enum PoolMode: String, Hashable, Sendable, CaseIterable {
        /// When the client disconnects (PgBouncer's default).
        case session
        /// When a transaction ends.
        case transaction
        /// After every statement (multi-statement transactions are refused).
        case statement
    }

    /// `pool_mode`. Default `.session`.
    public var poolMode: PoolMode
    /// `max_client_conn`: client connections PgBouncer accepts in all; more are refused with
    /// `no more connections allowed (max_client_conn)`. Default 100.
    public var maxClientConn: Int
    /// `default_pool_size`: server connections per database/user pair. Default 20.
    public var defaultPoolSize: Int
    /// `min_pool_size`: server connections kept open when fewer are in use. Default 0.
    public var minPoolSize: Int
    /// `reserve_pool_size`: extra server connections for a pool whose client waited longer
    /// than `reservePoolTimeout`. Default 0 (none).
    public var reservePoolSize: Int
    /// `reserve_pool_timeout`. Default 5 s.
    public var reservePoolTimeout: Duration
    /// `max_db_connections`: server connections per database, all users. Default 0 (unlimited).
    public var maxDbConnections: Int
    /// `max_user_connections`: server connections per user, all databases. Default 0 (unlimited).
    public var maxUserConnections: Int
    /// `server_idle_timeout`: an idle server connection is closed after this. Default 600 s.
    public var serverIdleTimeout: Duration
    /// `server_lifetime`: an unused server connection older than this is closed. Default 3600 s.
    public var serverLifetime: Duration
    /// `query_wait_timeout`: a client waiting this long for a server connection is
    /// disconnected with `query_wait_timeout`. Default 120 s; 0 disables it.
    public var queryWaitTimeout: Duration
    /// `--pgbouncer-bin`: the program to run. Default: searched (see `PgBouncerInstallation`).
    public var binary: String?
    /// Further `name = value` lines for the `[pgbouncer]` section (after ours, so they win).
    public var extraSettings: [String: String]
    /// How long start-up may take before it is an environment failure. Default 30 s.
    public var startTimeout: Duration

    public init(
        poolMode: PoolMode = .session, maxClientConn: Int = 100, defaultPoolSize: Int = 20,
        minPoolSize: Int = 0, reservePoolSize: Int = 0, reservePoolTimeout: Duration = .seconds(5),
        maxDbConnections: Int = 0, maxUserConnections: Int = 0, serverIdleTimeout: Duration = .seconds(600),
        serverLifetime: Duration = .seconds(3600), queryWaitTimeout: Duration = .seconds(120),
        binary: String? = nil, extraSettings: [String: String] = [:], startTimeout: Duration = .seconds(30)
    ) {
        self.poolMode = poolMode
        self.maxClientConn = maxClientConn
        self.defaultPoolSize = defaultPoolSize
        self.minPoolSize = minPoolSize
        self.reservePoolSize = reservePoolSize
        self.reservePoolTimeout = reservePoolTimeout
        self.maxDbConnections = maxDbConnections
        self.maxUserConnections = maxUserConnections
        self.serverIdleTimeout = serverIdleTimeout
        self.serverLifetime = serverLifetime
        self.queryWaitTimeout = queryWaitTimeout
        self.binary = binary
        self.extraSettings = extraSettings
        self.startTimeout = startTimeout
    }

    /// Refuses what PgBouncer would accept but not mean (it takes `max_client_conn = -3`):
    /// counts below their minimum and negative durations are `.badInput` (exit 2).
    public func validate() throws(ConfgateError) {
        let counts: [(String, Int, Int)] = [
            ("max_client_conn", maxClientConn, 1), ("default_pool_size", defaultPoolSize, 1),
            ("min_pool_size", minPoolSize, 0), ("reserve_pool_size", reservePoolSize, 0),
            ("max_db_connections", maxDbConnections, 0), ("max_user_connections", maxUserConnections, 0),
        ]
        for (name, value, minimum) in counts where value < minimum {
            throw ConfgateError(.badInput, "PgBouncer \(name) must be at least \(minimum), not \(value)")
        }
        let durations: [(String, Duration)] = [
            ("reserve_pool_timeout", reservePoolTimeout), ("server_idle_timeout", serverIdleTimeout),
            ("server_lifetime", serverLifetime), ("query_wait_timeout", queryWaitTimeout),
        ]
        for (name, value) in durations where value < .zero {
            throw ConfgateError(.badInput, "PgBouncer \(name) must not be negative")
        }
    }
}
