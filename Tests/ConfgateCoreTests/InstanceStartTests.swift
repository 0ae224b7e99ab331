import Testing
@testable import ConfgateCore

/// An instance whose pool could not start (HikariCP's fail-fast start): its settings keys,
/// how it reads, and that the verdict blocks on it — a fleet that cannot start all its
/// instances exhausts the server as surely as one whose logins fail.
@Suite("Instances that did not start")
struct InstanceStartTests {
    @Test("start_failure and fleet.start: defaults crash and one_by_one; other words are exit 2 at the value")
    func settings() throws {
        let defaults = try SettingsFile.parse("[pool]\nmax_size = 5\n", file: "a.conf")
        #expect(defaults.pool.effectiveStartFailure == .crash && defaults.fleet.effectiveStart == .oneByOne)
        let set = try SettingsFile.parse("[pool]\nstart_failure = serve\n[fleet]\nstart = together\n", file: "a.conf")
        #expect(set.pool.startFailure == .serve && set.fleet.start == .together)
        #expect {
            _ = try SettingsFile.parse("[fleet]\nstart = all_at_once\n", file: "b.conf")
        } throws: { error in
            let e = error as? ConfgateError
            return e?.kind == .badInput && e?.location == SourceLocation(file: "b.conf", line: 2, column: 9)
                && e?.message.contains("one of one_by_one, together") == true
        }
    }

    @Test("what a reader is told: the instance, why its first connection failed, what it means")
    func sentences() {
        #expect(InstanceStartFailure(instance: "auth-service-6", when: .start, reason: "53300").sentence
            == "auth-service-6 did not start: its first connection was refused (53300); on Kubernetes it crash-loops and takes no traffic")
        #expect(InstanceStartFailure(instance: "auth-service-8", when: .deploy, reason: "max_client_conn").sentence
            == "surge instance auth-service-8 never became ready: its first connection was refused by the pooler (max_client_conn); the rolling deploy stalls while the old instances serve")
    }

    private func run(notStarted: [InstanceStartFailure]? = nil) -> RunSummary {
        var summary = RunSummary(scheduled: 1000, completed: 1000,
                                 outcomes: [OutcomeTally(outcome: .ok, count: 1000, byPhase: [.steady: 1000], firstAt: 0)],
                                 latency: .init(count: 1000, p50: 8_000, p99: 20_000), peakServerConnections: 80, usable: 97)
        summary.instancesNotStarted = notStarted
        return summary
    }

    @Test("no failed login, below the limit, one instance down: blocked, and early stop may end the run")
    func blocks() {
        let judge = VerdictJudge(gate: .init(), deployRan: false)
        let derived = Derived(Settings(pool: .init(maxSize: 20), fleet: .init(instances: 6)))
        let down = [InstanceStartFailure(instance: "auth-service-6", when: .start, reason: "53300")]
        let v = judge.judge(current: nil, proposed: .init(derived: derived, runs: [run(notStarted: down)]))
        #expect(v.decision == .blocked)
        #expect(v.reasons.first?.message.hasPrefix("auth-service-6 did not start: its first connection was refused (53300)") == true)
        #expect(judge.judge(current: nil, proposed: .init(derived: Derived(Settings()), runs: [run()])).decision == .pass)

        let trial = { (summary: RunSummary) in
            VerifyResult.Trial(round: 1, ranFirst: true,
                               result: RunResult(settings: Settings(), load: .init(), summary: summary, timeline: [], latency: .init(buckets: [])))
        }
        let stop = EarlyStop.conclusive(current: trial(run()), proposed: trial(run(notStarted: down)), gate: .init())
        #expect(stop?.hasPrefix("auth-service-6 of the proposed side did not start in round 1") == true)
        #expect(EarlyStop.conclusive(current: trial(run(notStarted: down)), proposed: trial(run(notStarted: down)), gate: .init()) == nil)
    }
}
