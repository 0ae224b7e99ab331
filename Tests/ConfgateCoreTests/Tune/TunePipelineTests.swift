import Synchronization
import Testing
@testable import ConfgateCore

/// `tune` end to end on canned trials: the arithmetic, the steps through `VerifyPipeline`,
/// the range, the recommendation and today's place. No server.
@Suite("tune: pipeline on a fake executor")
struct TunePipelineTests {
    /// A fleet whose latency depends on its pool: from `edge` up as fast as the reference;
    /// from `gross` to below `edge` ×1.5 (only the full gate's rounds see it); below `gross`
    /// ×3 (quick sees it); below `failing`, pool timeouts. `referenceFails` makes every run fail.
    final class PoolFleet: TrialExecutor {
        let edge: Int, gross: Int, failing: Int
        let referenceFails: Bool
        let brokenRuns: Int
        let ran = Mutex<[(size: Int, trials: Int)]>([])

        init(edge: Int = 6, gross: Int = 4, failing: Int = 2, referenceFails: Bool = false, brokenRuns: Int = 0) {
            self.edge = edge
            self.gross = gross
            self.failing = failing
            self.referenceFails = referenceFails
            self.brokenRuns = brokenRuns
        }

        func run(_ settings: Settings, load: GateSettings.Load,
                 progress: (@Sendable (TimelinePoint, Duration) -> Void)?) async throws(ConfgateError) -> RunResult {
            let size = settings.pool.maxSize
            let count = ran.withLock { $0.append((size, load.trials)); return $0.count }
            if count <= brokenRuns { throw ConfgateError(.environment, "the scratch server did not start") }
            let p50: Int64 = size >= edge ? 5_000 : size >= gross ? 7_500 : 15_000
            var outcomes = [OutcomeTally(outcome: .ok, count: 1000)]
            if size < failing || referenceFails { outcomes.append(OutcomeTally(outcome: Outcome(.poolTimeout), count: 30)) }
            var summary = RunSummary(scheduled: 1030, completed: 1030, outcomes: outcomes,
                                     latency: .init(count: 1000, p50: p50, p99: p50 * 2),
                                     peakServerConnections: settings.fleet.instances * size, usable: 97,
                                     lag: .init(count: 1000, p50: 100, p99: 500, max: 900))
            // Below the edge the spike's p99 doubles again: a small pool queues in the burst.
            summary.latencyByPhase = [
                PhaseLatency(phase: .steady, latency: .init(count: 800, p50: p50, p99: p50 * 2)),
                PhaseLatency(phase: .spike, latency: .init(count: 200, p50: p50, p99: size >= edge ? 10_000 : p50 * 4)),
            ]
            return RunResult(settings: settings, load: load, summary: summary, timeline: [],
                             latency: .init(buckets: [[UInt64(p50), 990], [UInt64(p50 * 2), 10]]))
        }
    }

    static let current = Settings(pool: .init(maxSize: 15), fleet: .init(instances: 6), server: .init(maxConnections: 100),
                                  file: "current.conf")

