import ConfgateCore
import Crypto
import Foundation
import Logging

/// `--postgres URL`: an existing server (e.g. a CI service container) used instead of a
/// scratch one. The URL must name a superuser. Each trial gets a fresh database, created from
/// a seeded template database kept on the server (`confgate_tpl_s<schema>_u<users>`) and
/// dropped afterwards.
///
/// What cannot be applied there is read back and reported: `max_connections` and
/// `superuser_reserved_connections` are the server's own (changing them needs a restart),
/// and `reserved_connections` is not modelled on PostgreSQL < 16 (the service role is
/// shared with whatever else uses the server). Verify must judge against `applied`.
///
/// The service role `auth` is created when missing, with a password derived from the
/// superuser's (SHA-256), so that servers requiring passwords over TCP admit it and
/// concurrent confgate processes agree on it.
public struct ExistingServer: Sendable {
    /// The URL's libpq parameters (password included; never printed).
    let base: [String: String]
    public let serverVersion: Int
    let servicePassword: String?

    /// Connects with the superuser `url` and checks that it is a superuser. A URL libpq
    /// rejects (parsed by `DSNParser`, so the reason never quotes its password), or a role
    /// that is not a superuser, is `.badInput`; a server that cannot be reached is
    /// `.environment`.
    public static func connect(url: String, logger: Logger) async throws(ConfgateError) -> ExistingServer {
        let base: [String: String]
        do { base = try DSNParser.parse(url).libpqParameters } catch {
            throw ConfgateError(.badInput, "--postgres: \(error.reason)")
        }
        let admin: PGConnection
        do { admin = try await PGConnection.connect(parameters: base) } catch {
            throw ConfgateError(.environment, "cannot connect to --postgres server: \(error)")
        }
        return try await closing(admin) { admin throws(ConfgateError) in
            try await inspect(admin, base: base)
        }
    }

    /// Checks that the URL's role is a superuser and reads the server's major version.
    private static func inspect(_ admin: PGConnection, base: [String: String]) async throws(ConfgateError) -> ExistingServer {
        do {
            let row = try await admin.query(
                "SELECT rolsuper, current_setting('server_version_num')::int / 10000 FROM pg_roles WHERE rolname = current_user")
            guard row.rows.first?[0] == "t" else {
                throw ConfgateError(.badInput, "--postgres URL must name a superuser (it creates databases and a role)")
            }
            let version = Int(row.rows.first?[1] ?? "") ?? 0
            let password = base["password"].map { pw in
                "cg-" + SHA256.hash(data: Array(("confgate-auth:" + pw).utf8)).map { String(format: "%02x", $0) }.joined().prefix(24)
            }
            return ExistingServer(base: base, serverVersion: version, servicePassword: password)
        } catch let error as ConfgateError {
            throw error
        } catch {
            throw ConfgateError(.environment, "cannot inspect the --postgres server: \(error)")
        }
    }

    /// Creates the trial's database (and, once, the template database and the service role),
    /// opens `other_clients`, and reads the server's settings back.
    public func prepareTrial(server asked: Settings.Server, users: Int, logger: Logger) async throws(ConfgateError) -> ExistingServerTrial {
        let admin = try await adminConnection(database: base["dbname"] ?? "postgres")
        return try await Self.closing(admin) { admin throws(ConfgateError) in
            try await prepareTrial(on: admin, server: asked, users: users)
        }
    }

