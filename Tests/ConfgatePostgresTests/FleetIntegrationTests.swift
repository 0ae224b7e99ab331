import ConfgateCore
import ConfgatePool
import Foundation
import Testing
@testable import ConfgatePostgres

/// The test auth service, its pool and the fleet against a real scratch server (issue #5).
///
/// Serialized: each test runs a fleet, and two fleets at once on this 2-core machine make
/// each other's logins (and the load driver) lag. Every assertion is about counts and
/// outcomes; where a test must hold connections busy beyond a timeout it uses `db_time`
/// (`pg_sleep` on the server) three times longer than that timeout, so the ordering is
/// decided by the server, not by how fast this machine happens to be.
@Suite("Fleet and auth service (real PostgreSQL)", .serialized)
struct FleetIntegrationTests {
    /// The libpq parameters of the fleet's connections, with their own application_name.
    private func parameters(_ server: ScratchServer, _ settings: Settings, application: String) -> [String: String] {
        var p = connectionParameters(dsn: nil, target: server.serviceTarget, database: settings.database)
        p["application_name"] = application
        return p
    }

    /// Runs `count` logins at once and returns their outcomes.
    private func concurrentLogins(_ count: Int, _ login: @escaping @Sendable (Int) async -> Outcome) async -> [Outcome] {
        await withTaskGroup(of: Outcome.self) { group in
            for i in 0..<count { group.addTask { await login(i % TestSupport.users + 1) } }
            var outcomes: [Outcome] = []
            for await outcome in group { outcomes.append(outcome) }
            return outcomes
        }
    }

    /// Polls `condition` until it holds or `deadline` passes; returns whether it held.
    private func eventually(within deadline: Duration = .seconds(10), _ condition: () async throws -> Bool) async rethrows -> Bool {
        let end = ContinuousClock.now + deadline
        while ContinuousClock.now < end {
            if try await condition() { return true }
            try? await Task.sleep(for: .milliseconds(50))
        }
        return try await condition()
    }

    // MARK: Exhaustion

    /// 3 instances × pool 6 = 18 against usable 17: the instance started last gets 5, its
    /// sixth connection is refused with 53300, logins that wait for it fail as
    /// `connect_failed 53300`, and the superuser still gets in to watch.
    @Test func fleetBeyondUsableGets53300WhileTheMonitorStillConnects() async throws {
        let settings = Settings(
            pool: .init(maxSize: 6, acquireTimeout: .milliseconds(100)),
            fleet: .init(instances: 3),
            server: .init(maxConnections: 20, superuserReservedConnections: 3))
        try await withScratchServer(TestSupport.options(settings.server), logger: TestSupport.logger) { server in
            #expect(server.applied.usable == 17)
            let fleet = ServiceFleet(settings: settings, parameters: parameters(server, settings, application: "exhaust"),
                              dbTime: .milliseconds(300))
            await fleet.start()
            // Sequential start: the first two instances fill their pools, the third is left short.
            #expect(fleet.poolSamples().map(\.total) == [6, 6, 5])
            #expect(fleet.connectFailures()["53300", default: 0] > 0)

            // The server is full for the service role, but the monitoring superuser gets in.
            await #expect { try await PGConnection.connect(parameters: server.serviceTarget.parameters) } throws: {
                ($0 as? PGError)?.sqlState == "53300"
            }
            let monitor = try await PGConnection.connect(
                parameters: server.superuserTarget.parameters.merging(["application_name": "test-monitor"]) { $1 })
            let held = try await monitor.query(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'exhaust-%'").scalar
            #expect(held == "17")

            // 8 logins per instance (round robin), each holding its connection for 300 ms,
            // three times the acquire timeout: those left waiting time out. On the third
            // instance the pool's last connection error was the refusal, so they carry 53300.
            let outcomes = await concurrentLogins(24) { user in await fleet.login(user: user, badPassword: false) }
            let refused = outcomes.filter { $0 == Outcome(.connectFailed, sqlState: "53300") }.count
            #expect(refused >= 1 && refused <= 3, "the short instance's waiters: \(outcomes)")
            #expect(outcomes.allSatisfy { [.ok, .poolTimeout, .connectFailed].contains($0.kind) })
            #expect(outcomes.filter { $0.kind == .connectFailed }.allSatisfy { $0.sqlState == "53300" })
            #expect(outcomes.filter { $0 == .ok }.count >= 17, "every held connection served a login")

            let stillHeld = try await monitor.query(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'exhaust-%'").scalar
            #expect(stillHeld == "17", "the fleet never held more than usable")
            await monitor.close()
            await fleet.shutdown()
        }
    }

    // MARK: Pool rules against the server

    /// One connection, eight callers, each login holding it 300 ms: the callers that waited
    /// give up after the 100 ms acquire timeout as `pool_timeout`, without a SQLSTATE.
    @Test func contentionBeyondThePoolGivesPoolTimeout() async throws {
        let settings = Settings(pool: .init(maxSize: 1, acquireTimeout: .milliseconds(100)))
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let service = AuthService(name: "contended-1", settings: settings,
                                      parameters: parameters(server, settings, application: "contended"),
                                      dbTime: .milliseconds(300))
            service.start()
            await service.warm()
            let outcomes = await concurrentLogins(8) { user in await service.login(user: user, badPassword: false) }
            let timeouts = outcomes.filter { $0.kind == .poolTimeout }
            #expect(timeouts.count >= 1)
            #expect(timeouts.allSatisfy { $0.sqlState == nil })
            #expect(outcomes.filter { $0 == .ok }.count >= 1)
            #expect(outcomes.allSatisfy { $0 == .ok || $0.kind == .poolTimeout }, "\(outcomes)")
            let metrics = service.pool.metrics()
            #expect(metrics.acquireTimeouts == timeouts.count, "each pool_timeout is an acquire timeout of the pool")
            #expect(metrics.totalConnectFailures == 0)
            #expect(metrics.slots <= 1)
            await service.stop()
        }
    }