    @Test func findsTheRangeRecommendsAndPlacesToday() async throws {
        let fleet = PoolFleet()
        let result = try await TunePipeline.run(TuneInput(settings: Self.current, gate: GateSettings()), executor: fleet)
        #expect(result.range == 6...16)
        #expect(result.exitCode == 0)
        // 8q safe, 4q safe (×1.5 passes quick), 2q unsafe (×3), 3q unsafe, 4f unsafe → full from here.
        #expect(result.steps.map { "\($0.value)\($0.mode.rawValue.prefix(1))\($0.outcome == .safe ? "+" : "-")" }
                == ["8q+", "4q+", "2q-", "3q-", "4f-", "10f+", "7f+", "5f-", "6f+"])
        #expect(result.headline.hasPrefix("max_size 6…16 is safe for 400 logins/s with a 3× spike (6 × 16 = 96 ≤ 97); below 6, p50 rises ×1.5, p99 ×1.5, ×3.0 during the spike (verify: p50 +50%"))
        #expect(result.headline.hasSuffix("above 16, the server refuses connections (53300): 6 × 17 = 102 > 97 usable"))
        #expect(result.recommended == 10)
        #expect(result.recommendationWhy.hasPrefix("the middle of 6…14"))
        #expect(result.today == "today: max_size 15 is inside the safe range but above the 90% utilization edge 14 (6 × 15 = 90 > 87.3)")
        // Quick steps ran one round per side, full steps the gate's three (both sides, early stop aside).
        #expect(fleet.ran.withLock { $0.filter { $0.trials == 1 }.count } == 8)
        let text = TuneFormat.text.render(result)
        #expect(text.contains("90% utilization edge  14"))
        #expect(TuneFormat.markdown.render(result).contains("| 6 | full, 3 rounds |"))
        #expect(TuneFormat.json.render(result).contains("\"recommended\" : 10"))
    }

    @Test func whenFullStepsAreAsShortAsQuickOnesNothingIsScreened() async throws {
        var gate = GateSettings()
        gate.load.trials = 1
        gate.load.warmup = .seconds(1)
        gate.load.duration = .seconds(5)
        gate.load.spike = .init(multiplier: 3, duration: .seconds(2))
        let result = try await TunePipeline.run(TuneInput(settings: Self.current, gate: gate), executor: PoolFleet(edge: 4, gross: 4))
        #expect(result.steps.allSatisfy { $0.mode == .full })
        #expect(result.steps.map(\.value) == [8, 4, 2, 3])
        #expect(result.range == 4...16)
    }

    @Test func aReferenceThatFailsMeansNoSafeValue() async throws {
        let result = try await TunePipeline.run(TuneInput(settings: Self.current, gate: GateSettings()),
                                                executor: PoolFleet(referenceFails: true))
        #expect(result.range == nil)
        #expect(result.exitCode == 1)
        // The quick step's failing reference, then the full step that confirms it.
        #expect(result.steps.map(\.mode) == [.quick, .full])
        #expect(result.headline.hasPrefix("no safe max_size: even 16, the largest the server allows (6 × 16 = 96 ≤ 97), fails at 400 logins/s"))
        #expect(result.headline.contains("pool_timeout"))
        #expect(result.recommended == nil)
    }

    @Test func arithmeticAloneCanRuleEverythingOut() async throws {
        var s = Self.current
        s.server.maxConnections = 20
        var gate = GateSettings()
        gate.load.rate = 2000
        let fleet = PoolFleet()
        let result = try await TunePipeline.run(TuneInput(settings: s, gate: gate), executor: fleet)
        #expect(result.exitCode == 1)
        #expect(fleet.ran.withLock { $0.isEmpty })
        #expect(result.headline.hasPrefix("no safe max_size: the rate needs more connections than the server allows"))
        #expect(TuneFormat.text.render(result).contains("none: arithmetic decided"))
    }

    @Test func trialsThatCannotRunAreInconclusive() async throws {
        let result = try await TunePipeline.run(TuneInput(settings: Self.current, gate: GateSettings()),
                                                executor: PoolFleet(brokenRuns: 100))
        #expect(result.exitCode == 3)
        #expect(result.steps.count == 3)  // retried twice
        #expect(result.headline.hasPrefix("inconclusive:"))
    }

    @Test func aBrokenFirstStepIsRetried() async throws {
        let result = try await TunePipeline.run(TuneInput(settings: Self.current, gate: GateSettings()),
                                                executor: PoolFleet(brokenRuns: 1))
        #expect(result.exitCode == 0)
        #expect(result.steps.first?.outcome == .inconclusive)
        #expect(result.range == 6...16)
    }

    @Test func aSafeRangeAboveTheUtilizationEdgeRecommendsItsLowerEdge() async throws {
        let result = try await TunePipeline.run(TuneInput(settings: Self.current, gate: GateSettings()),
                                                executor: PoolFleet(edge: 15, gross: 15, failing: 1))
        #expect(result.range == 15...16)
        #expect(result.recommended == 15)
        #expect(result.recommendationWhy.hasPrefix("the lower edge"))
    }
}

@Suite("tune: --write")
struct SettingsRewriteTests {
    static let text = """
        [pool]                                    # per instance
        max_size = 15                             # a fixed-size pool
        acquire_timeout = 2s
        [fleet]
        instances = 6
        """

    func settings() throws -> Settings {
        try SettingsFile.parse(Self.text, file: "x.conf")
    }

    @Test func changesTheValueAndKeepsTheComment() throws {
        let out = SettingsRewrite.replacing("pool.max_size", with: "10", in: Self.text, settings: try settings(), path: "x.conf")
        #expect(out.contains("max_size = 10                             # a fixed-size pool"))
        #expect(out.replacingOccurrences(of: "max_size = 10", with: "max_size = 15") == Self.text)
        #expect(try SettingsFile.parse(out, file: "x.conf").pool.maxSize == 10)
    }

