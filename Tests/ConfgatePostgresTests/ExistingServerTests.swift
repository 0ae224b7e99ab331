import ConfgateCore
import Foundation
import Testing
@testable import ConfgatePostgres

@Suite("--postgres URL: an existing server")
struct ExistingServerTests {
    @Test func trialGetsAFreshDatabaseDroppedAfterwardsAndReportsUnappliedSettings() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { scratch in
            var superuser = scratch.superuserTarget
            superuser.database = "postgres"
            let existing = try ExistingServer(url: superuser.url())
            let asked = Settings.Server(maxConnections: 500, superuserReservedConnections: 3, otherClients: 2)
            let trial = try await existing.prepareTrial(server: asked, users: 50, logger: TestSupport.logger)
            #expect(trial.applied.maxConnections == 20)
            #expect(trial.applied.notes.contains { $0.contains("max_connections is the server's own: 20") })
            #expect(trial.applied.otherClientsHeld == 2)
            #expect(trial.applied.notes.last == "--postgres server: judged against its own max_connections 20 and superuser_reserved_connections 3")
            #expect(trial.postgresVersion.hasSuffix(" (--postgres server)"))
            let conn = try await PGConnection.connect(parameters: trial.serviceTarget.parameters)
            #expect(try await conn.query("SELECT count(*) FROM users").scalar == "50")
            #expect(try await conn.query("SELECT current_user").scalar == "auth")
            await conn.close()
            await trial.finish()
            let admin = try await PGConnection.connect(parameters: superuser.parameters)
            let left = try await admin.query("SELECT count(*) FROM pg_database WHERE datname = $1", [trial.database])
            #expect(left.scalar == "0")
            await admin.close()
        }
    }

    @Test func nonSuperuserURLIsBadInput() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { scratch in
            let existing = try ExistingServer(url: scratch.serviceTarget.url())
            await #expect { try await existing.prepareTrial(server: .init(), users: 50, logger: TestSupport.logger) } throws: {
                ($0 as? ConfgateError)?.kind == .badInput
            }
            return ()
        }
    }

    @Test func urlLibpqRejectsIsBadInput() {
        #expect { try ExistingServer(url: "postgresql://db.internal/auth?no_such_option=1") } throws: {
            ($0 as? ConfgateError)?.kind == .badInput
        }
    }

    @Test func aURLLibpqRejectsNeverShowsItsPassword() {
        #expect { try ExistingServer(url: "postgresql://postgres:Top%ZZSecret@localhost/db") } throws: {
            let e = $0 as? ConfgateError
            return e?.kind == .badInput && e.map { !"\($0)".contains("ZZSecret") && $0.message.hasPrefix("--postgres: ") } == true
        }
    }
}
