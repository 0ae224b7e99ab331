@testable import ConfgatePool
import Testing

/// Many concurrent callers against the real async shell: acquires, releases,
/// broken connections, acquire timeouts and failed attempts all at once.
@Suite(.timeLimit(.minutes(1))) struct ConnectionPoolConcurrencyTests {
    enum Outcome: Sendable { case served, timedOut }

    @Test func concurrentChurnNeverExceedsMaxSizeAndResolvesEveryCaller() async throws {
        let clock = TestClock()
        let factory = MockFactory(mode: .failEvery(4, MockConnectError(sqlState: "53300")))
        let configuration = PoolConfiguration(
            maxSize: 3, minIdle: 1, acquireTimeout: .milliseconds(200), idleTimeout: .milliseconds(300),
            maxLifetime: .seconds(1), connectBackoffInitial: .milliseconds(10), connectBackoffMax: .milliseconds(100),
            maxConcurrentOpens: 2)
        let pool = ConnectionPool(configuration: configuration, factory: factory, clock: clock)
        let runner = Task { await pool.run() }

        // Time moves forward whenever some timer waits, so back-offs, timeouts,
        // idle and lifetime timers all fire during the churn.
        let ticker = Task {
            while !Task.isCancelled {
                await clock.waitForSleepers(atLeast: 1)
                if Task.isCancelled { break }
                clock.advance(by: .milliseconds(25))
                await Task.yield()
            }
        }

        let workers = 8, iterations = 150
        let outcomes = try await withThrowingTaskGroup(of: [Outcome].self) { group in
            for worker in 0..<workers {
                group.addTask {
                    var outcomes: [Outcome] = []
                    for iteration in 0..<iterations {
                        do {
                            let lease = try await pool.lease()
                            if iteration % 3 == 0 {
                                // Hold it across clock ticks, so that others wait and some time out.
                                try await clock.sleep(for: .milliseconds(150))
                            } else {
                                await Task.yield()
                            }
                            lease.release(broken: (worker + iteration) % 10 == 0)
                            outcomes.append(.served)
                        } catch let error as PoolError where error.isAcquireTimeout {
                            outcomes.append(.timedOut)
                        }
                    }
                    return outcomes
                }
            }
            return try await group.reduce(into: []) { $0 += $1 }
        }
        ticker.cancel()
        clock.stopWaiting()
        await ticker.value
        await pool.shutdown()
        await runner.value

        let metrics = pool.metrics()
        #expect(outcomes.count == workers * iterations, "every caller resolved")
        #expect(metrics.acquires == outcomes.filter { $0 == .served }.count)
        #expect(metrics.acquireTimeouts == outcomes.filter { $0 == .timedOut }.count)
        #expect(factory.peakLive <= configuration.maxSize, "never more than maxSize connections, attempts included")
        #expect(factory.closed.count == factory.opened, "every connection closed exactly once")
        #expect(Set(factory.closed).count == factory.closed.count)
        #expect(metrics.closed[.broken, default: 0] > 0)
        #expect(metrics.connectFailures["53300", default: 0] > 0)
        #expect(metrics.acquireTimeouts > 0)
        #expect(metrics.slots == 0 && metrics.pendingWaiters == 0)
    }
}