    /// statement_timeout 10 ms, 50 ms of server time per login: every login fails as
    /// `query_failed 57014`, and the connection is kept (a query error does not break it).
    @Test func statementTimeoutGivesQueryFailed57014() async throws {
        let settings = Settings(database: .init(statementTimeout: .milliseconds(10)), pool: .init(maxSize: 2))
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let service = AuthService(name: "slowquery-1", settings: settings,
                                      parameters: parameters(server, settings, application: "slowquery"),
                                      dbTime: .milliseconds(50))
            service.start()
            await service.warm()
            var outcomes: [Outcome] = []
            for user in 1...4 { outcomes.append(await service.login(user: user, badPassword: user == 4)) }
            #expect(outcomes == Array(repeating: Outcome(.queryFailed, sqlState: "57014"), count: 4))
            let metrics = service.pool.metrics()
            #expect(metrics.closed[.broken, default: 0] == 0)
            #expect(metrics.total == 2)
            await service.stop()
        }
    }

    /// max_lifetime 1 s: the pools retire their connections and open new ones, so the
    /// backend pids the server shows for them change, and the pools count lifetime closes.
    @Test func shortMaxLifetimeRecyclesConnections() async throws {
        let settings = Settings(pool: .init(maxSize: 2, maxLifetime: .seconds(1)))
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let services = (1...2).map { i in
                AuthService(name: "recycled-\(i)", settings: settings,
                            parameters: parameters(server, settings, application: "recycled"), dbTime: .milliseconds(0))
            }
            for s in services { s.start() }
            for s in services { await s.warm() }
            let monitor = try await PGConnection.connect(
                parameters: server.superuserTarget.parameters.merging(["application_name": "test-monitor"]) { $1 })
            func pids() async throws -> Set<String> {
                Set(try await monitor.query(
                    "SELECT pid FROM pg_stat_activity WHERE application_name LIKE 'recycled-%'").rows.compactMap { $0[0] })
            }
            let first = try await pids()
            #expect(first.count == 4)

            var seen = first
            var logins: [Outcome] = []
            let recycled = try await eventually(within: .seconds(15)) {
                // Keep the service in use while the lifetimes run out.
                let n = logins.count
                let outcome = await services[n % 2].login(user: n % TestSupport.users + 1, badPassword: false)
                logins.append(outcome)
                let now = try await pids()
                seen.formUnion(now)
                let lifetimeCloses = services.reduce(0) { $0 + $1.pool.metrics().closed[.lifetime, default: 0] }
                return !now.isSubset(of: first) && first.contains { !now.contains($0) } && lifetimeCloses > 0
            }
            #expect(recycled, "pids first \(first.sorted()), seen \(seen.sorted())")
            #expect(seen.count > first.count)
            let lifetimeCloses = services.reduce(0) { $0 + $1.pool.metrics().closed[.lifetime, default: 0] }
            #expect(lifetimeCloses > 0)
            #expect(services.allSatisfy { $0.pool.metrics().closed[.broken, default: 0] == 0 })
            #expect(logins.allSatisfy { $0 == .ok }, "retiring never happens under a caller: \(Set(logins))")
            await monitor.close()
            for s in services { await s.stop() }
        }
    }

    // MARK: The fleet's connection budget, through the trial runner

    /// Overloaded on purpose (600 logins/s against 3 × 4 connections holding 20 ms each), the
    /// pools grow from min_idle 1 to their limit and requests queue; at every 100 ms point of
    /// the timeline the server shows at most instances × max_size connections of the fleet.
    @Test func serverConnectionsByApplicationNeverExceedInstancesTimesMaxSize() async throws {
        let settings = Settings(
            pool: .init(maxSize: 4, minIdle: 1, acquireTimeout: .milliseconds(500)),
            fleet: .init(instances: 3, requestTimeout: .seconds(5)),
            server: .init(maxConnections: 40, superuserReservedConnections: 3))
        let load = GateSettings.Load(
            rate: 600, duration: .seconds(2), warmup: .milliseconds(500), spike: nil, deploy: false,
            users: TestSupport.users, badPasswordRatio: 0.05, dbTime: .milliseconds(20), trials: 1, seed: 7)
        let runner = TrialRunner(server: TestSupport.options(), logger: TestSupport.logger)
        let result = try await runner.run(settings, load: load)

        let limit = settings.fleet.instances * settings.pool.maxSize
        let prefix = "auth-service-"
        #expect(result.timeline.count >= 10)
        var highest = 0
        for point in result.timeline {
            let fleet = point.server.filter { $0.application.hasPrefix(prefix) }.reduce(0) { $0 + $1.count }
            #expect(fleet <= limit, "at \(point.at) ms: \(point.server)")
            #expect(point.serverConnections <= limit)
            #expect(point.pools.allSatisfy { $0.total <= settings.pool.maxSize })
            highest = max(highest, fleet)
        }
        #expect(result.summary.peakServerConnections <= limit)
        // Not vacuous: the pools did grow past min_idle, and requests did queue.
        #expect(highest > settings.fleet.instances * settings.pool.effectiveMinIdle)
        #expect(result.summary.peakPending > 0)
        #expect(result.summary.count(.connectFailed) == 0)
        #expect(result.summary.completed == result.summary.scheduled)
    }
}
