import ConfgateCore
import Testing
@testable import ConfgateBench

@Suite("bench-login --through pgbouncer: ratios and their text")
struct LoginTierRatioTests {
    static func side(_ perSecond: Double, p50: Int64 = 300, p99: Int64 = 1_200) -> LoginBenchmark.Side {
        .init(perSecond: perSecond, count: Int(perSecond) * 10, failures: 0, seconds: 10, cpuSeconds: 0.5,
              contextSwitches: 1_000, loadAverage: 1.5, latency: .init(count: 10, p50: p50, p99: p99))
    }

    @Test func theMedianIsTheLowerMiddleForAnEvenCount() {
        #expect(LoginBenchmark.median([3, 1, 2]) == 2)
        #expect(LoginBenchmark.median([4, 1, 3, 2]) == 2)
        #expect(LoginBenchmark.median([]).isNaN)
    }

    @Test func aRoundThroughThePoolerHasFourRatios() {
        let round = LoginBenchmark.Round(
            service: Self.side(10_000), pgbench: Self.side(12_500), serviceFirst: true,
            pooledService: Self.side(6_000), pooledPgbench: Self.side(8_000))
        #expect(round.ratio == 0.8)
        #expect(round.pooledRatio == 0.75)
        #expect(round.serviceTierRatio == 0.6)
        #expect(round.pgbenchTierRatio == 0.64)
    }

    @Test func tierMediansTakeEachRatioSeparately() {
        let plain = LoginBenchmark.Case.standard[0]
        func round(_ s: Double, _ p: Double, _ ps: Double, _ pp: Double) -> LoginBenchmark.Round {
            .init(service: Self.side(s), pgbench: Self.side(p), serviceFirst: true,
                  pooledService: Self.side(ps), pooledPgbench: Self.side(pp))
        }
        let result = LoginBenchmark.CaseResult(
            benchCase: plain, pgbenchCommand: "pgbench", pooledPgbenchCommand: "pgbench through",
            rounds: [round(100, 100, 50, 80), round(90, 100, 60, 70), round(80, 100, 70, 60)])
        let tier = try! #require(result.tierMedians)
        #expect(tier.pgbench == 0.7)
        #expect(tier.service == 60.0 / 90)
        #expect(tier.direct == 0.9)
        #expect(abs(tier.through - 0.857142) < 1e-5)
        #expect(LoginBenchmark.Report(header: [], results: [result]).text.contains("=> through pgbouncer ÷ direct: pgbench 0.700, service 0.667; service ÷ pgbench: direct 0.900, through 0.857 (medians of 3 rounds)"))
    }

    @Test func directRoundsHaveNoTierFigures() {
        let result = LoginBenchmark.CaseResult(
            benchCase: LoginBenchmark.Case.standard[0], pgbenchCommand: "pgbench",
            rounds: [.init(service: Self.side(100), pgbench: Self.side(100), serviceFirst: true)])
        #expect(result.tierMedians == nil)
        #expect(!LoginBenchmark.Report(header: [], results: [result]).text.contains("through"))
    }

    @Test func aSideLineShowsLatencyAndThePoolersCPU() {
        var s = Self.side(5_000, p50: 420, p99: 2_150)
        s.poolerCPUSeconds = 1.0
        let line = LoginBenchmark.Report.sideLine("pgbench  through", s, unit: "tps", per: "txn")
        #expect(line.contains("5000.0 tps (50000 in 10.0 s, 0 failed, 10 µs CPU/txn, 0.0 cs/txn, p50 0.42 ms, p99 2.15 ms, pgbouncer 20 µs CPU/txn, load 1.50)"))
    }
}
