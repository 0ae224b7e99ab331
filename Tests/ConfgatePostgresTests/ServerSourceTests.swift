import ConfgateCore
import Logging
import Synchronization
import Testing
@testable import ConfgatePostgres

/// A trial's server that is no server: its targets lead nowhere, and it counts `finish()`.
private final class FakeServer: TrialServer {
    let finished = Atomic<Int>(0)
    let serviceTarget = ConnectionTarget(host: "/nonexistent/confgate-test", port: 5432, database: "auth", user: "auth")
    let superuserTarget = ConnectionTarget(host: "/nonexistent/confgate-test", port: 5432, database: "auth", user: "confgate")
    let applied = AppliedServerSettings(maxConnections: 20, superuserReservedConnections: 3, reservedConnections: 0)
    let postgresVersion = "16 (fake)"
    var hasExited: Bool { false }
    func serviceParameters(for settings: Settings) -> [String: String] { serviceTarget.parameters }
    func finish() async -> [String] {
        finished.add(1, ordering: .relaxed)
        return ["fake log line"]
    }
}

/// Hands out one `FakeServer` for every trial.
private struct FakeSource: ServerSource {
    let server = FakeServer()
    func startTrial(_ settings: Settings, users: Int, logger: Logger) async throws(ConfgateError) -> any TrialServer { server }
}

/// The server side of a trial without a real server: what the sources hand `TrialRunner`,
/// and that a server is finished on every path. (Real servers: ScratchServerTests,
/// ExistingServerTests, PoolerTrialTests.)
@Suite struct ServerSourceTests {
    private let load = GateSettings.Load(
        rate: 10, duration: .seconds(1), warmup: .milliseconds(0), spike: nil, deploy: false, users: 10,
        badPasswordRatio: 0, dbTime: .milliseconds(0), trials: 1, seed: 1)

    @Test func aSideWithoutPoolerGetsTheServerBehindThePoolerAsItIs() async throws {
        let source = FakeSource()
        let front = PgBouncerFront(upstream: source, binary: "/nonexistent/pgbouncer")
        let server = try await front.startTrial(Settings(), users: 10, logger: TestSupport.logger)
        #expect((server as? FakeServer) === source.server)
        #expect(server.pooler == nil)
        #expect(source.server.finished.load(ordering: .relaxed) == 0)
    }

    @Test func aPoolerThatCannotStartFinishesTheServerBehindIt() async {
        let source = FakeSource()
        let front = PgBouncerFront(upstream: source, binary: "/nonexistent/pgbouncer")
        var settings = Settings()
        settings.pooler = Settings.Pooler()
        await #expect { try await front.startTrial(settings, users: 10, logger: TestSupport.logger) } throws: {
            ($0 as? ConfgateError)?.kind == .environment && "\($0)".contains("--pgbouncer-bin /nonexistent/pgbouncer")
        }
        #expect(source.server.finished.load(ordering: .relaxed) == 1)
    }

    @Test func aTrialThatFailsFinishesItsServer() async {
        let source = FakeSource()
        let runner = TrialRunner(source: source, logger: TestSupport.logger)
        await #expect { try await runner.run(Settings(), load: load) } throws: {
            ($0 as? ConfgateError)?.kind == .environment && ($0 as? ConfgateError)?.message.contains("monitoring connection") == true
        }
        #expect(source.server.finished.load(ordering: .relaxed) == 1)
    }
}
