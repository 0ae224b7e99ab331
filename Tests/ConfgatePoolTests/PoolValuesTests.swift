import ConfgatePool
import Testing

@Suite struct PoolValuesTests {
    @Test func backoffDoublesFromTheInitialDelayUpToTheCap() {
        let configuration = PoolConfiguration(connectBackoffInitial: .milliseconds(10), connectBackoffMax: .seconds(1))
        let delays = (1...9).map { configuration.backoff(afterFailures: $0) }
        #expect(delays == [10, 20, 40, 80, 160, 320, 640, 1000, 1000].map { Duration.milliseconds($0) })
        #expect(configuration.backoff(afterFailures: 10_000) == .seconds(1), "no overflow")
    }

    @Test func configurationDefaultsAreHikariCPs() {
        let configuration = PoolConfiguration()
        #expect(configuration.maxSize == 10)
        #expect(configuration.minIdle == 10, "minimumIdle defaults to maximumPoolSize")
        #expect(configuration.acquireTimeout == .seconds(30))
        #expect(configuration.idleTimeout == .seconds(600))
        #expect(configuration.maxLifetime == .seconds(1800))
        #expect(configuration.connectBackoffInitial == .milliseconds(10) && configuration.connectBackoffMax == .seconds(5))
        #expect(configuration.connectBackoffMultiplier == 2)
        #expect(configuration.lifetimeVariance)
        #expect(configuration.housekeepingPeriod == .seconds(30))
        #expect(configuration.aliveBypassWindow == .milliseconds(500))
        #expect(configuration.waiterOrder == .barging)
        #expect(configuration.loginTimeout == .seconds(30))
        #expect(configuration.startMode == .lazy, "the fleet's pools open in the background")
        #expect(PoolConfiguration(maxSize: 4, minIdle: 9).minIdle == 4, "minIdle clamped to maxSize")
    }

    @Test func waitHistogramBucketsByPowersOfTwoMicroseconds() {
        var histogram = WaitHistogram()
        histogram.record(.zero)
        histogram.record(.microseconds(1))
        histogram.record(.microseconds(3))
        histogram.record(.milliseconds(1))
        histogram.record(.seconds(2))
        #expect(histogram.count == 5)
        #expect(histogram.buckets[0] == 1)
        #expect(histogram.buckets[1] == 1, "1 µs in [1, 2)")
        #expect(histogram.buckets[2] == 1, "3 µs in [2, 4)")
        #expect(histogram.buckets[10] == 1, "1000 µs in [512, 1024)")
        #expect(histogram.maxMicroseconds == 2_000_000)
        #expect(histogram.sumMicroseconds == 2_001_004)
        #expect(histogram.quantileMicroseconds(0.5) == 3)
        #expect(histogram.quantileMicroseconds(1.0) == 2_000_000)
        #expect(WaitHistogram().quantileMicroseconds(0.99) == nil)
    }

    @Test func poolErrorExposesTheLastConnectError() {
        struct Refused: Error {}
        let error = PoolError.acquireTimeout(lastConnectError: Refused())
        #expect(error.isAcquireTimeout)
        #expect(error.lastConnectError is Refused)
        #expect(!PoolError.shutDown.isAcquireTimeout)
        #expect(PoolError.shutDown.lastConnectError == nil)
    }

    /// The production wiring: a `ContinuousClock`, `run()` in a task, graceful shutdown.
    /// Nothing here waits on the clock.
    @Test func runsWithTheContinuousClock() async throws {
        let factory = MockFactory()
        let pool = ConnectionPool(
            configuration: PoolConfiguration(maxSize: 2, minIdle: 0), factory: factory, clock: ContinuousClock())
        let runner = Task { await pool.run() }
        let serial = try await pool.withConnection { $0.serial }
        #expect(serial == 1)
        await pool.shutdown()
        await runner.value
        #expect(factory.closed.count == 1)
        await #expect(throws: PoolError.self) { try await pool.lease() }
    }
}