    @Test func aValueFromASourceFileGetsALiteralKeyInTheMap() throws {
        var settings = try settings()
        // As a fleet map reads it: the value's origin is the source file, not the map.
        settings.origins["pool.max_size"]?.value.file = "src/main/resources/application.yml"
        let out = SettingsRewrite.replacing("pool.max_size", with: "10", in: Self.text, settings: settings, path: "x.conf")
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines[1].hasPrefix("max_size = 10"))
        #expect(lines[2].hasPrefix("max_size = 15"))
    }

    @Test func addsAKeyTheFileLeftAtItsDefault() throws {
        let out = SettingsRewrite.replacing("pool.min_idle", with: "4", in: Self.text, settings: try settings(), path: "x.conf")
        let parsed = try SettingsFile.parse(out, file: "x.conf")
        #expect(parsed.pool.minIdle == 4)
        #expect(parsed.pool.maxSize == 15)
        let server = SettingsRewrite.replacing("server.max_connections", with: "120", in: Self.text, settings: try settings(), path: "x.conf")
        #expect(try SettingsFile.parse(server, file: "x.conf").server.maxConnections == 120)
    }
}

@Suite("tune: --arithmetic-only")
struct TuneArithmeticOnlyTests {
    @Test func printsTheEdgesWithoutTrials() async throws {
        let fleet = TunePipelineTests.PoolFleet()
        var input = TuneInput(settings: TunePipelineTests.current, gate: GateSettings())
        input.arithmeticOnly = true
        let result = try await TunePipeline.run(input, executor: fleet)
        #expect(fleet.ran.withLock { $0.isEmpty })
        #expect(result.exitCode == 0)
        #expect(result.headline == "max_size at most 16 fits (6 × 16 = 96 ≤ 97), at most 14 keeps the 90% utilization headroom (6 × 14 = 84 ≤ 87.3); the lower edge needs trials (run without --arithmetic-only)")
        #expect(result.today == "today: max_size 15 fits but is above the 90% utilization edge 14 (6 × 15 = 90 > 87.3)")
    }
}

@Suite("tune: --vary server.max_connections")
struct TuneMaxConnectionsTests {
    @Test func theEdgesAreLowerOnesAndOneQuickStepConfirmsThem() async throws {
        let a = TuneArithmetic(settings: TunePipelineTests.current, gate: GateSettings(), dimension: .serverMaxConnections)
        #expect(a.hardEdge == 93)
        #expect(a.hardEdgeText == "6 × 15 = 90 ≤ 90 usable")
        #expect(a.trialTop == 94)
        #expect(a.utilizationEdge == 103)
        #expect(a.utilizationEdgeText == "6 × 15 = 90 ≤ 90 (90% of 100)")
        let fleet = TunePipelineTests.PoolFleet()
        let result = try await TunePipeline.run(
            TuneInput(settings: TunePipelineTests.current, gate: GateSettings(), dimension: .serverMaxConnections), executor: fleet)
        #expect(result.exitCode == 0)
        #expect(result.steps.map { "\($0.value)/\($0.reference) \($0.mode.rawValue)" } == ["94/103 quick"])
        #expect(result.headline.hasPrefix("max_connections 94 or more is safe for 400 logins/s with a 3× spike (6 × 15 = 90 ≤ 90 usable at 93); at 93 the fleet holds every usable connection"))
        #expect(result.headline.hasSuffix("below 93, the server refuses connections (53300): at 92: 6 × 15 = 90 > 89 usable"))
        #expect(result.recommended == 103)
        #expect(result.today == "today: max_connections 100 is safe but below the 90% utilization edge 103")
    }

    @Test func poolsTooSmallForTheRateAreNotAServerProblem() {
        var s = TunePipelineTests.current
        s.pool.maxSize = 1
        var gate = GateSettings()
        gate.load.rate = 1000
        let a = TuneArithmetic(settings: s, gate: gate, dimension: .serverMaxConnections)
        #expect(a.impossible?.hasPrefix("the fleet's pools hold 6 connections, fewer than the 1000/s × 3 spike = 3000 logins/s × 5ms = 15.0 connections busy at least") == true)
    }
}
