import Foundation
import Testing
@testable import ConfgateCore

/// Every canary rule on hand-made samples: no server.
@Suite struct CanaryJudgeTests {
    /// 6 instances × pool 15 = 90 declared against max_connections 100 − 3 = 97 usable.
    func settings(instances: Int = 6, maxSize: Int = 15, surge: Int = 0) -> Settings {
        Settings(pool: .init(maxSize: maxSize), fleet: .init(instances: instances, maxSurge: surge),
                 server: .init(maxConnections: 100, superuserReservedConnections: 3))
    }

    let limits = ServerLimits(at: 0, maxConnections: 100, superuserReservedConnections: 3)

    /// `count` samples 1 s apart, the fleet `auth-service-N` holding `fleet(i)` connections
    /// and the canary itself one.
    func record(_ count: Int = 60, probes: [ProbeResult]? = nil, fleet: (Int) -> Int = { _ in 80 }) -> CanaryRecord {
        let samples = (0..<count).map { i in
            CanarySample(at: Double(i), groups: [
                ConnectionGroup(database: "auth", user: "auth", application: "auth-service-1", state: "idle", count: fleet(i)),
                ConnectionGroup(database: "postgres", user: "monitor", application: "confgate-canary", state: "active", count: 1),
            ])
        }
        let p = probes ?? stride(from: 0, to: count, by: 5).map { ProbeResult(at: Double($0), outcome: .ok) }
        return CanaryRecord(samples: samples, limits: [limits], probes: p, role: "monitor", privileged: true, probeRole: "auth")
    }

    func judge(_ record: CanaryRecord, settings: Settings? = nil, criteria: CanaryCriteria = .init(applications: ["auth-service"])) -> CanaryResult {
        CanaryResult(file: "fleet.conf", settings: settings ?? self.settings(), server: "host=db", interval: 1, duration: 60,
                     criteria: criteria, record: record)
    }

    @Test func aQuietFleetWithinItsBudgetPasses() {
        let r = judge(record())
        #expect(r.verdict.decision == .pass)
        #expect(r.exitCode == 0)
        #expect(r.headline == "PASS: peak 81 of 97 usable connections (84%), 12 probes admitted, none refused, 60 samples over 59 s")
        #expect(r.budget.minHeadroom == 16)
        #expect(r.budget.applications.first?.peak == 80)
        #expect(r.budget.applications.first?.steadyBudget == 90)
    }

    @Test func connectionsAtUsableBlockWithTheArithmetic() {
        let r = judge(record { $0 == 30 ? 96 : 80 })
        #expect(r.verdict.decision == .blocked)
        #expect(r.exitCode == 1)
        #expect(r.headline == "BLOCKED: exhaustion — connections reached usable: 97 of 97 at 30 s (usable = max_connections 100 − superuser_reserved 3)")
    }

    @Test func oneBelowUsableDoesNotBlock() {
        let r = judge(record { $0 == 30 ? 95 : 80 }, criteria: .init(applications: ["auth-service"]))
        #expect(r.verdict.decision == .passWithWarnings)  // 96 > 90% of 97 for an instant
        #expect(r.verdict.reasons.isEmpty)
    }

    @Test func aRefusedProbeBlocksEvenBetweenSamplesAtUsable() {
        var probes = stride(from: 0, to: 60, by: 5).map { ProbeResult(at: Double($0), outcome: .ok) }
        probes[3] = ProbeResult(at: 15, outcome: .refused, sqlState: "53300", message: "FATAL:  53300: sorry, too many clients already")
        let r = judge(record(probes: probes))
        #expect(r.verdict.decision == .blocked)
        #expect(r.headline.hasPrefix("BLOCKED: exhaustion — the server refused 1 of 12 probe connections as auth (53300), first at 15 s"))
        #expect(r.verdict.reasons.first?.evidence == ["FATAL:  53300: sorry, too many clients already"])
    }

