import ConfgateCore
import Foundation
import Logging

/// The real PgBouncer in front of a trial's server (issue #15): its own private `cg-XXXXXX`
/// directory (socket, generated `pgbouncer.ini`, HBA and auth files, pid file, log), no TCP
/// listener, run as `ServerUser` when confgate is root (PgBouncer refuses root too).
///
/// Teardown is the scratch server's: the program runs under `ServerProcess`'s watchdog, so
/// `stop()` and confgate's death alike (even SIGKILL) stop it (with the version's immediate
/// shutdown signal, `PgBouncerInstallation.stopSignal`) and remove the directory.
///
/// Ready means a real connection through it, as the service role, to the upstream database
/// works. After that, the probe's client and server connections are dropped (`KILL`/`RESUME`
/// on the console), so a trial starts with an empty pool.
///
/// The admin console: PgBouncer counts its clients against `max_client_conn`, so the server
/// holds one console connection for its whole life and renders `max_client_conn` one higher
/// (see `PgBouncerConfig`). `adminQuery(_:)` and `showPools()` use it, one call at a time.
///
/// Prefer `withPgBouncer(_:upstream:user:logger:_:)`, which stops it on every path.
public final class PgBouncerServer: Sendable {
    /// The admin console's role (an `admin_users` and `stats_users` entry, not a server role).
    public static let adminRole = "confgate_pooler"
    /// PgBouncer's usual port; nothing can clash in a private socket directory.
    public static let listenPort = 6432

    /// The private directory; gone after `stop()`.
    public let directory: String
    /// The Unix socket directory (the `host` of connections through the pooler).
    public var socketDirectory: String { directory }
    public let port: Int
    /// The `pgbouncer` process id.
    public let pid: Int32
    public let installation: PgBouncerInstallation
    public let options: PgBouncerOptions
    /// Reaches the upstream database as the service role, through the pooler.
    public let serviceTarget: ConnectionTarget
    /// From launching the process to the first `SELECT 1` through it (the readiness probe).
    public let readyAfter: Duration

    private let process: ServerProcess
    private let console: PGConnection
    /// Scrubbed from every log line handed out (belt and braces: PgBouncer does not log it).
    private let adminPassword: String

    private init(
        directory: String, port: Int, pid: Int32, installation: PgBouncerInstallation, options: PgBouncerOptions,
        serviceTarget: ConnectionTarget, readyAfter: Duration, process: ServerProcess, console: PGConnection,
        adminPassword: String
    ) {
        self.directory = directory
        self.port = port
        self.pid = pid
        self.installation = installation
        self.options = options
        self.serviceTarget = serviceTarget
        self.readyAfter = readyAfter
        self.process = process
        self.console = console
        self.adminPassword = adminPassword
    }

    /// Finds PgBouncer, writes its files into a new private directory and starts it in front
    /// of `upstream` (its host, port and database; its user is the service role, its password,
    /// if any, the one PgBouncer logs in upstream with). Throws `.badInput` (exit 2) for
    /// invalid options, `.environment` (exit 3) when PgBouncer is missing or does not become
    /// ready within `options.startTimeout` (with its log's last lines, never the admin password).
    public static func start(
        _ options: PgBouncerOptions, upstream: ConnectionTarget, user: ServerUser?, logger: Logger
    ) async throws(ConfgateError) -> PgBouncerServer {
        try await start(options, upstream: upstream, user: user, adminPassword: newPassword(), logger: logger)
    }

