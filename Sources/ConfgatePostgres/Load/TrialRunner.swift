import ConfgateCore
import Foundation
import Logging

/// Runs one side's settings for one trial: a scratch server with its `[server]` section,
/// the fleet with its pools, the load, and the teardown of all of it on every path.
public struct TrialRunner: Sendable {
    public var server: ScratchServer.Options
    public var logger: Logger

    public init(server: ScratchServer.Options, logger: Logger) {
        self.server = server
        self.logger = logger
    }

    /// Runs `settings` under `load` and returns what was measured. Throws
    /// `ConfgateError(.environment)` when the server cannot start or the monitor cannot
    /// connect. Cancellation stops the load early; the result then says `complete: false`.
    public func run(
        _ settings: Settings, load: GateSettings.Load, concurrency: Int? = nil, deploy: Bool? = nil,
        progress: (@Sendable (TimelinePoint, Duration) -> Void)? = nil
    ) async throws(ConfgateError) -> RunResult {
        var options = server
        options.server = settings.server
        // confgate's own monitoring connection (a superuser) takes an ordinary slot when it
        // connects to the empty server; one more slot keeps the fleet's limit exactly what
        // production's would be: max_connections − reserved − other clients.
        options.server.maxConnections += 1
        options.users = load.users
        let scratch = try await ScratchServer.start(options, logger: logger)
        do {
            let result = try await measure(settings, load: load, concurrency: concurrency, deploy: deploy,
                                           on: scratch, progress: progress)
            await scratch.stop()
            return result
        } catch {
            await scratch.stop()
            throw error
        }
    }

    private func measure(
        _ settings: Settings, load: GateSettings.Load, concurrency: Int?, deploy: Bool?, on scratch: ScratchServer,
        progress: (@Sendable (TimelinePoint, Duration) -> Void)?
    ) async throws(ConfgateError) -> RunResult {
        let monitor: PGConnection
        do {
            monitor = try await PGConnection.connect(parameters: scratch.superuserTarget.parameters
                .merging(["application_name": "confgate-monitor"]) { $1 })
        } catch {
            throw ConfgateError(.environment, "could not open the monitoring connection: \(error)")
        }
        let parameters = connectionParameters(dsn: settings.database.dsn, target: scratch.serviceTarget, database: settings.database)
        let fleet = Fleet(settings: settings, parameters: parameters, dbTime: load.dbTime)
        logger.debug("starting fleet", metadata: ["instances": "\(settings.fleet.instances)", "max_size": "\(settings.pool.maxSize)"])
        await fleet.start()

        let surge = settings.fleet.maxSurge > 0 && (deploy ?? load.deploy)
        let plan = LoadPlan.make(load, deploy: surge)
        let driver = LoadDriver(plan: plan, concurrency: concurrency, requestTimeout: settings.fleet.requestTimeout.duration)
        let watcher = PGServerWatcher(connection: monitor, fleetPrefix: fleet.applicationPrefix)
        let usable = scratch.applied.usable - 1
        let observation = await driver.run(target: fleet, watcher: watcher, usable: usable, progress: progress)
        await fleet.shutdown()
        await monitor.close()

        var summary = observation.summary
        summary.connectFailures = fleet.connectFailures()
        summary.notes += scratch.applied.notes
        if scratch.hasExited {
            throw ConfgateError(.environment, "the scratch server exited during the trial", details: Self.logTail(scratch))
        }
        return RunResult(settings: settings, load: load, summary: summary, timeline: observation.timeline, latency: observation.latency)
    }

    /// The server log's last lines, to explain a crash.
    static func logTail(_ scratch: ScratchServer, lines: Int = 10) -> [String] {
        guard let text = try? String(contentsOfFile: scratch.directory + "/server.log", encoding: .utf8) else { return [] }
        return text.split(separator: "\n").suffix(lines).map(String.init)
    }
}