    /// `prepareTrial(server:users:logger:)`'s work on its admin connection.
    private func prepareTrial(on admin: PGConnection, server asked: Settings.Server, users: Int) async throws(ConfgateError) -> ExistingServerTrial {
        do throws(PGError) {
            let template = try await ensureTemplate(admin, users: users)
            let name = "confgate_trial_\(UInt32.random(in: 0...UInt32.max))_\(getpid())"
            try await admin.execute("CREATE DATABASE \(name) TEMPLATE \(template)")
            var notes: [String] = []
            func show(_ setting: String) async -> Int? {
                (try? await admin.query("SELECT current_setting($1, true)", [setting]).scalar).flatMap { $0.flatMap { Int($0) } }
            }
            let maxConnections = await show("max_connections") ?? 0
            let superuserReserved = await show("superuser_reserved_connections") ?? 0
            let reserved = await show("reserved_connections") ?? 0
            if maxConnections != asked.maxConnections {
                notes.append("max_connections is the server's own: \(maxConnections), not \(asked.maxConnections) as asked")
            }
            if superuserReserved != asked.superuserReservedConnections {
                notes.append("superuser_reserved_connections is the server's own: \(superuserReserved), not \(asked.superuserReservedConnections) as asked")
            }
            if reserved != asked.reservedConnections {
                notes.append(serverVersion >= 16
                    ? "reserved_connections is the server's own: \(reserved), not \(asked.reservedConnections) as asked"
                    : "PostgreSQL \(serverVersion) has no reserved_connections; \(asked.reservedConnections) asked, not modelled on a shared server")
            }
            let busy = Int(try await admin.query("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()").scalar ?? "0") ?? 0
            if busy > 0 { notes.append("\(busy) other client connections were already open on the server") }

            let trial = ExistingServerTrial(
                existing: self, database: name,
                serviceTarget: target(database: name, user: AuthSchema.serviceRole, password: servicePassword),
                superuserTarget: target(database: name, user: base["user"] ?? AuthSchema.superuserRole, password: base["password"]))
            let (held, note) = await OtherClients.open(asked.otherClients, parameters: trial.serviceTarget.parameters)
            if let note { notes.append(note) }
            trial.setApplied(AppliedServerSettings(
                maxConnections: maxConnections, superuserReservedConnections: superuserReserved,
                reservedConnections: reserved, otherClientsHeld: held.count, notes: notes), held: held)
            return trial
        } catch {
            throw ConfgateError(.environment, "preparing a trial database on the --postgres server failed: \(error)")
        }
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
public final class ExistingServerTrial: @unchecked Sendable {
    let existing: ExistingServer
    /// The trial's database name.
    public let database: String
    /// Where the service role connects (the trial database).
    public let serviceTarget: ConnectionTarget
    /// Where the superuser of the URL connects (the trial database).
    public let superuserTarget: ConnectionTarget
    private let lock = NSLock()
    private var _applied = AppliedServerSettings(maxConnections: 0, superuserReservedConnections: 0, reservedConnections: 0)
    private var held: [PGConnection] = []

    init(existing: ExistingServer, database: String, serviceTarget: ConnectionTarget, superuserTarget: ConnectionTarget) {
        self.existing = existing
        self.database = database
        self.serviceTarget = serviceTarget
        self.superuserTarget = superuserTarget
    }

    func setApplied(_ applied: AppliedServerSettings, held: [PGConnection]) {
        lock.withLock {
            _applied = applied
            self.held = held
        }
    }

    /// The libpq parameters of one service connection for `settings` (as
    /// `ScratchServer.serviceParameters(for:)`).
    public func serviceParameters(for settings: Settings) -> [String: String] {
        connectionParameters(dsn: settings.database.dsn, target: serviceTarget, database: settings.database)
    }

    /// The server's settings as read back, with notes on what was not applied.
    public var applied: AppliedServerSettings { lock.withLock { _applied } }

    /// Closes the other clients and drops the database (`WITH (FORCE)` on 13+).
    public func finish() async {
        let connections = lock.withLock { defer { held = [] }; return held }
        for c in connections { await c.close() }
        guard let admin = try? await existing.adminConnection(database: existing.base["dbname"] ?? "postgres") else { return }
        let force = existing.serverVersion >= 13 ? " WITH (FORCE)" : ""
        try? await admin.execute("DROP DATABASE IF EXISTS \(database)\(force)")
        await admin.close()
    }
}