    @Test func utilizationAboveTheGateLongerThanSustainedBlocks() {
        // 88 + 1 = 89 of 97 is 92% > 90%, from sample 10 to sample 45: 35 s.
        let high = record { (10...45).contains($0) ? 88 : 70 }
        let blocked = judge(high, criteria: .init(sustained: 30, applications: ["auth-service"]))
        #expect(blocked.verdict.decision == .blocked)
        #expect(blocked.verdict.reasons.first?.kind == .utilization)
        #expect(blocked.verdict.reasons.first?.message == "utilization above 90% of usable for 35 s (from 10 s to 45 s; limit 30 s), peak 92%")
        let warned = judge(high, criteria: .init(sustained: 120, applications: ["auth-service"]))
        #expect(warned.verdict.decision == .passWithWarnings)
        #expect(warned.verdict.warnings.first?.message == "utilization above 90% of usable for 35 s (blocks at 2min), peak 92%")
    }

    @Test func aStretchBrokenByOneLowSampleStartsAgain() {
        let r = judge(record { (10...30).contains($0) && $0 != 20 ? 88 : 70 }, criteria: .init(sustained: 15, applications: ["auth-service"]))
        #expect(r.verdict.decision == .passWithWarnings)
        #expect(r.budget.longestAbove?.seconds == 9)  // 10…19 and 21…30
    }

    @Test func declaredDemandAboveUsableBlocksWithoutAnyObservation() {
        let r = judge(record(), settings: settings(maxSize: 20))
        #expect(r.verdict.decision == .blocked)
        #expect(r.headline == "BLOCKED: exhaustion — declared steady demand 120 > usable 97 (max_connections 100 − superuser_reserved 3)")
        let deploy = judge(record(), settings: settings(surge: 2))
        #expect(deploy.verdict.reasons.first?.message == "declared deploy demand 120 > usable 97 (max_connections 100 − superuser_reserved 3)")
    }

    @Test func usableFollowsTheLiveServerNotTheSettings() {
        var rec = record()
        rec.limits = [ServerLimits(at: 0, maxConnections: 90, superuserReservedConnections: 3, reservedConnections: 2)]
        let r = judge(rec)
        #expect(r.budget.usable == 85)
        #expect(r.headline == "BLOCKED: exhaustion — declared steady demand 90 > usable 85 (max_connections 90 − superuser_reserved 3 − reserved 2)")
    }

    @Test func limitsReadLaterApplyFromThenOn() {
        var rec = record { $0 >= 40 ? 90 : 80 }
        rec.limits = [limits, ServerLimits(at: 40, maxConnections: 200, superuserReservedConnections: 3)]
        let r = judge(rec)
        #expect(r.budget.reachedUsable == nil)  // 91 against 197 after the raise
        #expect(r.budget.usable == 197)
    }

    @Test func aRoleAtItsOwnConnectionLimitBlocks() {
        var rec = record()
        rec.limits = [ServerLimits(at: 0, maxConnections: 100, superuserReservedConnections: 3, roleLimits: ["auth": 80])]
        let r = judge(rec)
        #expect(r.verdict.decision == .blocked)
        #expect(r.verdict.reasons.map(\.message).contains("role auth reached its CONNECTION LIMIT: 80 of 80 sessions"))
    }

    /// The monitoring role's own session fills a CONNECTION LIMIT of 1, and that refuses
    /// none of the fleet's logins; the service role at its limit still blocks.
    @Test func theCanarysOwnSessionDoesNotFillItsRolesLimit() {
        var rec = record()
        rec.limits = [ServerLimits(at: 0, maxConnections: 100, superuserReservedConnections: 3, roleLimits: ["monitor": 1])]
        #expect(judge(rec).verdict.decision == .pass)
        rec.limits = [ServerLimits(at: 0, maxConnections: 100, superuserReservedConnections: 3, roleLimits: ["monitor": 1, "auth": 80])]
        #expect(judge(rec).verdict.reasons.map(\.message) == ["role auth reached its CONNECTION LIMIT: 80 of 80 sessions"])
    }

    @Test func fewerThanFiftySamplesIsInconclusive() {
        let r = judge(record(49))
        #expect(r.verdict.decision == .inconclusive)
        #expect(r.exitCode == 3)
        #expect(r.headline == "INCONCLUSIVE: only 49 samples over 48 s (need 50): lengthen --duration or shorten --interval")
        #expect(judge(record(50)).verdict.decision == .pass)
    }

    @Test func anApplicationThatNeverAppearedIsInconclusive() {
        let r = judge(record(), criteria: .init(applications: ["billing"]))
        #expect(r.verdict.decision == .inconclusive)
        #expect(r.headline.hasPrefix("INCONCLUSIVE: application billing never appeared in pg_stat_activity in 60 samples"))
    }

