import Testing
@testable import ConfgateCore

/// The verdict names the tier that ran out: a pooler's refusals are their own outcomes, and
/// one round of them is proof, like the server's 53300.
@Suite("Verdict: the pooler tier")
struct PoolerVerdictTests {
    /// 10 × 10 (12 × 10 in a deploy) behind a pooler with max_client_conn 110; usable 47.
    private var derived: Derived {
        var pooler = Settings.Pooler()
        pooler.maxClientConn = 110
        return Derived(Settings(pool: .init(maxSize: 10), fleet: .init(instances: 10, maxSurge: 2),
                                server: .init(maxConnections: 50), pooler: pooler))
    }

    private func run(refusedInDeploy: Int = 0, connectRefusals: Int = 0) -> RunSummary {
        var outcomes = [OutcomeTally(outcome: .ok, count: 1000, byPhase: [.steady: 1000], firstAt: 0)]
        if refusedInDeploy > 0 {
            outcomes.append(OutcomeTally(outcome: Outcome(.poolerRefused, sqlState: "08P01"), count: refusedInDeploy,
                                         byPhase: [.deploy: refusedInDeploy], firstAt: 6_000_000))
        }
        var summary = RunSummary(scheduled: 1000, completed: 1000, outcomes: outcomes,
                                 latency: .init(count: 1000, p50: 8_000, p99: 20_000), peakServerConnections: 20, usable: 47)
        if connectRefusals > 0 { summary.connectFailures = ["max_client_conn": connectRefusals] }
        return summary
    }

    @Test("logins refused by the pooler during the deploy block, with the client-side arithmetic")
    func refusalsBlock() {
        let judge = VerdictJudge(gate: .init(), deployRan: true)
        let proposed = VerdictJudge.Side(derived: derived, runs: [run(refusedInDeploy: 812, connectRefusals: 20)])
        let v = judge.judge(current: nil, proposed: proposed)
        #expect(v.decision == .blocked)
        let message = v.reasons.first?.message ?? ""
        #expect(message.hasPrefix("812 logins refused by the pooler (max_client_conn 110) during the deploy"))
        #expect(message.hasSuffix("; deploy demand 120 > pooler client capacity 110"))
        #expect(message.contains("pooler_refused 08P01 ×812"))
    }

    @Test("a pooler's connection refusals alone, with every login served, still block in one round")
    func connectRefusalsAreProof() {
        let judge = VerdictJudge(gate: .init(), deployRan: true)
        let v = judge.judge(current: nil, proposed: VerdictJudge.Side(derived: derived, runs: [run(connectRefusals: 3)]))
        #expect(v.decision == .blocked)
        #expect(v.reasons.first?.message.hasPrefix("3 pool connection attempts refused by the pooler") == true)
        #expect(judge.judge(current: nil, proposed: VerdictJudge.Side(derived: derived, runs: [run()])).decision == .pass)
    }

    @Test("PgBouncer's messages are told apart though they share 08P01")
    func recognise() {
        #expect(PoolerRefusal.recognise("FATAL:  no more connections allowed (max_client_conn)") == .maxClientConn)
        #expect(PoolerRefusal.recognise("ERROR: query_wait_timeout") == .queryWaitTimeout)
        #expect(PoolerRefusal.recognise("server login has been failing, try again later (server_login_retry)") == .serverLoginRetry)
        #expect(PoolerRefusal.recognise("FATAL: sorry, too many clients already") == nil)
        #expect(PoolerRefusal.queryWaitTimeout.outcome == .poolerTimeout && PoolerRefusal.maxClientConn.outcome == .poolerRefused)
    }
}
