import Foundation
import Testing

/// The pooler fixtures (`fixtures/pooler/`) verified as a user runs them: each side with
/// `[pooler]` runs through a real PgBouncer in front of a real scratch server, and each
/// verdict names the tier that ran out. In the same serialized suite as the other verify
/// tests, so no two fleets share the machine at once.
extension RunVerifyCommandTests {
    private func pooled(_ proposed: String, _ extra: [String] = []) async throws -> ConfgateRunner.Result {
        try await verify("fixtures/pooler/\(proposed).conf", current: "fixtures/pooler/current.conf", extra)
    }

    @Test func throughThePoolerAHarmlessChangePassesAndTheTimelineHoldsThePoolersPool() async throws {
        // No spike: 1,200 logins/s through one PgBouncer on 2 cores shared with the other
        // suites' servers measures the machine, not the change; 400/s shows the tier works.
        let result = try await pooled("harmless", ["--spike", "off", "--format", "json"])
        expectPassed(result)
        guard result.status == 0 else { return }
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let trial = try #require(((json["proposed"] as? [String: Any])?["trials"] as? [[String: Any]])?.first?["result"] as? [String: Any])
        let timeline = try #require(trial["timeline"] as? [[String: Any]])
        let pooler = timeline.compactMap { $0["pooler"] as? [String: Any] }
        #expect(!pooler.isEmpty, "SHOW POOLS samples in the timeline")
        // The pooler holds at most its pool of 21 server connections; the fleet never reaches the server itself.
        #expect(pooler.allSatisfy { (($0["serverActive"] as? Int) ?? 0) + (($0["serverIdle"] as? Int) ?? 0) <= 21 })
        let summary = try #require(trial["summary"] as? [String: Any])
        #expect(((summary["notes"] as? [String]) ?? []).contains { $0.hasPrefix("through PgBouncer ") })
        #expect((summary["peakServerConnections"] as? Int ?? 0) <= 21)
    }

    @Test func theDeployOverflowIsRefusedByThePoolersClientLimit() async throws {
        let result = try await pooled("deploy-overflow")
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("CG117"))
        // The trial's own evidence, beside the rule: PgBouncer refused the surge instances' connections.
        #expect(result.stdout.contains("refused by the pooler (max_client_conn 110)"), "\(result.stdout)")
        #expect(result.stdout.contains("deploy demand 120 > pooler client capacity 110"))
    }

    @Test func aPoolerPoolTooSmallForTheRateFailsLoginsAndSaysWhereTheyWaited() async throws {
        let result = try await pooled("small-pool")
        #expect(result.status == 1 || driverFellBehind(result), "\(result.stdout)\n\(result.stderr)")
        guard result.status == 1 else { return }
        #expect(headline(result.stdout).hasPrefix("BLOCKED: exhaustion"), "\(result.stdout)")
        #expect(result.stdout.contains("clients waiting for its 2 server connections"), "\(result.stdout)")
    }

    /// PgBouncer fills its pool of 60 towards `min_pool_size` one connection per maintenance
    /// pass while clients are connected, and the server holds it at 47: the rule blocks for
    /// sure; the trial shows the pooler opening past the current side's 20, and when it got
    /// to 47 within the trial (it does in about 3 s here), the server's limit as evidence.
    @Test func serverPoolsAboveUsableFillTheServerThroughThePooler() async throws {
        let result = try await pooled("server-overflow", ["--duration", "6s", "--spike", "3x for 4s", "--format", "json"])
        #expect(result.status == 1, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let reasons = ((json["verdict"] as? [String: Any])?["reasons"] as? [[String: Any]]) ?? []
        let messages = reasons.compactMap { $0["message"] as? String }
        #expect(messages.contains { $0.contains("CG118 pooler server connections 1 pooler × (60 default_pool_size + 0 reserve_pool_size) = 60 > usable 47") },
                "\(messages)")
        let trial = try #require(((json["proposed"] as? [String: Any])?["trials"] as? [[String: Any]])?.first?["result"] as? [String: Any])
        let peak = try #require((trial["summary"] as? [String: Any])?["peakServerConnections"] as? Int)
        #expect(peak > 21 && peak <= 47, "the pooler opened \(peak) server connections")
        if peak == 47 {
            #expect(messages.contains { $0.contains("reached the usable limit") }, "\(messages)")
            let evidence = reasons.flatMap { ($0["evidence"] as? [String]) ?? [] }
            #expect(evidence.contains("pooler server connections 60 > usable 47"), "\(evidence)")
        }
    }

    @Test func aMissingPgBouncerIsExitThreeWithTheInstallCommand() async throws {
        let result = try await confgate(["run", "--settings", "fixtures/pooler/current.conf", "--pgbouncer-bin", "/nonexistent/pgbouncer"] + Self.short)
        #expect(result.status == 3, "\(result.stderr)")
        #expect(result.stderr.contains("apt-get install pgbouncer"))
    }
}
