import ConfgateCore
import Foundation
import Logging
import Synchronization

/// A throwaway PostgreSQL for one trial (issue #4): a copy of the seeded template in a
/// private `cg-XXXXXX` directory (under `/dev/shm` when it is a roomy tmpfs, else `/tmp`), started directly with the trial's `[server]`
/// settings, durability off, listening on a Unix socket in that directory only.
///
/// Teardown is always the watchdog's (`ServerProcess`): `stop()` closes confgate's end of the
/// watchdog's socket, and so does confgate's death (even SIGKILL); either way the watchdog
/// stops postgres (SIGQUIT: immediate shutdown, nothing of a scratch server is worth saving)
/// and removes the directory. When confgate runs as root, postgres and the watchdog run as
/// `ServerUser` (PostgreSQL refuses root).
///
/// Prefer `withScratchServer(_:logger:_:)`, which stops the server on every path.
public final class ScratchServer: Sendable {
    /// What to start.
    public struct Options: Sendable {
        /// The `[server]` settings under test. Default: PostgreSQL's defaults.
        public var server: Settings.Server
        /// Seeded users in the template. Default 10,000.
        public var users: Int
        /// `--pg-bindir`: where `postgres` and `initdb` are. Default: searched.
        public var pgBindir: String?
        /// `--pg-user`: who runs postgres when confgate is root. Default `postgres`.
        public var pgUser: String?
        /// Template cache root. Default `$XDG_CACHE_HOME/confgate` or `~/.cache/confgate`.
        public var cacheDirectory: String?
        /// Also listen on TCP `127.0.0.1:tcpPort`. Default: no TCP listener.
        public var tcpPort: Int?
        /// Further `-c name=value` server settings.
        public var extraSettings: [String: String]
        /// How long start-up may take before it is an environment failure. Default 60 s.
        public var startTimeout: Duration
        /// Slots added to `max_connections` for confgate's own superuser connections (its
        /// monitor takes an ordinary slot on an empty server), so that the service role keeps
        /// exactly what `server` gives it: they are not counted into the role limit that models
        /// `reserved_connections` on PostgreSQL 15. Default 0.
        public var monitorSlots = 0

        public init(
            server: Settings.Server = .init(), users: Int = 10_000, pgBindir: String? = nil,
            pgUser: String? = nil, cacheDirectory: String? = nil, tcpPort: Int? = nil,
            extraSettings: [String: String] = [:], startTimeout: Duration = .seconds(60)
        ) {
            self.server = server
            self.users = users
            self.pgBindir = pgBindir
            self.pgUser = pgUser
            self.cacheDirectory = cacheDirectory
            self.tcpPort = tcpPort
            self.extraSettings = extraSettings
            self.startTimeout = startTimeout
        }
    }

    /// The private directory (socket, `data/`, `server.log`); gone after `stop()`.
    public let directory: String
    /// The Unix socket directory (the `host` of every connection).
    public let socketDirectory: String
    public let port: Int
    /// The TCP port on 127.0.0.1, when asked for one.
    public let tcpPort: Int?
    /// The postmaster's process id.
    public let postmasterPID: Int32
    public let installation: PostgresInstallation
    /// The settings in force, read back from the server.
    public let applied: AppliedServerSettings
    /// Where the service (non-superuser `auth`) connects.
    public let serviceTarget: ConnectionTarget
    /// Where the superuser `confgate` connects (setup, monitoring).
    public let superuserTarget: ConnectionTarget

    private let process: ServerProcess
    private let held: Mutex<[PGConnection]>

    private init(
        directory: String, port: Int, tcpPort: Int?, postmasterPID: Int32, installation: PostgresInstallation,
        applied: AppliedServerSettings, process: ServerProcess, held: [PGConnection]
    ) {
        self.directory = directory
        self.socketDirectory = directory
        self.port = port
        self.tcpPort = tcpPort
        self.postmasterPID = postmasterPID
        self.installation = installation
        self.applied = applied
        self.process = process
        self.held = Mutex(held)
        serviceTarget = ConnectionTarget(host: directory, port: port, database: AuthSchema.database, user: AuthSchema.serviceRole)
        superuserTarget = ConnectionTarget(host: directory, port: port, database: AuthSchema.database, user: AuthSchema.superuserRole)
    }

