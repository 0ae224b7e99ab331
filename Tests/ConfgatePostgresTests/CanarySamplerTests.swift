import ConfgateCore
import Testing
@testable import ConfgatePostgres

/// The canary's sampler on a real scratch server (max_connections 20, 3 reserved: usable 17).
@Suite("canary sampler (real PostgreSQL)")
struct CanarySamplerTests {
    @Test func theMonitoringSessionCannotWrite() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { scratch in
            let monitor = try await CanarySampler.connectMonitor(CanarySampler.monitorParameters(url: scratch.superuserTarget.url()))
            await #expect { try await monitor.execute("CREATE TABLE canary_wrote_here (x int)") } throws: {
                ($0 as? PGError)?.sqlState == "25006"  // read_only_sql_transaction
            }
            #expect(try await monitor.query("SHOW default_transaction_read_only").scalar == "on")
            await monitor.close()
        }
    }

    @Test func aFullServerShowsAtUsableAndRefusesTheProbe() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { scratch in
            var fleet: [PGConnection] = []
            var service = scratch.serviceTarget.parameters
            service["application_name"] = "auth-service-1"
            // 16 service connections and the canary's own monitoring connection: 17 = usable.
            for _ in 0..<16 { fleet.append(try await PGConnection.connect(parameters: service)) }
            let monitor = try CanarySampler.monitorParameters(url: scratch.superuserTarget.url())
            let dsn = try DSNParser.parse("postgresql://auth@db.internal/auth")
            let sampler = CanarySampler(monitor: monitor, probe: try CanarySampler.probeParameters(url: nil, dsn: dsn, monitor: monitor),
                                        interval: .milliseconds(20), duration: .milliseconds(300), probeInterval: .milliseconds(100))
            let record = try await sampler.watch()
            for c in fleet { await c.close() }
            #expect(record.role == "confgate" && record.privileged)
            #expect(record.limits.first?.usable == 17)
            #expect(record.samples.count >= 2)
            #expect(record.samples.allSatisfy { $0.connections(application: "auth-service") == 16 })
            #expect(record.samples.allSatisfy { $0.clientConnections >= 17 })
            #expect(!record.probes.isEmpty && record.probes.allSatisfy { $0.outcome == .refused && $0.sqlState == "53300" })
            #expect(record.probeRole == "auth")
            let result = CanaryResult(file: "t.conf", settings: Settings(), server: "scratch", interval: 0.02, duration: 0.3,
                                      criteria: .init(minSamples: 2, applications: ["auth-service"]), record: record)
            #expect(result.verdict.decision == .blocked)
        }
    }

    @Test func aRoleWithoutPgMonitorIsToldItCannotSeeOtherSessions() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { scratch in
            let other = try await PGConnection.connect(parameters: scratch.superuserTarget.parameters)
            let sampler = CanarySampler(monitor: try CanarySampler.monitorParameters(url: scratch.serviceTarget.url()), probe: nil,
                                        interval: .milliseconds(20), duration: .milliseconds(100))
            let record = try await sampler.watch()
            await other.close()
            #expect(record.role == "auth" && !record.privileged)
            #expect(record.probeRole == nil)
            // The superuser's session is counted although its state is hidden.
            #expect(record.samples.allSatisfy { $0.clientConnections >= 2 })
        }
    }

    @Test func anUnreachableServerIsAnEnvironmentError() async throws {
        let sampler = CanarySampler(monitor: try CanarySampler.monitorParameters(url: "postgresql://nobody@127.0.0.1:1/x"), probe: nil,
                                    interval: .milliseconds(20), duration: .milliseconds(100))
        await #expect { try await sampler.watch() } throws: { ($0 as? ConfgateError)?.kind == .environment }
    }
}
