import ConfgateCore
import ConfgatePostgres
import Foundation
import Logging

/// `confgate postgres --bench-pgbouncer`: how long a trial's PgBouncer takes to start in
/// front of a running scratch server, over repeated starts. Not a test. PgBouncer is found
/// as `PgBouncerInstallation.find()` does without `--pgbouncer-bin` (`PATH`, then Debian's
/// `/usr/sbin/pgbouncer`).
public enum PgBouncerBenchmark {
    public static func run(
        runs: Int, users: Int, pgBindir: String?, pgUser: String?, logger: Logger
    ) async throws(ConfgateError) -> ScratchBenchmark.Report {
        let installation = try await PgBouncerInstallation.find()
        let user = try ServerUser.resolve(requested: pgUser)
        let server = try await ScratchServer.start(
            .init(users: users, pgBindir: pgBindir, pgUser: pgUser), logger: logger)
        var ready = ScratchBenchmark.Figure(name: "launch → first SELECT 1 through pgbouncer", samples: [])
        var start = ScratchBenchmark.Figure(name: "start() total (find, files, console, empty pool)", samples: [])
        var stop = ScratchBenchmark.Figure(name: "stop → pgbouncer gone, directory removed", samples: [])
        do throws(ConfgateError) {
            for _ in 0..<runs {
                let t0 = ContinuousClock.now
                let pooler = try await PgBouncerServer.start(
                    .init(binary: installation.path), upstream: server.serviceTarget, user: user, logger: logger)
                start.samples.append(ms(ContinuousClock.now - t0))
                ready.samples.append(ms(pooler.readyAfter))
                let t1 = ContinuousClock.now
                await pooler.stop()
                stop.samples.append(ms(ContinuousClock.now - t1))
            }
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
        let header = "confgate PgBouncer start-up benchmark: PgBouncer \(installation.version) (\(installation.path)) in front of PostgreSQL \(server.installation.version), \(runs) starts, \(ProcessInfo.processInfo.activeProcessorCount) cores, as \(user?.name ?? "current user")"
        return ScratchBenchmark.Report(header: header, figures: [ready, start, stop])
    }

    private static func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