    /// Finds PostgreSQL, makes sure the template exists, and starts a server from a copy of
    /// it. Throws `.environment` (exit 3) when PostgreSQL is missing or fails to start (with
    /// the server log's last lines), `.badInput` (exit 2) for impossible settings.
    public static func start(_ options: Options, logger: Logger) async throws(ConfgateError) -> ScratchServer {
        let s = options.server
        if s.superuserReservedConnections + s.reservedConnections >= s.maxConnections {
            // PostgreSQL 16 refuses this combination at start-up; say so before any work, on 15 too.
            throw ConfgateError(.badInput, "superuser_reserved_connections (\(s.superuserReservedConnections)) + reserved_connections (\(s.reservedConnections)) must be less than max_connections (\(s.maxConnections))")
        }
        let installation = try await PostgresInstallation.find(pgBindir: options.pgBindir)
        let user = try ServerUser.resolve(requested: options.pgUser)
        sweepOnce

        let template = try await TemplateCache(directory: options.cacheDirectory)
            .template(installation: installation, users: options.users, owner: user, logger: logger)
        return try await start(options, installation: installation, user: user, template: template.path, logger: logger)
    }

    /// Removes leftovers of killed confgate processes, once per process.
    private static let sweepOnce: Void = PrivateDirectory.sweepLeftovers()

    /// Starts a server from an existing template archive.
    package static func start(
        _ options: Options, installation: PostgresInstallation, user: ServerUser?, template: String, logger: Logger,
        onUnpacked: () -> Void = {}
    ) async throws(ConfgateError) -> ScratchServer {
        let s = options.server
        var settings: [(String, String)] = [
            ("max_connections", String(s.maxConnections + options.monitorSlots)),
            ("superuser_reserved_connections", String(s.superuserReservedConnections)),
        ]
        let modelReserved = !installation.hasReservedConnections && s.reservedConnections > 0
        if installation.hasReservedConnections {
            settings.append(("reserved_connections", String(s.reservedConnections)))
        }
        settings += options.extraSettings.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }

