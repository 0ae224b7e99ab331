import ConfgateCore
import ConfgatePool
import Foundation
import Logging

/// Runs one side's settings for one trial: a server from its `ServerSource` (PgBouncer in
/// front for a side with `[pooler]`), the fleet with its pools, the load, and the teardown of
/// all of it on every path.
public struct TrialRunner: Sendable {
    /// Where each trial's server comes from: the source given, wrapped in a `PgBouncerFront`
    /// so that a side with `[pooler]` gets PgBouncer in front of it.
    public let source: any ServerSource
    public var logger: Logger
    /// Called with each trial's fleet as soon as it exists (before its pools start) and the
    /// connections it may hold: for watching its pools while the trial runs (`run --listen`).
    public var onFleet: (@Sendable (ServiceFleet, _ usable: Int) -> Void)?

    /// - Parameters:
    ///   - source: where each trial's PostgreSQL comes from (`ScratchServer.Options`, `ExistingServer`).
    ///   - pgbouncerBinary: `--pgbouncer-bin`: the PgBouncer a side with `[pooler]` runs; `nil`: searched.
    ///   - poolerUser: when run as root, who runs PgBouncer (`--pg-user`; `nil`: `postgres`).
    public init(source: any ServerSource, logger: Logger, pgbouncerBinary: String? = nil, poolerUser: String? = nil) {
        self.source = PgBouncerFront(upstream: source, binary: pgbouncerBinary, user: poolerUser)
        self.logger = logger
    }

    /// A scratch server per trial, started with `server` (its `[server]` and `users` replaced by each trial's).
    public init(server: ScratchServer.Options, logger: Logger) {
        self.init(source: server, logger: logger, poolerUser: server.pgUser)
    }

    /// Runs `settings` under `load` and returns what was measured. Throws
    /// `ConfgateError(.environment)` when the server cannot start or the monitor cannot
    /// connect. Cancellation stops the load early; the result then says `complete: false`.
    public func run(
        _ settings: Settings, load: GateSettings.Load, concurrency: Int? = nil, deploy: Bool? = nil,
        progress: (@Sendable (TimelinePoint, Duration) -> Void)? = nil
    ) async throws(ConfgateError) -> RunResult {
        let server = try await source.startTrial(settings, users: load.users, logger: logger)
        do {
            let result = try await measure(settings, load: load, concurrency: concurrency, deploy: deploy,
                                           on: server, progress: progress)
            await server.finish()
            return result
        } catch {
            await server.finish()
            throw error
        }
    }

    private func measure(
        _ settings: Settings, load: GateSettings.Load, concurrency: Int?, deploy: Bool?, on server: any TrialServer,
        progress: (@Sendable (TimelinePoint, Duration) -> Void)?
    ) async throws(ConfgateError) -> RunResult {
        let monitor: PGConnection
        do {
            monitor = try await PGConnection.connect(parameters: server.superuserTarget.parameters
                .merging(["application_name": "confgate-monitor"]) { $1 })
        } catch {
            throw ConfgateError(.environment, "could not open the monitoring connection: \(error)")
        }
        // The monitoring connection takes one of the server's slots for the whole trial.
        let usable = server.applied.usable - 1
        let fleet = ServiceFleet(settings: settings, parameters: server.serviceParameters(for: settings), dbTime: load.dbTime,
                                 hold: load.calibrationHold)
        onFleet?(fleet, usable)
        logger.debug("starting fleet", metadata: ["instances": "\(settings.fleet.instances)", "max_size": "\(settings.pool.maxSize)"])
        await fleet.start()

        var deployLoad = load
        deployLoad.deploy = deploy ?? load.deploy
        let surge = VerifyPlan.deployRuns(settings, load: deployLoad)
        let plan = LoadPlan.make(load, deploy: surge)
        let driver = LoadDriver(plan: plan, concurrency: concurrency, requestTimeout: settings.fleet.requestTimeout.duration)
        let serverWatcher = PGServerWatcher(connection: monitor, fleetPrefix: fleet.applicationPrefix)
        let watcher: any ServerWatcher = server.pooler.map { PoolerWatcher(server: serverWatcher, pooler: $0) } ?? serverWatcher
        let observation = await driver.run(target: fleet, watcher: watcher, usable: usable, progress: progress)
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
        summary.notes += server.applied.notes
        if server.hasExited {
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
