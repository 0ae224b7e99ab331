import ConfgateCore
import Foundation
import Testing
@testable import ConfgatePostgres

/// A trial of a side with `[pooler]`: the fleet reaches the server only through a real
/// PgBouncer, the timeline carries its pool, and the session settings the pooler cannot carry
/// reach the server as the service role's defaults (PgBouncerServerTests shows that part). Against a scratch server and, with
/// `--postgres URL`, an existing one.
@Suite("Trials through PgBouncer", .serialized)
struct PoolerTrialTests {
    private var settings: Settings {
        var pooler = Settings.Pooler()
        pooler.poolMode = .transaction
        pooler.defaultPoolSize = 4
        return Settings(
            database: .init(statementTimeout: .seconds(2)),
            pool: .init(maxSize: 4, acquireTimeout: .seconds(5)),
            fleet: .init(instances: 3, requestTimeout: .seconds(5)),
            server: .init(maxConnections: 40, superuserReservedConnections: 3), pooler: pooler)
    }

    // A rate the 4 server connections serve many times over even on 2 cores shared with every
    // other suite (at 200/s a loaded CI machine timed 84 of 480 logins out waiting for a pool).
    private let load = GateSettings.Load(
        rate: 50, duration: .seconds(2), warmup: .milliseconds(500), spike: nil, deploy: false,
        users: TestSupport.users, badPasswordRatio: 0.05, dbTime: .milliseconds(5), trials: 1, seed: 3)

    private func expectThroughThePooler(_ result: RunResult) {
        let samples = result.timeline.compactMap(\.pooler)
        #expect(!samples.isEmpty)
        // 12 pool connections of the fleet are the pooler's clients; at most 4 reach the server.
        #expect(samples.allSatisfy { $0.serverConnections <= 4 })
        #expect(samples.contains { $0.clientActive + $0.clientWaiting + $0.serverIdle > 0 })
        #expect(result.summary.peakServerConnections <= 4)
        #expect(result.summary.poolerPeakServerConnections.map { $0 >= 1 && $0 <= 4 } == true)
        #expect(result.summary.failures == 0, "\(result.summary.outcomes)")
        #expect(result.summary.notes.contains { $0.hasPrefix("through PgBouncer") })
    }

    @Test func aScratchTrialGoesThroughThePooler() async throws {
        let runner = TrialRunner(server: TestSupport.options(), logger: TestSupport.logger)
        let result = try await runner.run(settings, load: load)
        expectThroughThePooler(result)
    }

    @Test func anExistingServerGetsThePoolerInFrontToo() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { scratch in
            var superuser = scratch.superuserTarget
            superuser.database = "postgres"
            let runner = TrialRunner(source: try ExistingServer(url: superuser.url()), logger: TestSupport.logger)
            let result = try await runner.run(settings, load: load)
            expectThroughThePooler(result)
            // The server behind the pooler is still the one of the URL, judged by its own limits.
            #expect(result.provenance?.postgres?.hasSuffix(" (--postgres server)") == true)
            #expect(result.provenance?.pgbouncer != nil)
            #expect(result.summary.notes.contains { $0.hasPrefix("--postgres server: judged against its own max_connections") })
        }
    }
}
