/// Rules about the DSN and the server as a whole (CG112, CG113).
enum ServerChecks {
    /// CG112: the DSN carries a password.
    static func passwordInDSN(_ s: LintSubject) -> Finding? {
        guard let dsn = s.settings.database.dsn, dsn.hasPassword else { return nil }
        return s.finding(
            Rules.cg112, "the DSN contains a password (shown here as ***)",
            why: "This file is kept under version control: everyone who can read the repository, its forks and its CI logs can read the password, and removing it later leaves it in the history.",
            fix: "remove the password from database.dsn and give it to libpq through PGPASSWORD, a password file (~/.pgpass or PGPASSFILE) or your secret store; rotate it if it was ever committed")
    }

    /// CG113: max_connections > 500.
    static let connectionAdvice = 500

    static func veryManyConnections(_ s: LintSubject) -> Finding? {
        let max = s.settings.server.maxConnections
        guard max > connectionAdvice, s.settings.pooler == nil else { return nil }
        return s.finding(
            Rules.cg113,
            "max_connections \(max) > \(connectionAdvice): consider a connection pooler (e.g. PgBouncer) rather than more server connections",
            why: "Each PostgreSQL connection is a server process with its own memory; hundreds of mostly idle backends cost memory and slow snapshot-taking for all queries. Unless a pooler sits in front, smaller pools usually serve better.",
            fix: "lower pool sizes so the fleet needs fewer connections, or put a pooler such as PgBouncer in front; keep server.max_connections if the server is sized for it and suppress this advice")
    }
}
