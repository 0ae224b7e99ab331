import ConfgateCore
import ConfgatePool
import Foundation
import Logging

/// Runs one side's settings for one trial: a server with its `[server]` section, the
/// fleet with its pools, the load, and the teardown of all of it on every path.
public struct TrialRunner: Sendable {
    /// Where each trial's server comes from.
    public enum ServerSource: Sendable {
        /// A fresh scratch PostgreSQL per trial (the default).
        case scratch(ScratchServer.Options)
        /// `--postgres URL`: a fresh database per trial on an existing server, whose own
        /// `max_connections` and reservations are in force (read back and reported).
        case existing(url: String)
    }

    public var source: ServerSource
    public var logger: Logger
    /// `--pgbouncer-bin`: the PgBouncer a side with `[pooler]` runs; `nil`: searched.
    public var pgbouncerBinary: String?
    /// When run as root, who runs PgBouncer (as for the scratch server; `nil`: `postgres`).
    public var poolerUser: String?
    /// Called with each trial's fleet as soon as it exists (before its pools start) and the
    /// connections it may hold: for watching its pools while the trial runs (`run --listen`).
    public var onFleet: (@Sendable (ServiceFleet, _ usable: Int) -> Void)?

    public init(source: ServerSource, logger: Logger, pgbouncerBinary: String? = nil) {
        self.source = source
        self.logger = logger
        self.pgbouncerBinary = pgbouncerBinary
        if case .scratch(let options) = source { poolerUser = options.pgUser }
    }

    public init(server: ScratchServer.Options, logger: Logger) {
        self.init(source: .scratch(server), logger: logger)
    }

    /// The server of one trial, whichever its source.
    struct TrialServer {
        /// libpq parameters of the fleet's connections: the side's DSN pointed at this server.
        var serviceParameters: [String: String]
        var superuserTarget: ConnectionTarget
        /// Connections the fleet can open, the monitoring connection's slot excluded.
        var usable: Int
        var notes: [String]
        /// The service role's connection to the server (host, port, database), where a pooler
        /// points its upstream.
        var serviceTarget: ConnectionTarget
        /// PgBouncer in front of the server, when the side has `[pooler]`.
        var pooler: PgBouncerServer?
        /// `15.18 (scratch server)`, for the result's provenance.
        var postgresVersion: String
        var hasExited: @Sendable () -> Bool
        /// Stops or releases the server; returns the server log's last lines when it has one.
        var finish: @Sendable () async -> [String]
    }

    /// Runs `settings` under `load` and returns what was measured. Throws
    /// `ConfgateError(.environment)` when the server cannot start or the monitor cannot
    /// connect. Cancellation stops the load early; the result then says `complete: false`.
    public func run(
        _ settings: Settings, load: GateSettings.Load, concurrency: Int? = nil, deploy: Bool? = nil,
        progress: (@Sendable (TimelinePoint, Duration) -> Void)? = nil
    ) async throws(ConfgateError) -> RunResult {
        var server = try await start(settings, users: load.users)
        if let pooler = settings.pooler {
            do throws(ConfgateError) {
                server = try await putPooler(pooler, in: server, settings: settings)
            } catch {
                _ = await server.finish()
                throw error
            }
        }
        do {
            let result = try await measure(settings, load: load, concurrency: concurrency, deploy: deploy,
                                           on: server, progress: progress)
            _ = await server.finish()
            return result
        } catch {
            _ = await server.finish()
            throw error
        }
    }

    private func start(_ settings: Settings, users: Int) async throws(ConfgateError) -> TrialServer {
        switch source {
        case .scratch(var options):
            options.server = settings.server
            // confgate's own monitoring connection (a superuser) takes an ordinary slot when it
            // connects to the empty server; one more slot keeps the fleet's limit exactly what
            // production's would be: max_connections − reserved − other clients.
            options.server.maxConnections += 1
            options.users = users
            let scratch = try await ScratchServer.start(options, logger: logger)
            return TrialServer(
                serviceParameters: scratch.serviceParameters(for: settings), superuserTarget: scratch.superuserTarget,
                usable: scratch.applied.usable - 1, notes: scratch.applied.notes, serviceTarget: scratch.serviceTarget,
                postgresVersion: "\(scratch.installation.version) (scratch server)",
                hasExited: { scratch.hasExited }, finish: { await scratch.stop() })
        case .existing(let url):
            let existing = try await ExistingServer.connect(url: url, logger: logger)
            let trial = try await existing.prepareTrial(server: settings.server, users: users, logger: logger)
            let applied = trial.applied
            var notes = applied.notes
            notes.append("--postgres server: judged against its own max_connections \(applied.maxConnections) and superuser_reserved_connections \(applied.superuserReservedConnections)")
            return TrialServer(
                serviceParameters: trial.serviceParameters(for: settings), superuserTarget: trial.superuserTarget,
                usable: applied.usable - 1, notes: notes, serviceTarget: trial.serviceTarget,
                postgresVersion: "\(existing.serverVersion) (--postgres server)",
                hasExited: { false }, finish: { await trial.finish(); return [] })
        }
    }

