import ConfgateCore
import Crypto
import Foundation
import Logging
import Synchronization

/// `--postgres URL`: an existing server (e.g. a CI service container) used instead of a
/// scratch one, as a `ServerSource`. The URL must name a superuser. Each trial gets a fresh
/// database, created from a seeded template database kept on the server
/// (`confgate_tpl_s<schema>_u<users>`) and dropped afterwards.
///
/// What cannot be applied there is read back and reported (`AppliedServerSettings.readBack`):
/// `max_connections` and `superuser_reserved_connections` are the server's own (changing them
/// needs a restart), and `reserved_connections` is not modelled on PostgreSQL < 16 (the
/// service role is shared with whatever else uses the server). Verify must judge against
/// `applied`.
///
/// The service role `auth` is created when missing, with a password derived from the
/// superuser's (SHA-256), so that servers requiring passwords over TCP admit it and
/// concurrent confgate processes agree on it.
public struct ExistingServer: ServerSource {
    /// The URL's libpq parameters (password included; never printed).
    let base: [String: String]
    let servicePassword: String?

    /// Takes the superuser `url`; connects nothing yet. A URL libpq rejects is `.badInput`,
    /// its reason (from `DSNParser`) never quoting the password.
    public init(url: String) throws(ConfgateError) {
        do { base = try DSNParser.parse(url).libpqParameters } catch {
            throw ConfgateError(.badInput, "--postgres: \(error.reason)")
        }
        servicePassword = base["password"].map { pw in
            "cg-" + SHA256.hash(data: Array(("confgate-auth:" + pw).utf8)).map { String(format: "%02x", $0) }.joined().prefix(24)
        }
    }

    public func startTrial(_ settings: Settings, users: Int, logger: Logger) async throws(ConfgateError) -> any TrialServer {
        try await prepareTrial(server: settings.server, users: users, logger: logger)
    }

    /// Connects as the URL's superuser, checks that it is one, creates the trial's database
    /// (and, once, the template database and the service role), opens `other_clients`, and
    /// reads the server's settings back. A role that is not a superuser is `.badInput`; a
    /// server that cannot be reached or prepared is `.environment`.
    public func prepareTrial(server asked: Settings.Server, users: Int, logger: Logger) async throws(ConfgateError) -> ExistingServerTrial {
        let admin = try await adminConnection(database: base["dbname"] ?? "postgres")
        return try await Self.closing(admin) { admin throws(ConfgateError) in
            let major = try await Self.inspect(admin)
            return try await prepareTrial(on: admin, server: asked, users: users, major: major)
        }
    }

    /// Checks that the URL's role is a superuser and reads the server's major version.
    private static func inspect(_ admin: PGConnection) async throws(ConfgateError) -> Int {
        let row: PGResult
        do {
            row = try await admin.query(
                "SELECT rolsuper, current_setting('server_version_num')::int / 10000 FROM pg_roles WHERE rolname = current_user")
        } catch {
            throw ConfgateError(.environment, "cannot inspect the --postgres server: \(error)")
        }
        guard row.rows.first?[0] == "t" else {
            throw ConfgateError(.badInput, "--postgres URL must name a superuser (it creates databases and a role)")
        }
        return Int(row.rows.first?[1] ?? "") ?? 0
    }

    /// `prepareTrial(server:users:logger:)`'s work on its admin connection. Everything that
    /// can fail comes before `CREATE DATABASE`, so a failure leaves no trial database behind.
    private func prepareTrial(
        on admin: PGConnection, server asked: Settings.Server, users: Int, major: Int
    ) async throws(ConfgateError) -> ExistingServerTrial {
        var applied = try await AppliedServerSettings.readBack(admin, asked: asked, major: major, roleLimit: nil)
        let name = "confgate_trial_\(UInt32.random(in: 0...UInt32.max))_\(getpid())"
        do throws(PGError) {
            let template = try await ensureTemplate(admin, users: users)
            let busy = Int(try await admin.query("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()").scalar ?? "0") ?? 0
            if busy > 0 { applied.notes.append("\(busy) other client connections were already open on the server") }
            try await admin.execute("CREATE DATABASE \(name) TEMPLATE \(template)")
        } catch {
            throw ConfgateError(.environment, "preparing a trial database on the --postgres server failed: \(error)")
        }
        let serviceTarget = target(database: name, user: AuthSchema.serviceRole, password: servicePassword)
        let (held, note) = await OtherClients.open(asked.otherClients, parameters: serviceTarget.parameters)
        applied.record(otherClientsHeld: held.count, note: note)
        applied.notes.append("--postgres server: judged against its own max_connections \(applied.maxConnections) and superuser_reserved_connections \(applied.superuserReservedConnections)")
        return ExistingServerTrial(
            existing: self, major: major, database: name, serviceTarget: serviceTarget,
            superuserTarget: target(database: name, user: base["user"] ?? AuthSchema.superuserRole, password: base["password"]),
            applied: applied, held: held)
    }