    /// `start(_:upstream:user:logger:)` with a given admin password (tests look for it in
    /// errors and logs).
    package static func start(
        _ options: PgBouncerOptions, upstream: ConnectionTarget, user: ServerUser?, adminPassword: String,
        logger: Logger
    ) async throws(ConfgateError) -> PgBouncerServer {
        let installation = try await PgBouncerInstallation.find(explicit: options.binary)
        let directory = try PrivateDirectory.make(owner: user)
        let config = PgBouncerConfig(
            options: options, upstream: upstream, directory: directory, port: listenPort,
            serviceRole: upstream.user, adminRole: adminRole, adminPassword: adminPassword)
        do throws(ConfgateError) {
            try write(config, owner: user)
        } catch {
            PrivateDirectory.remove(directory)
            throw error
        }
        let process: ServerProcess
        let launched = ContinuousClock.now
        do {
            process = try ServerProcess(
                command: [installation.path, config.iniPath], logFile: config.logPath, removeOnExit: directory,
                stopSignal: installation.stopSignal, user: user, workingDirectory: directory)
        } catch {
            PrivateDirectory.remove(directory)
            throw error
        }
        let service = ConnectionTarget(host: directory, port: listenPort, database: upstream.database, user: upstream.user)
        let admin = ConnectionTarget(
            host: directory, port: listenPort, database: "pgbouncer", user: adminRole, password: config.adminPassword)

        func fail(_ message: String, _ extra: [String]) async -> ConfgateError {
            let exit = await process.stop()
            let tail = exit.logTail.isEmpty ? PrivateDirectory.tail(config.logPath) : exit.logTail
            PrivateDirectory.remove(directory)
            let lines = (extra + (tail.isEmpty ? [] : ["pgbouncer log:"] + tail))
                .map { $0.replacingAll(config.adminPassword, with: "***") }
            return ConfgateError(.environment, message, details: lines)
        }

        let console: PGConnection
        let readyAfter: Duration
        do throws(PgBouncerLauncher.Failure) {
            try await PgBouncerLauncher.waitUntilReady(service: service, process: process, timeout: options.startTimeout)
            readyAfter = ContinuousClock.now - launched
            console = try await PgBouncerLauncher.openConsole(admin)
        } catch {
            throw await fail(error.message, error.details)
        }
        await PgBouncerLauncher.emptyPool(console: console, database: upstream.database, user: upstream.user, logger: logger)
        let pid = (try? String(contentsOfFile: config.pidPath, encoding: .utf8)).flatMap { Int32($0.trimmingSpaces()) } ?? 0
        logger.debug("pgbouncer ready", metadata: [
            "directory": "\(directory)", "pid": "\(pid)", "version": "\(installation.version)"])
        return PgBouncerServer(
            directory: directory, port: listenPort, pid: pid, installation: installation, options: options,
            serviceTarget: service, readyAfter: readyAfter, process: process, console: console,
            adminPassword: config.adminPassword)
    }

    /// Writes the three files, mode 0600, owned by `user` (the one PgBouncer runs as).
    private static func write(_ config: PgBouncerConfig, owner user: ServerUser?) throws(ConfgateError) {
        let files = [(PgBouncerConfig.iniFile, config.ini), (PgBouncerConfig.hbaFile, config.hba),
                     (PgBouncerConfig.authFile, config.authFileText)]
        for (name, text) in files {
            let path = config.directory + "/" + name
            guard FileManager.default.createFile(
                atPath: path, contents: Data(text.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw ConfgateError(.environment, "cannot write \(path)")
            }
            if let user, chown(path, user.uid, user.gid) != 0 {
                throw ConfgateError(.environment, "cannot give \(path) to user \(user.name): \(errnoText())")
            }
        }
    }

    /// 32 hex digits from the system's random source.
    private static func newPassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return (0..<4).map { _ in
            let hex = String(generator.next() as UInt32, radix: 16)
            return String(repeating: "0", count: 8 - hex.count) + hex
        }.joined()
    }

    /// The libpq parameters of one service connection for `settings` through the pooler, and
    /// the session settings that must instead be applied upstream as role defaults (PgBouncer
    /// 1.18 refuses the `options` parameter; see `PooledSessionSettings`).
    public func serviceConnection(for settings: Settings) throws(ConfgateError) -> PooledSessionSettings {
        try PooledSessionSettings.split(
            connectionParameters(dsn: settings.database.dsn, target: serviceTarget, database: settings.database))
    }

    /// Runs an admin console command (`SHOW POOLS`, `SHOW CLIENTS`, `SHOW STATS`, …) on the
    /// held console connection, with the simple query protocol (the only one the console
    /// speaks). One call at a time: a concurrent one fails as busy.
    public func adminQuery(_ command: String) async throws(PGError) -> PGResult {
        try await console.simpleQuery(command)
    }

    /// `SHOW POOLS`, parsed.
    public func showPools() async throws(PGError) -> [PgBouncerPoolRow] {
        let result = try await adminQuery("SHOW POOLS")
        do { return try PgBouncerPoolRow.parse(columns: result.columns, rows: result.rows) } catch {
            throw PGError(.query, sqlState: nil, message: error.description)
        }
    }

    /// Whether the pgbouncer process has ended (stopped, or crashed).
    public var hasExited: Bool { process.hasExited }

    /// Closes the console, stops PgBouncer (dropping its clients) and removes its directory;
    /// waits until both are done. Safe to call more than once.
    /// - Returns: the last lines of PgBouncer's log.
    @discardableResult
    public func stop() async -> [String] {
        await console.close()
        let exit = await process.stop()
        PrivateDirectory.remove(directory)
        return exit.logTail.map { $0.replacingAll(adminPassword, with: "***") }
    }
}

/// Starts PgBouncer in front of `upstream`, runs `body` with it, and stops it on every path
/// (return, throw, cancellation) before returning.
public func withPgBouncer<T: Sendable>(
    _ options: PgBouncerOptions, upstream: ConnectionTarget, user: ServerUser?, logger: Logger,
    _ body: (PgBouncerServer) async throws -> T
) async throws -> T {
    let pooler = try await PgBouncerServer.start(options, upstream: upstream, user: user, logger: logger)
    do {
        let value = try await body(pooler)
        await pooler.stop()
        return value
    } catch {
        await pooler.stop()
        throw error
    }
}