    @Test func blockingEvidenceWinsOverMissingData() {
        let r = judge(record(10) { _ in 96 })
        #expect(r.verdict.decision == .blocked)
        #expect(r.verdict.reasons.map(\.kind) == [.exhaustion, .environment])
    }

    @Test func aProbeThatNeverConnectedIsInconclusive() {
        let failed = (0..<12).map { ProbeResult(at: Double($0 * 5), outcome: .failed, sqlState: "28P01", message: "password authentication failed") }
        let r = judge(record(probes: failed))
        #expect(r.verdict.decision == .inconclusive)
        #expect(r.headline.contains("the refusal probe never connected as auth (28P01: password authentication failed)"))
    }

    @Test func interruptionAndALostConnectionAreInconclusive() {
        var rec = record()
        rec.interrupted = true
        #expect(judge(rec).headline == "INCONCLUSIVE: interrupted after 59 s (60 samples): the watch was cut short")
        rec.interrupted = false
        rec.failure = "the monitoring connection was lost at 59 s"
        #expect(judge(rec).verdict.decision == .inconclusive)
    }

    @Test func noProbeAndNoPrivilegeAreWarnings() {
        var rec = record(probes: [])
        rec.probeRole = nil
        rec.privileged = false
        let r = judge(rec)
        #expect(r.verdict.decision == .passWithWarnings)
        #expect(r.verdict.warnings.map(\.message).contains { $0.hasPrefix("role monitor cannot see other sessions' details") })
        #expect(r.verdict.warnings.map(\.message).contains { $0.hasPrefix("no refusal probe ran") })
    }

    @Test func moreThanTheDeclaredBudgetIsAWarning() {
        let r = judge(record { _ in 92 }, settings: settings(instances: 6, maxSize: 15))
        // 93 of 97 for the whole run is above 90% for 59 s: below the 2 min default.
        #expect(r.verdict.warnings.map(\.message).contains("auth-service held 92 connections, more than its declared budget 90: the settings are not what runs"))
    }

    @Test func trendIsTheSlopePerMinute() {
        let r = judge(record { 60 + $0 / 3 })
        let trend = r.budget.trendPerMinute ?? 0
        #expect(abs(trend - 20) < 0.5, "\(trend)")
    }

    @Test func hiddenSessionsStillHoldSlots() {
        let hidden = ConnectionGroup(user: "auth", application: "auth-service-2", state: "", backendType: "", count: 5)
        let worker = ConnectionGroup(backendType: "autovacuum worker", count: 3)
        #expect(CanarySample(at: 0, groups: [hidden, worker]).clientConnections == 5)
    }

    @Test func durationFlagsTakeMinutesAsM() throws {
        #expect(try CanaryCriteria.duration("10m", flag: "duration") == .minutes(10))
        #expect(try CanaryCriteria.duration("500ms", flag: "interval") == .milliseconds(500))
        #expect(try CanaryCriteria.duration("2min", flag: "sustained") == .minutes(2))
        #expect(throws: ConfgateError.self) { try CanaryCriteria.duration("10", flag: "duration") }
    }

    @Test func everyFormatLeadsWithTheVerdict() throws {
        let r = judge(record { $0 == 30 ? 96 : 80 })
        #expect(CanaryFormat.text.render(r).hasPrefix("BLOCKED: exhaustion"))
        #expect(CanaryFormat.markdown.render(r).hasPrefix("### ⛔ BLOCKED: exhaustion"))
        #expect(CanaryFormat.junit.render(r).contains("failures=\"1\""))
        let html = CanaryFormat.html.render(r)
        #expect(html.contains("<svg") && !html.contains("<script"))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(CanaryFormat.json.render(r).utf8)) as? [String: Any])
        #expect(json["kind"] as? String == "canary")
        #expect((json["verdict"] as? [String: Any])?["decision"] as? String == "blocked")
        #expect((json["record"] as? [String: Any]).flatMap { $0["samples"] as? [Any] }?.count == 60)
    }

    @Test func theSnapshotGivesLiveFigures() {
        let s = CanarySnapshot(record(), settings: settings(), criteria: .init(applications: ["auth-service"]))
        #expect(s.samples == 60 && s.clientConnections == 81 && s.usable == 97 && s.headroom == 16)
        #expect(s.steadyDemand == 90 && s.refusals == 0 && s.decision == .pass)
    }
}