        var lastFailure: ConfgateError?
        for attempt in 1...3 {
            let directory = try PrivateDirectory.make(owner: user)
            let data = directory + "/data"
            do throws(ConfgateError) {
                try await PrivateDirectory.unpack(template, to: data, owner: user)
            } catch {
                PrivateDirectory.remove(directory)
                throw error
            }
            onUnpacked()
            let port = options.tcpPort.map { $0 == 0 ? Int.random(in: 20_000...60_000) : $0 } ?? 5432
            let command = ServerLauncher.arguments(
                installation: installation, dataDirectory: data, socketDirectory: directory, port: port,
                tcp: options.tcpPort == nil ? nil : "127.0.0.1", settings: settings)
            let launch: ServerLauncher.Launch
            do {
                launch = try await ServerLauncher.launch(
                    command: command, directory: directory, dataDirectory: data, socketDirectory: directory,
                    port: port, database: AuthSchema.database, removeOnExit: true, stopSignal: "QUIT",
                    user: user, timeout: options.startTimeout, logger: logger)
            } catch {
                PrivateDirectory.remove(directory)
                lastFailure = error.error
                if error.isClash && attempt < 3 {
                    logger.warning("scratch server start clashed; retrying", metadata: ["attempt": "\(attempt)"])
                    continue
                }
                throw error.error
            }
            do throws(ConfgateError) {
                let pid = readPostmasterPID(data) ?? 0
                let (applied, held) = try await configure(
                    launch.admin, server: s, monitorSlots: options.monitorSlots, modelReserved: modelReserved, installation: installation,
                    directory: directory, port: port, postmasterPID: pid)
                return ScratchServer(
                    directory: directory, port: port, tcpPort: options.tcpPort == nil ? nil : port, postmasterPID: pid,
                    installation: installation, applied: applied, process: launch.process, held: held)
            } catch {
                await launch.admin.close()
                await launch.process.stop()
                PrivateDirectory.remove(directory)
                throw error
            }
        }
        throw lastFailure ?? ConfgateError(.environment, "PostgreSQL did not start")
    }

    /// Applies what the command line cannot (the role limit modelling `reserved_connections`
    /// on 15), opens the `other_clients` connections, and reads the settings back. The role
    /// limit is production's (`s`, without the monitor's slots): the monitor is a superuser,
    /// which the limit does not count.
    private static func configure(
        _ admin: PGConnection, server s: Settings.Server, monitorSlots: Int, modelReserved: Bool,
        installation: PostgresInstallation, directory: String, port: Int, postmasterPID: Int32
    ) async throws(ConfgateError) -> (AppliedServerSettings, [PGConnection]) {
        var roleLimit: Int?
        if modelReserved {
            let limit = s.maxConnections - s.superuserReservedConnections - s.reservedConnections
            do {
                try await admin.execute("ALTER ROLE \(AuthSchema.serviceRole) CONNECTION LIMIT \(limit)")
            } catch {
                throw ConfgateError(.environment, "cannot model reserved_connections: \(error)")
            }
            roleLimit = limit
        }
        var started = s
        started.maxConnections += monitorSlots
        var applied = try await AppliedServerSettings.readBack(admin, asked: started, major: installation.major, roleLimit: roleLimit)

        // PostgreSQL counts every backend against max_connections, a superuser's too: the
        // admin connection (and the readiness probes) must be gone before the trial, or they
        // would take slots from the service. A backend releases its slot as its process exits.
        await admin.close()
        await BackendWatch.waitUntilGone(postmaster: postmasterPID, role: AuthSchema.superuserRole)

        let service = ConnectionTarget(host: directory, port: port, database: AuthSchema.database, user: AuthSchema.serviceRole)
        let (held, note) = await OtherClients.open(s.otherClients, parameters: service.parameters)
        applied.record(otherClientsHeld: held.count, note: note)
        return (applied, held)
    }

    private static func readPostmasterPID(_ data: String) -> Int32? {
        guard let text = try? String(contentsOfFile: data + "/postmaster.pid", encoding: .utf8) else { return nil }
        return text.split(separator: "\n").first.flatMap { Int32($0) }
    }

    /// The libpq parameters of one service connection for `settings`: its DSN's session
    /// parameters pointed at this server as `auth`, with its timeouts applied (see
    /// `connectionParameters(dsn:target:database:)`).
    public func serviceParameters(for settings: Settings) -> [String: String] {
        connectionParameters(dsn: settings.database.dsn, target: serviceTarget, database: settings.database)
    }

    /// Whether the server process has ended (stopped, or crashed).
    public var hasExited: Bool { process.hasExited }

    /// Closes the `other_clients` connections, stops the server and removes its directory; waits
    /// until both are done. Safe to call more than once.
    /// - Returns: the last lines of the server's log.
    @discardableResult
    public func stop() async -> [String] {
        let connections = held.withLock { c in defer { c = [] }; return c }
        await withTaskGroup(of: Void.self) { group in
            for connection in connections { group.addTask { await connection.close() } }
        }
        let exit = await process.stop()
        // The watchdog removed it; this only matters if the watchdog could not run.
        PrivateDirectory.remove(directory)
        return exit.logTail
    }
}

extension ScratchServer: TrialServer {
    public var postgresVersion: String { "\(installation.version) (scratch server)" }

    /// `stop()`.
    @discardableResult
    public func finish() async -> [String] { await stop() }
}

/// A scratch server per trial (the default source): these options with the trial's `[server]`
/// section and seeded users.
extension ScratchServer.Options: ServerSource {
    public func startTrial(_ settings: Settings, users: Int, logger: Logger) async throws(ConfgateError) -> any TrialServer {
        var options = self
        options.server = settings.server
        // confgate's own monitoring connection (a superuser) takes an ordinary slot when it
        // connects to the empty server (`TrialRunner` counts it out of `usable`); one more slot
        // keeps the fleet's limit exactly what production's would be: max_connections −
        // reserved − other clients.
        options.monitorSlots = 1
        options.users = users
        return try await ScratchServer.start(options, logger: logger)
    }
}

/// Starts a scratch server, runs `body` with it, and stops it on every path (return, throw,
/// cancellation) before returning — the scoped form tests and commands should use.
public func withScratchServer<T: Sendable>(
    _ options: ScratchServer.Options, logger: Logger,
    _ body: (ScratchServer) async throws -> T
) async throws -> T {
    let server = try await ScratchServer.start(options, logger: logger)
    do {
        let value = try await body(server)
        await server.stop()
        return value
    } catch {
        await server.stop()
        throw error
    }
}
