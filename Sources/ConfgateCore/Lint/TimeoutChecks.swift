/// Timeout rules: waits that never end, or end in the wrong order (CG105, CG110, CG111, CG115).
enum TimeoutChecks {
    /// CG105: acquire_timeout ≥ request_timeout.
    static func acquireNotBelowRequest(_ s: LintSubject) -> Finding? {
        let acquire = s.settings.pool.acquireTimeout
        let request = s.settings.fleet.requestTimeout
        guard acquire >= request else { return nil }
        let relation = acquire == request ? "=" : ">"
        return s.finding(
            Rules.cg105, "acquire_timeout \(acquire) \(relation) request_timeout \(request)",
            why: "Callers give up on the login while it still waits for a connection, so the pool's own timeout error (which says the pool is exhausted) is never seen, and the waiting request still takes the connection when one frees up.",
            fix: "set pool.acquire_timeout well below fleet.request_timeout \(request), leaving time for the queries themselves")
    }

    /// CG110: no connect_timeout (in the file or in the DSN), or 0, which libpq reads as forever.
    static func noConnectTimeout(_ s: LintSubject) -> Finding? {
        let database = s.settings.database
        if let timeout = database.connectTimeout, timeout.microseconds > 0 { return nil }
        if let fromDSN = database.dsn?["connect_timeout"], let seconds = Int(fromDSN), seconds > 0 { return nil }
        let message = database.connectTimeout == nil
            ? "no connect_timeout: libpq waits forever for a server that does not answer"
            : "connect_timeout 0s: libpq reads 0 as \"wait forever\""
        return s.finding(
            Rules.cg110, message,
            why: "libpq's connect_timeout defaults to waiting indefinitely; when the server or the network drops packets, every new connection hangs, pools fill with attempts, and requests time out with no clear cause.",
            fix: "set database.connect_timeout, e.g. 5s (libpq counts whole seconds; the least it uses is 2s)")
    }

    /// CG111: no statement_timeout (in the file or in the DSN's `options`), or 0 (no limit).
    static func noStatementTimeout(_ s: LintSubject) -> Finding? {
        let database = s.settings.database
        if let timeout = database.statementTimeout, timeout.microseconds > 0 { return nil }
        if let options = database.dsn?["options"], options.contains("statement_timeout") { return nil }
        let message = database.statementTimeout == nil
            ? "no statement_timeout: one slow query holds a pooled connection indefinitely"
            : "statement_timeout 0s disables the limit: one slow query holds a pooled connection indefinitely"
        return s.finding(
            Rules.cg111, message,
            why: "PostgreSQL's statement_timeout defaults to 0 (no limit). A query stuck on a lock or a bad plan keeps its connection out of the pool for as long as it runs, and a few of them exhaust the pool.",
            fix: "set database.statement_timeout below fleet.request_timeout \(s.settings.fleet.requestTimeout), e.g. 2s")
    }

    /// CG115: statement_timeout ≥ request_timeout.
    static func statementNotBelowRequest(_ s: LintSubject) -> Finding? {
        guard let statement = s.settings.database.statementTimeout, statement.microseconds > 0 else { return nil }
        let request = s.settings.fleet.requestTimeout
        guard statement >= request else { return nil }
        let relation = statement == request ? "=" : ">"
        return s.finding(
            Rules.cg115, "statement_timeout \(statement) \(relation) request_timeout \(request)",
            why: "A query can run on after the caller has given up, holding its pooled connection (and its locks) for a result nobody will read.",
            fix: "set database.statement_timeout below fleet.request_timeout \(request)")
    }
}
