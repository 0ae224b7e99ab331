/// Rules for a fleet behind a pooler (`[pooler]`, CG117–CG121): the client side (the fleet's
/// demand against `max_client_conn`), the server side (the pooler's server pools against
/// usable), and what the pooler does to the service. CG101–CG103 do not apply then: the
/// fleet's pools never reach the server themselves.
enum PoolerChecks {
    /// CG117: steady or deploy demand > instances × max_client_conn.
    static func clientDemand(_ s: LintSubject) -> Finding? {
        guard let pooler = s.settings.pooler, let tier = s.derived.pooler else { return nil }
        let d = s.derived
        guard d.deployDemand > tier.clientCapacity else { return nil }
        let steady = d.steadyDemand > tier.clientCapacity
        let demand = steady
            ? "steady demand \(s.steadyArithmetic)"
            : "deploy demand \(s.deployArithmetic)"
        let needed = steady ? d.steadyDemand : d.deployDemand
        let perPooler = (needed + pooler.instances - 1) / pooler.instances
        return s.finding(
            Rules.cg117,
            "\(demand) > \(s.clientCapacityArithmetic)" + (steady ? "" : "; steady demand \(d.steadyDemand) fits"),
            why: "Each pool connection of each instance is a client of the pooler; beyond max_client_conn PgBouncer refuses the connection (\"no more connections allowed (max_client_conn)\")"
                + (steady ? ", in normal running." : " — during a rolling deploy, when the surge instances open their pools before the old ones close theirs."),
            fix: "raise pooler.max_client_conn to \(perPooler) (file_limit permitting), or add pooler instances, or lower pool.max_size")
    }

    /// CG118: pooler instances × server pools > usable.
    static func serverPools(_ s: LintSubject) -> Finding? {
        guard let pooler = s.settings.pooler, let tier = s.derived.pooler, tier.serverConnections > s.derived.usable else { return nil }
        let fit = pooler.instances > 0 ? s.derived.usable / pooler.instances : 0
        return s.finding(
            Rules.cg118,
            "pooler server connections \(s.serverPoolsArithmetic) > \(s.usableArithmetic)",
            why: "When the pooler fills its server pools — under load, or once clients have waited reserve_pool_timeout — PostgreSQL refuses the connections beyond its limit (SQLSTATE 53300) and the clients waiting for them fail.",
            fix: fit > 0
                ? "lower pooler.default_pool_size + reserve_pool_size to \(fit) per pooler, or set pooler.max_db_connections = \(fit), or raise server.max_connections"
                : "raise server.max_connections, or run fewer pooler instances")
    }

    /// CG119: a pool mode that breaks what the service does: statement mode refuses its login
    /// transaction (an error); transaction mode hands the session settings each connection
    /// sets to whichever client runs next (a warning).
    static func poolMode(_ s: LintSubject) -> Finding? {
        guard let pooler = s.settings.pooler else { return nil }
        switch pooler.poolMode {
        case .session:
            return nil
        case .statement:
            var rule = Rules.cg119
            rule.severity = .error
            return s.finding(
                rule, "pool_mode statement refuses multi-statement transactions, and every login is one",
                why: "In statement mode PgBouncer returns the server connection after each statement and refuses BEGIN (\"transaction blocks not allowed in statement pooling mode\"): every login fails.",
                fix: "use pool_mode = transaction (or session)")
        case .transaction:
            let db = s.settings.database
            let session = [("statement_timeout", db.statementTimeout), ("idle_in_transaction_session_timeout", db.idleInTransactionSessionTimeout)]
                .filter { $0.1 != nil }.map(\.0)
            guard !session.isEmpty else { return nil }
            return s.finding(
                Rules.cg119,
                "pool_mode transaction with per-connection session settings (\(session.joined(separator: ", ")))",
                why: "In transaction mode a server connection serves whichever client runs the next transaction, so settings a client makes for its session are not its own: PgBouncer refuses the `options` startup parameter that would carry them, and a SET made on one client's connection reaches others.",
                fix: "set them on the role or database instead (ALTER ROLE … SET statement_timeout = …), which every server connection gets, or use pool_mode = session")
        }
    }

    /// CG120: query_wait_timeout off, or not below request_timeout.
    static func queryWaitNotBelowRequest(_ s: LintSubject) -> Finding? {
        guard let pooler = s.settings.pooler else { return nil }
        let request = s.settings.fleet.requestTimeout
        let wait = pooler.queryWaitTimeout
        guard wait.microseconds == 0 || wait >= request else { return nil }
        let shown = wait.microseconds == 0 ? "0 (wait forever)" : "\(wait)"
        return s.finding(
            Rules.cg120,
            "query_wait_timeout \(shown) is not below request_timeout \(request)",
            why: "A client waiting for a server connection is given up by its caller before the pooler says why; the caller sees a timeout rather than the pooler's query_wait_timeout error, and the pooler keeps the dead request queued.",
            fix: "set pooler.query_wait_timeout below request_timeout, e.g. \(SettingDuration(microseconds: request.microseconds / 2))")
    }

    /// CG121: one pooler process needs more files than its limit allows.
    static func fileLimit(_ s: LintSubject) -> Finding? {
        guard let pooler = s.settings.pooler, pooler.filesNeeded > pooler.fileLimit else { return nil }
        return s.finding(
            Rules.cg121,
            "max_client_conn \(pooler.maxClientConn) + server connections \(pooler.serverConnectionsPerInstance) + 10 = \(pooler.filesNeeded) files > file_limit \(pooler.fileLimit)",
            why: "Every client and server connection is an open file; past its limit PgBouncer cannot accept (\"accept() failed: Too many open files\") and clients are refused before max_client_conn is reached.",
            fix: "raise the pooler's open-file limit (ulimit -n, systemd LimitNOFILE) to at least \(pooler.filesNeeded) and set pooler.file_limit to match, or lower max_client_conn")
    }
}
