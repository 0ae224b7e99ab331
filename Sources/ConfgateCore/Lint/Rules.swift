/// The registry of lint rules: every rule's metadata, by stable ID.
///
/// IDs are stable: `CG1xx` rules judge one file, `CG2xx` rules judge a change between two.
/// A rule is never renumbered or reused; a retired rule keeps its ID reserved.
public enum Rules {
    /// Where the rule reference lives in the repository; each rule's anchor is its ID in lower case.
    public static let docsPath = "docs/rules.md"

    public static let cg101 = Rule(
        id: "CG101", severity: .error, title: "Steady demand exceeds usable connections",
        summary: "instances × max_size is more than the server's usable connections: at full load the server refuses the rest (SQLSTATE 53300).",
        keys: ["pool.max_size", "fleet.instances", "fleet.processes", "server.max_connections"])
    public static let cg102 = Rule(
        id: "CG102", severity: .error, title: "Deploy demand exceeds usable connections",
        summary: "(instances + max_surge) × max_size is more than the usable connections: a rolling deploy exhausts the server although steady state fits.",
        keys: ["fleet.max_surge", "pool.max_size", "fleet.instances", "fleet.processes", "server.max_connections"])
    public static let cg103 = Rule(
        id: "CG103", severity: .warning, title: "Little headroom at deploy demand",
        summary: "Deploy demand uses more of the usable connections than the gate's max_utilization allows.",
        keys: ["pool.max_size", "fleet.instances", "fleet.max_surge", "fleet.processes", "server.max_connections"])
    public static let cg104 = Rule(
        id: "CG104", severity: .error, title: "min_idle greater than max_size",
        summary: "The pool cannot keep more idle connections than it may hold at all.",
        keys: ["pool.min_idle", "pool.max_size"])
    public static let cg105 = Rule(
        id: "CG105", severity: .warning, title: "acquire_timeout not below request_timeout",
        summary: "Callers give up while the request is still waiting for a connection; the pool's clear timeout error is never seen.",
        keys: ["pool.acquire_timeout", "fleet.request_timeout"])
    public static let cg106 = Rule(
        id: "CG106", severity: .warning, title: "acquire_timeout below 250 ms",
        summary: "HikariCP refuses a connectionTimeout below 250 ms, or resets it to 30 s with only a log warning.",
        keys: ["pool.acquire_timeout"])
    public static let cg107 = Rule(
        id: "CG107", severity: .warning, title: "max_lifetime below 30 s",
        summary: "HikariCP silently resets a maxLifetime below 30 s to 30 min.",
        keys: ["pool.max_lifetime"])
    public static let cg108 = Rule(
        id: "CG108", severity: .warning, title: "idle_timeout has no effect next to max_lifetime",
        summary: "With idle_timeout + 1 s > max_lifetime, connections retire before they could idle out; HikariCP disables idle_timeout.",
        keys: ["pool.idle_timeout", "pool.max_lifetime"])
    public static let cg109 = Rule(
        id: "CG109", severity: .info, title: "idle_timeout on a fixed-size pool",
        summary: "min_idle equals max_size, so no connection is ever idle above min_idle and idle_timeout never applies.",
        keys: ["pool.idle_timeout", "pool.min_idle"])
    public static let cg110 = Rule(
        id: "CG110", severity: .warning, title: "No connect_timeout",
        summary: "Without connect_timeout, libpq waits forever for a server that does not answer.",
        keys: ["database.connect_timeout", "database.dsn"])
    public static let cg111 = Rule(
        id: "CG111", severity: .warning, title: "No statement_timeout",
        summary: "One slow query holds a pooled connection for as long as it runs.",
        keys: ["database.statement_timeout", "database.dsn"])
    public static let cg112 = Rule(
        id: "CG112", severity: .warning, title: "Password in the DSN",
        summary: "A secret in a file kept under version control.",
        keys: ["database.dsn"])
    public static let cg113 = Rule(
        id: "CG113", severity: .warning, title: "Very high max_connections",
        summary: "More than 500 connections is a well-known risk without a connection pooler in front: each backend is a process.",
        keys: ["server.max_connections"])
    public static let cg114 = Rule(
        id: "CG114", severity: .warning, title: "idle_timeout below 10 s",
        summary: "HikariCP resets an idleTimeout below 10 s to 10 min with only a log warning.",
        keys: ["pool.idle_timeout"])
    public static let cg115 = Rule(
        id: "CG115", severity: .warning, title: "statement_timeout not below request_timeout",
        summary: "A query may run on after the caller gave up, holding its connection for nothing.",
        keys: ["database.statement_timeout", "fleet.request_timeout"])
    public static let cg116 = Rule(
        id: "CG116", severity: .error, title: "Reserved connections leave nothing",
        summary: "superuser_reserved_connections + reserved_connections must be less than max_connections, or PostgreSQL refuses to start.",
        keys: ["server.superuser_reserved_connections", "server.reserved_connections", "server.max_connections"])
    public static let cg117 = Rule(
        id: "CG117", severity: .error, title: "Client demand exceeds max_client_conn",
        summary: "With a pooler, the fleet's pool connections (steady, or during a deploy) are more than pooler instances × max_client_conn: PgBouncer refuses the rest.",
        keys: ["pooler.max_client_conn", "pooler.instances", "pool.max_size", "fleet.instances", "fleet.max_surge", "fleet.processes"])
    public static let cg118 = Rule(
        id: "CG118", severity: .error, title: "Pooler server pools exceed usable connections",
        summary: "pooler instances × (default_pool_size + reserve_pool_size), capped by max_db_connections, is more than the server's usable connections (SQLSTATE 53300).",
        keys: ["pooler.default_pool_size", "pooler.reserve_pool_size", "pooler.max_db_connections", "pooler.instances", "server.max_connections"])
    public static let cg119 = Rule(
        id: "CG119", severity: .warning, title: "Pool mode breaks the service",
        summary: "statement mode refuses the login transaction (an error); transaction mode shares the session settings each connection sets between clients (a warning).",
        keys: ["pooler.pool_mode", "database.statement_timeout", "database.idle_in_transaction_session_timeout"])
    public static let cg120 = Rule(
        id: "CG120", severity: .warning, title: "query_wait_timeout not below request_timeout",
        summary: "Callers give up on a request that waits in the pooler before the pooler's clear query_wait_timeout error is seen.",
        keys: ["pooler.query_wait_timeout", "fleet.request_timeout"])
    public static let cg121 = Rule(
        id: "CG121", severity: .warning, title: "Pooler needs more files than its limit",
        summary: "max_client_conn plus the server connections needs more open files than the pooler process may have; it refuses clients early.",
        keys: ["pooler.max_client_conn", "pooler.file_limit"])
    public static let cg201 = Rule(
        id: "CG201", severity: .info, title: "Deploy demand rises by more than 25%",
        summary: "The change raises (instances + max_surge) × max_size by more than a quarter: worth a second look.",
        keys: ["pool.max_size", "fleet.instances", "fleet.max_surge"])

    /// Every rule, in ID order.
    public static let all: [Rule] = [
        cg101, cg102, cg103, cg104, cg105, cg106, cg107, cg108, cg109, cg110, cg111, cg112, cg113,
        cg114, cg115, cg116, cg117, cg118, cg119, cg120, cg121, cg201,
    ]

    /// The rule with this ID (case-insensitive), if there is one.
    public static func rule(id: String) -> Rule? {
        let wanted = id.uppercased()
        return all.first { $0.id == wanted }
    }
}
