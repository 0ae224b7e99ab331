import ConfgateCore
import Synchronization
import Testing
@testable import ConfgatePostgres

/// A login target with no server: answers at once and counts what it was asked.
final class FakeTarget: LoginTarget {
    let calls = Mutex<(logins: Int, surges: Int, retires: Int, users: [Int])>((0, 0, 0, []))

    let offLoop = Atomic<Int>(0)

    func login(user: Int, badPassword: Bool) async -> Outcome {
        if EventLoop.current == nil { offLoop.add(1, ordering: .relaxed) }
        calls.withLock { $0.logins += 1; $0.users.append(user) }
        await Task.yield()
        return badPassword ? .badPassword : .ok
    }
    func poolSamples() -> [PoolSample] { [PoolSample(instance: "fake-1", active: 0, idle: 1, pending: 0, total: 1)] }
    func startSurge() async { calls.withLock { $0.surges += 1 } }
    func retireOld() async { calls.withLock { $0.retires += 1 } }
}

struct FakeWatcher: ServerWatcher {
    func sample() async throws -> ServerObservation {
        ServerObservation(samples: [ServerSample(application: "auth-service-1", state: "idle", count: 7)], clientConnections: 7,
                          pooler: PoolerSample(clientActive: 3, clientWaiting: 2, serverActive: 3, serverIdle: 1))
    }
}

@Suite struct LoadDriverTests {
    let load = GateSettings.Load(rate: 300, duration: .milliseconds(800), warmup: .milliseconds(200),
                                 spike: nil, deploy: true, users: 50, badPasswordRatio: 0.2, seed: 5)

    @Test func openLoopRunsEveryScheduledLoginAndRecordsOutcomes() async {
        let plan = LoadPlan.make(load)
        let target = FakeTarget()
        let driver = LoadDriver(plan: plan, requestTimeout: .seconds(30))
        let result = await driver.run(target: target, watcher: FakeWatcher(), usable: 92)
        let s = result.summary
        #expect(s.scheduled == plan.arrivals.count)
        #expect(s.completed == plan.arrivals.count)
        #expect(s.count(.ok) == plan.arrivals.filter { !$0.badPassword }.count)
        #expect(s.count(.badPassword) == plan.arrivals.filter(\.badPassword).count)
        #expect(s.failures == 0)
        #expect(s.latency.count == plan.arrivals.filter { $0.phase != .warmup }.count)
        #expect(s.complete)
        #expect(s.peakServerConnections == 7)
        #expect(s.usable == 92)
        #expect(target.calls.withLock { $0.users } .sorted() == plan.arrivals.map(\.user).sorted())
        #expect(target.calls.withLock { ($0.surges, $0.retires) } == (1, 1))
        #expect(target.offLoop.load(ordering: .relaxed) == 0, "every login runs on an event loop")
        #expect(!result.timeline.isEmpty)
        #expect(result.timeline.reduce(0) { $0 + $1.started } <= s.scheduled)
        #expect(result.timeline.allSatisfy { $0.pools.count == 1 })
        // The pooler's pool, as the watcher saw it, reaches the timeline with the server's.
        #expect(result.timeline.contains { $0.pooler?.clientWaiting == 2 && $0.serverConnections == 7 })
        #expect(result.timeline.allSatisfy { ($0.pooler == nil) == $0.server.isEmpty })
    }

    @Test func slowerThanRequestTimeoutCountsAsRequestTimeout() async {
        var plan = LoadPlan.make(load, deploy: false)
        plan.arrivals = Array(plan.arrivals.prefix(20))
        let driver = LoadDriver(plan: plan, requestTimeout: .zero)
        let s = await driver.run(target: FakeTarget(), watcher: nil, usable: 10).summary
        #expect(s.count(.requestTimeout) == 20)
        #expect(s.failures == 20)
    }

    @Test func closedLoopKeepsCallersBusyUntilTheEnd() async {
        let plan = LoadPlan.make(load, deploy: false)
        let target = FakeTarget()
        let driver = LoadDriver(plan: plan, concurrency: 4, requestTimeout: .seconds(30))
        let s = await driver.run(target: target, watcher: nil, usable: 10).summary
        #expect(s.completed == target.calls.withLock { $0.logins })
        #expect(s.completed >= 4)
        #expect(s.scheduled == s.completed)
        #expect(target.offLoop.load(ordering: .relaxed) == 0, "every caller runs on an event loop")
    }

    @Test func cancellationStopsTheRunAndMarksItIncomplete() async {
        var long = load
        long.duration = .seconds(600)
        let plan = LoadPlan.make(long, deploy: false)
        let target = FakeTarget()
        let task = Task { await LoadDriver(plan: plan, requestTimeout: .seconds(30)).run(target: target, watcher: nil, usable: 10) }
        // Wait until some logins ran, then cancel (as Ctrl-C does).
        while target.calls.withLock({ $0.logins }) < 10 { await Task.yield() }
        task.cancel()
        let s = await task.value.summary
        #expect(!s.complete)
        #expect(s.completed < plan.arrivals.count)
        #expect(s.notes.contains { $0.contains("interrupted") })
    }
}
