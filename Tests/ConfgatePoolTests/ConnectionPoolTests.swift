@testable import ConfgatePool
import Testing

/// The async shell: the state machine's actions performed with real tasks, a manual
/// clock and a mock factory. Synchronised only by awaiting explicit conditions.
@Suite(.timeLimit(.minutes(1))) struct ConnectionPoolTests {
    typealias Pool = ConnectionPool<MockFactory, TestClock>

    struct BodyError: Error {}

    /// Runs `body` against a running pool, then shuts it down and waits for `run()`.
    func withPool(
        _ configuration: PoolConfiguration, factory: MockFactory = MockFactory(),
        _ body: (Pool, TestClock, MockFactory) async throws -> Void
    ) async throws {
        let clock = TestClock()
        let pool = Pool(configuration: configuration, factory: factory, clock: clock)
        let runner = Task { await pool.run() }
        try await body(pool, clock, factory)
        await pool.shutdown()
        await runner.value
        #expect(factory.closed.count == factory.opened, "every connection closed once")
        #expect(pool.metrics().slots == 0)
    }

    static func configuration(
        max: Int, minIdle: Int = 0, acquireTimeout: Duration = .seconds(2), idleTimeout: Duration = .zero,
        maxLifetime: Duration = .zero
    ) -> PoolConfiguration {
        PoolConfiguration(
            maxSize: max, minIdle: minIdle, acquireTimeout: acquireTimeout, idleTimeout: idleTimeout,
            maxLifetime: maxLifetime, connectBackoffInitial: .milliseconds(10), connectBackoffMax: .seconds(1))
    }

    @Test func opensMinIdleInTheBackgroundAndLeases() async throws {
        try await withPool(Self.configuration(max: 3, minIdle: 2)) { pool, _, factory in
            await pool.waitUntil { $0.idle == 2 }
            #expect(factory.attempts == 2, "opened without any acquire")
            let lease = try await pool.lease()
            #expect(pool.metrics().active == 1)
            await pool.waitUntil { $0.idle == 2 }
            #expect(factory.opened == 3, "a third keeps minIdle idle")
            lease.release()
            #expect(pool.metrics().idle == 3)
        }
    }

    @Test func acquireTimeoutCarriesTheLastConnectError() async throws {
        let factory = MockFactory(mode: .fail(MockConnectError(sqlState: "53300")))
        try await withPool(Self.configuration(max: 1, acquireTimeout: .seconds(2)), factory: factory) { pool, clock, _ in
            let waiter = Task { try await pool.lease() }
            await clock.waitForSleeper(until: .init(offset: .seconds(2)))
            await factory.waitForAttempts(1)
            clock.advance(by: .seconds(2))
            do {
                _ = try await waiter.value
                Issue.record("the acquire should time out")
            } catch let error as PoolError {
                #expect(error.isAcquireTimeout)
                #expect((error.lastConnectError as? MockConnectError)?.sqlState == "53300")
            }
            #expect(pool.metrics().acquireTimeouts == 1)
            #expect(pool.metrics().connectFailures["53300", default: 0] >= 1)
        }
    }

    @Test func failedAttemptsWaitForTheBackoffTimer() async throws {
        let factory = MockFactory(mode: .fail(MockConnectError(sqlState: "57P03")))
        try await withPool(Self.configuration(max: 1, minIdle: 1), factory: factory) { pool, clock, _ in
            for advances in 0..<6 {
                await factory.waitForAttempts(advances + 1)
                await clock.waitForSleepers(atLeast: 1)
                // The failed attempt scheduled its retry: nothing else runs until time moves.
                #expect(factory.attempts == advances + 1)
                #expect(clock.sleeperCount == 1)
                clock.advance(by: .seconds(1))
            }
            await factory.waitForAttempts(7)
            await clock.waitForSleepers(atLeast: 1)
            factory.setMode(.succeed)
            clock.advance(by: .seconds(1))
            await pool.waitUntil { $0.idle == 1 }
            #expect(pool.metrics().connectFailures == ["57P03": 7])
        }
    }

    @Test func waitersAreServedInArrivalOrder() async throws {
        try await withPool(Self.configuration(max: 1, acquireTimeout: .seconds(60))) { pool, _, _ in
            let holder = try await pool.lease()
            let order = Observed<[Int]>([])
            var tasks: [Task<Void, any Error>] = []
            for index in 1...4 {
                tasks.append(Task {
                    let lease = try await pool.lease()
                    order.mutate { $0.append(index) }
                    lease.release()
                })
                await pool.waitUntil { $0.pendingWaiters == index }
            }
            holder.release()
            for task in tasks { try await task.value }
            #expect(order.read { $0 } == [1, 2, 3, 4])
            #expect(pool.metrics().acquires == 5)
            #expect(pool.metrics().acquireWait.count == 5)
        }
    }

    @Test func brokenConnectionIsClosedAndReplaced() async throws {
        try await withPool(Self.configuration(max: 1, minIdle: 1)) { pool, _, factory in
            await pool.waitUntil { $0.idle == 1 }
            await #expect(throws: BodyError.self) {
                try await pool.withConnection(isBroken: { $0 is BodyError }) { _ in throw BodyError() }
            }
            await factory.waitForCloses(1)
            await pool.waitUntil { $0.idle == 1 }
            #expect(factory.closed.map(\.serial) == [1])
            let serial = try await pool.withConnection { $0.serial }
            #expect(serial == 2, "a new connection replaced the broken one")
            #expect(pool.metrics().closed == [.broken: 1])
        }
    }

    @Test func idleConnectionsAboveMinIdleCloseOnTheHousekeepingRun() async throws {
        try await withPool(Self.configuration(max: 2, minIdle: 0, idleTimeout: .seconds(10))) { pool, clock, factory in
            let first = try await pool.lease()
            let second = try await pool.lease()
            first.release()
            second.release()
            // The housekeeper runs 100 ms after the start, then every 30 s.
            await clock.waitForSleeper(until: TestClock.Instant(offset: .milliseconds(100)))
            clock.advance(by: .milliseconds(100))
            await clock.waitForSleeper(until: TestClock.Instant(offset: .milliseconds(30_100)))
            #expect(factory.closed.isEmpty, "not idle for 10 s at the first run")
            clock.advance(by: .seconds(30))
            await factory.waitForCloses(2)
            await pool.waitUntil { $0.closing == 0 }
            #expect(pool.metrics().closed == [.idle: 2])
            #expect(pool.metrics().total == 0)
        }
    }

    @Test func cancelledAcquireStopsWaiting() async throws {
        try await withPool(Self.configuration(max: 1, acquireTimeout: .seconds(60))) { pool, _, _ in
            let holder = try await pool.lease()
            let waiter = Task { try await pool.lease() }
            await pool.waitUntil { $0.pendingWaiters == 1 }
            waiter.cancel()
            await #expect(throws: CancellationError.self) { _ = try await waiter.value }
            #expect(pool.metrics().pendingWaiters == 0)
            holder.release()
            #expect(pool.metrics().idle == 1)
        }
    }

    /// An idle connection is leased without suspending, but never to a cancelled task: it
    /// fails as the usual path fails it, and the connection stays idle.
    @Test func aCancelledTaskGetsNoIdleConnection() async throws {
        try await withPool(Self.configuration(max: 1, minIdle: 1)) { pool, _, _ in
            await pool.waitUntil { $0.idle == 1 }
            let cancelled = Task {
                withUnsafeCurrentTask { $0?.cancel() }
                return try await pool.lease()
            }
            await #expect(throws: CancellationError.self) { _ = try await cancelled.value }
            #expect(pool.metrics().idle == 1 && pool.metrics().acquires == 0)
            let lease = try await pool.lease()
            #expect(pool.metrics().active == 1)
            lease.release()
        }
    }

    @Test func shutdownFailsWaitersAndWaitsForLeasedConnections() async throws {
        let clock = TestClock()
        let factory = MockFactory()
        let pool = Pool(configuration: Self.configuration(max: 1, acquireTimeout: .seconds(60)), factory: factory, clock: clock)
        let runner = Task { await pool.run() }
        let holder = try await pool.lease()
        let waiter = Task { try await pool.lease() }
        await pool.waitUntil { $0.pendingWaiters == 1 }

        let shutdown = Task { await pool.shutdown() }
        await #expect(throws: PoolError.self) { _ = try await waiter.value }
        #expect(factory.closed.isEmpty, "the leased connection is not closed under its caller")
        await #expect(throws: PoolError.self) { _ = try await pool.lease() }

        holder.release()
        await shutdown.value
        await runner.value
        #expect(factory.closed.count == 1)
        #expect(pool.metrics().closed == [.shutdown: 1])
        await pool.shutdown()  // a second shutdown returns at once
    }
}