    func target(database: String, user: String, password: String?) -> ConnectionTarget {
        ConnectionTarget(host: base["host"] ?? base["hostaddr"] ?? "localhost", port: Int(base["port"] ?? "") ?? 5432,
                         database: database, user: user, password: password)
    }

    /// Runs `body` with `connection`, then closes it on every path and waits until it is
    /// closed: an admin connection holds one of the shared server's `max_connections` slots,
    /// which the trial that follows must not find taken.
    private static func closing<T>(
        _ connection: PGConnection, _ body: (PGConnection) async throws(ConfgateError) -> T
    ) async throws(ConfgateError) -> T {
        do {
            let value = try await body(connection)
            await connection.close()
            return value
        } catch {
            await connection.close()
            throw error
        }
    }

    func adminConnection(database: String) async throws(ConfgateError) -> PGConnection {
        var p = base
        p["dbname"] = database
        p["application_name"] = "confgate-admin"
        do { return try await PGConnection.connect(parameters: p) } catch {
            throw ConfgateError(.environment, "cannot connect to --postgres server: \(error)")
        }
    }

    /// The seeded template database, built aside and renamed into place (as the file
    /// template is), so concurrent confgate processes never use a half-built one.
    private func ensureTemplate(_ admin: PGConnection, users: Int) async throws(PGError) -> String {
        let name = "confgate_tpl_s\(AuthSchema.version)_u\(users)"
        let role = AuthSchema.serviceRole
        let passwordClause = servicePassword.map { " PASSWORD '\($0)'" } ?? ""
        try await admin.execute("""
            DO $$ BEGIN
              IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '\(role)') THEN CREATE ROLE \(role) LOGIN\(passwordClause); END IF;
            END $$;
            """)
        if !passwordClause.isEmpty { try await admin.execute("ALTER ROLE \(role)\(passwordClause)") }
        if try await admin.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]).rows.count == 1 { return name }
        let building = "confgate_build_\(UInt32.random(in: 0...UInt32.max))"
        try await admin.execute("CREATE DATABASE \(building)")
        var p = base
        p["dbname"] = building
        do throws(PGError) {
            try await AuthSchema.install(parameters: p, users: users)
            do {
                try await admin.execute("ALTER DATABASE \(building) RENAME TO \(name)")
            } catch where error.sqlState == "42P04" {
                try? await admin.execute("DROP DATABASE \(building)")  // another process won
            }
        } catch {
            try? await admin.execute("DROP DATABASE IF EXISTS \(building)")
            throw error
        }
        return name
    }
}

/// One trial's database on an existing server; `finish()` drops it.
public final class ExistingServerTrial: TrialServer {
    let existing: ExistingServer
    /// The server's major version.
    let major: Int
    /// The trial's database name.
    public let database: String
    /// Where the service role connects (the trial database).
    public let serviceTarget: ConnectionTarget
    /// Where the superuser of the URL connects (the trial database).
    public let superuserTarget: ConnectionTarget
    /// The server's settings as read back, with notes on what was not applied.
    public let applied: AppliedServerSettings
    private let held: Mutex<[PGConnection]>

    init(
        existing: ExistingServer, major: Int, database: String, serviceTarget: ConnectionTarget,
        superuserTarget: ConnectionTarget, applied: AppliedServerSettings, held: [PGConnection]
    ) {
        self.existing = existing
        self.major = major
        self.database = database
        self.serviceTarget = serviceTarget
        self.superuserTarget = superuserTarget
        self.applied = applied
        self.held = Mutex(held)
    }

    public var postgresVersion: String { "\(major) (--postgres server)" }

    /// Never: the server is not confgate's to watch.
    public var hasExited: Bool { false }

    /// The libpq parameters of one service connection for `settings` (as
    /// `ScratchServer.serviceParameters(for:)`).
    public func serviceParameters(for settings: Settings) -> [String: String] {
        connectionParameters(dsn: settings.database.dsn, target: serviceTarget, database: settings.database)
    }

    /// Closes the other clients and drops the database (`WITH (FORCE)` on 13+). Safe to call
    /// more than once.
    /// - Returns: no lines: the server's log is not confgate's.
    @discardableResult
    public func finish() async -> [String] {
        let connections = held.withLock { c in defer { c = [] }; return c }
        for c in connections { await c.close() }
        guard let admin = try? await existing.adminConnection(database: existing.base["dbname"] ?? "postgres") else { return [] }
        let force = major >= 13 ? " WITH (FORCE)" : ""
        try? await admin.execute("DROP DATABASE IF EXISTS \(database)\(force)")
        await admin.close()
        return []
    }
}
