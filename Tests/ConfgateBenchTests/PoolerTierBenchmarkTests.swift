import ConfgateCore
import Testing
@testable import ConfgateBench

@Suite("bench-pooler: the direct twin and the figures' text")
struct PoolerTierBenchmarkTests {
    @Test func theDirectTwinDropsThePoolerAndBothSidesFitTheDirectFleet() {
        var settings = Settings()
        settings.pool.maxSize = 10
        settings.fleet = .init(instances: 10, maxSurge: 2)
        settings.server.maxConnections = 50
        settings.pooler = .init()
        let (pooled, direct, note) = PoolerTierBenchmark.sides(settings)
        #expect(direct.pooler == nil)
        #expect(pooled.pooler == settings.pooler)
        // Deploy demand 120, usable 47: 73 more on both sides.
        #expect(direct.server.maxConnections == 123)
        #expect(pooled.server.maxConnections == 123)
        #expect(note == "max_connections 50 → 123 on both sides, so that the direct fleet's 120 connections fit")
    }

    @Test func aDirectFleetThatFitsChangesNothing() {
        var settings = Settings()
        settings.pooler = .init()
        let (pooled, direct, note) = PoolerTierBenchmark.sides(settings)
        #expect(pooled == settings)
        #expect(direct.server == settings.server)
        #expect(note == nil)
    }

    @Test func startUpVerdictAndOpenLoopRatios() {
        #expect(PoolerTierBenchmark.Report.startupVerdict(direct: 200, pooled: 240)
                == "  => the pooler adds +40.0 ms to the median start-up (1.200×), meets the goal of ≤ +50 ms")
        #expect(PoolerTierBenchmark.Report.startupVerdict(direct: 200, pooled: 260).hasSuffix("misses the goal of ≤ +50 ms"))
        let direct = RunSummary(scheduled: 22_000, completed: 22_000, throughput: 2_000, latency: .init(count: 1, p50: 400, p99: 2_000))
        let pooled = RunSummary(scheduled: 22_000, completed: 22_000, throughput: 1_990, latency: .init(count: 1, p50: 600, p99: 3_000))
        #expect(PoolerTierBenchmark.Report.ratioText(pooled: pooled, direct: direct)
                == "pooled ÷ direct: throughput 0.995, p50 1.50, p99 1.50")
        #expect(PoolerTierBenchmark.Report.summaryText(pooled)
                == "  1990.0 logins/s, p50 0.60 ms, p99 3.00 ms, 22000 of 22000 completed, 0 failed, lag p99 0.0 ms")
        var late = pooled
        late.lag = .init(count: 1, p50: 1_000, p99: 30_000, max: 40_000)
        #expect(PoolerTierBenchmark.Report.summaryText(late).hasSuffix(
            "lag p99 30.0 ms (driver behind schedule: `run` would call it inconclusive)"))
    }
}