    /// Starts PgBouncer with the side's `[pooler]` settings in front of `server` (one process
    /// standing for `instances`, `Settings.Pooler.asOneProcess`): the fleet then
    /// connects through it, its session settings become the service role's defaults upstream
    /// (PgBouncer refuses them in the startup packet), and stopping the trial stops it first.
    private func putPooler(_ pooler: Settings.Pooler, in server: TrialServer, settings: Settings) async throws(ConfgateError) -> TrialServer {
        let user = try ServerUser.resolve(requested: poolerUser)
        let bouncer = try await PgBouncerServer.start(
            PgBouncerOptions(pooler.asOneProcess, binary: pgbouncerBinary), upstream: server.serviceTarget, user: user, logger: logger)
        do throws(ConfgateError) {
            let pooled = try bouncer.serviceConnection(for: settings)
            try await pooled.applyAsRoleDefaults(role: AuthSchema.serviceRole, superuser: server.superuserTarget)
            var fronted = server
            fronted.serviceParameters = pooled.parameters
            fronted.pooler = bouncer
            fronted.notes.append("through PgBouncer \(bouncer.installation.version) (\(pooler.poolMode.rawValue) mode, max_client_conn \(pooler.maxClientConn), default_pool_size \(pooler.defaultPoolSize)); \(pooler.instances == 1 ? "one process" : "one process standing for \(pooler.instances), its limits × \(pooler.instances)")")
            let serverExited = server.hasExited, serverFinish = server.finish
            fronted.hasExited = { serverExited() || bouncer.hasExited }
            fronted.finish = {
                let tail = await bouncer.stop()
                return await serverFinish() + (tail.isEmpty ? [] : ["pgbouncer log:"] + tail)
            }
            return fronted
        } catch {
            await bouncer.stop()
            throw error
        }
    }

    private func measure(
        _ settings: Settings, load: GateSettings.Load, concurrency: Int?, deploy: Bool?, on server: TrialServer,
        progress: (@Sendable (TimelinePoint, Duration) -> Void)?
    ) async throws(ConfgateError) -> RunResult {
        let monitor: PGConnection
        do {
            monitor = try await PGConnection.connect(parameters: server.superuserTarget.parameters
                .merging(["application_name": "confgate-monitor"]) { $1 })
        } catch {
            throw ConfgateError(.environment, "could not open the monitoring connection: \(error)")
        }
        let fleet = ServiceFleet(settings: settings, parameters: server.serviceParameters, dbTime: load.dbTime)
        onFleet?(fleet, server.usable)
        logger.debug("starting fleet", metadata: ["instances": "\(settings.fleet.instances)", "max_size": "\(settings.pool.maxSize)"])
        await fleet.start()

        var deployLoad = load
        deployLoad.deploy = deploy ?? load.deploy
        let surge = VerifyPlan.deployRuns(settings, load: deployLoad)
        let plan = LoadPlan.make(load, deploy: surge)
        let driver = LoadDriver(plan: plan, concurrency: concurrency, requestTimeout: settings.fleet.requestTimeout.duration)
        let serverWatcher = PGServerWatcher(connection: monitor, fleetPrefix: fleet.applicationPrefix)
        let watcher: any ServerWatcher = server.pooler.map { PoolerWatcher(server: serverWatcher, pooler: $0) } ?? serverWatcher
        let observation = await driver.run(target: fleet, watcher: watcher, usable: server.usable, progress: progress)
        await fleet.shutdown()
        await monitor.close()

        var summary = observation.summary
        summary.connectFailures = fleet.connectFailures()
        summary.instancesNotStarted = fleet.instancesNotStarted()
        // What HikariCP would change in [pool] (its clamps): said, but the values run as written.
        summary.notes += fleet.clampNotes().map { "HikariCP would change \($0); confgate ran the value as written" }
        if server.pooler != nil {
            let samples = observation.timeline.compactMap(\.pooler)
            summary.poolerPeakWaiting = samples.map(\.clientWaiting).max() ?? 0
            summary.poolerPeakServerConnections = samples.map(\.serverConnections).max() ?? 0
        }
        summary.notes += server.notes
        if server.hasExited() {
            throw ConfgateError(.environment, "the scratch server or its pooler exited during the trial", details: await server.finish())
        }
        var result = RunResult(settings: settings, load: load, summary: summary, timeline: observation.timeline, latency: observation.latency)
        result.provenance = Provenance(postgres: server.postgresVersion, pgbouncer: server.pooler?.installation.version)
        return result
    }
}

extension TrialRunner: TrialExecutor {
    /// One trial of `verify`: open loop, the load's own deploy.
    public func run(_ settings: Settings, load: GateSettings.Load,
                    progress: (@Sendable (TimelinePoint, Duration) -> Void)?) async throws(ConfgateError) -> RunResult {
        try await run(settings, load: load, concurrency: nil, deploy: nil, progress: progress)
    }
}
