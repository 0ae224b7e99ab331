/// One row of `pg_stat_activity` counted the way postgres_exporter groups it: by database,
/// user, `application_name`, state and backend type.
public struct ConnectionGroup: Hashable, Sendable, Codable {
    public var database: String
    public var user: String
    public var application: String
    /// `active`, `idle`, `idle in transaction`, …; empty when the monitoring role may not see it.
    public var state: String
    /// `client backend`, `autovacuum worker`, …; empty when the monitoring role may not see it.
    public var backendType: String
    public var count: Int

    public init(database: String = "", user: String = "", application: String = "", state: String = "",
                backendType: String = "client backend", count: Int) {
        self.database = database
        self.user = user
        self.application = application
        self.state = state
        self.backendType = backendType
        self.count = count
    }

    /// Whether these sessions hold a `max_connections` slot: client backends, and sessions
    /// whose backend type is hidden from the monitoring role (other users' sessions without
    /// `pg_read_all_stats`, which are client sessions in practice).
    public var holdsSlot: Bool { backendType == "client backend" || backendType.isEmpty }

    /// Whether `application` is `name` or starts with it (`auth-service` matches `auth-service-3`).
    public func belongs(to name: String) -> Bool { application.hasPrefix(name) }
}

/// What one sampling tick saw.
public struct CanarySample: Hashable, Sendable, Codable {
    /// Seconds since the canary started.
    public var at: Double
    public var groups: [ConnectionGroup]
    /// Age in seconds of the oldest session `idle in transaction` (of those the role may see).
    public var oldestIdleInTransaction: Double?

    public init(at: Double, groups: [ConnectionGroup], oldestIdleInTransaction: Double? = nil) {
        self.at = at
        self.groups = groups
        self.oldestIdleInTransaction = oldestIdleInTransaction
    }

    /// Sessions holding a `max_connections` slot (this canary's own connection included).
    public var clientConnections: Int { groups.filter(\.holdsSlot).reduce(0) { $0 + $1.count } }

    /// Client sessions whose `application_name` belongs to `name`.
    public func connections(application name: String) -> Int {
        groups.filter { $0.holdsSlot && $0.belongs(to: name) }.reduce(0) { $0 + $1.count }
    }

    /// Client sessions of role `user`.
    public func connections(user: String) -> Int {
        groups.filter { $0.holdsSlot && $0.user == user }.reduce(0) { $0 + $1.count }
    }
}

/// The server's connection limits, read at start and every minute.
public struct ServerLimits: Hashable, Sendable, Codable {
    /// Seconds since the canary started.
    public var at: Double
    public var maxConnections: Int
    public var superuserReservedConnections: Int
    /// PostgreSQL 16+; 0 before.
    public var reservedConnections: Int
    /// Login roles with a `CONNECTION LIMIT`.
    public var roleLimits: [String: Int]
    /// Databases with a `CONNECTION LIMIT`.
    public var databaseLimits: [String: Int]

    public init(at: Double, maxConnections: Int, superuserReservedConnections: Int, reservedConnections: Int = 0,
                roleLimits: [String: Int] = [:], databaseLimits: [String: Int] = [:]) {
        self.at = at
        self.maxConnections = maxConnections
        self.superuserReservedConnections = superuserReservedConnections
        self.reservedConnections = reservedConnections
        self.roleLimits = roleLimits
        self.databaseLimits = databaseLimits
    }

    /// What non-superusers may hold: max_connections − superuser_reserved − reserved.
    public var usable: Int { maxConnections - superuserReservedConnections - reservedConnections }

    /// `max_connections 100 − superuser_reserved 3` (and `− reserved 2` when set).
    public var arithmetic: String {
        var text = "max_connections \(maxConnections) − superuser_reserved \(superuserReservedConnections)"
        if reservedConnections > 0 { text += " − reserved \(reservedConnections)" }
        return text
    }
}

/// One refusal probe: a connection attempt as the service's role, closed at once.
public struct ProbeResult: Hashable, Sendable, Codable {
    public enum Outcome: String, Hashable, Sendable, Codable {
        /// Connected: the server admitted the role.
        case ok
        /// SQLSTATE 53300: the server is refusing the role, so it refuses the fleet too.
        case refused
        /// Another failure (unreachable, authentication, no such database): says nothing about refusals.
        case failed
    }

    /// Seconds since the canary started.
    public var at: Double
    public var outcome: Outcome
    public var sqlState: String?
    /// The server's or libpq's message for a failure (never holds a password).
    public var message: String?

    public init(at: Double, outcome: Outcome, sqlState: String? = nil, message: String? = nil) {
        self.at = at
        self.outcome = outcome
        self.sqlState = sqlState
        self.message = message
    }
}
