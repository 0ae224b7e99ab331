import ConfgateCore
import ConfgatePostgres
import Foundation
import Synchronization

/// `confgate bench-pooler` (hidden): what the pooler tier costs a trial, through the trials'
/// own path (`TrialRunner.run`, as `confgate run` runs a file): a settings file with
/// `[pooler]` against its direct twin, in one run. Not a test: it prints figures.
///
/// - Start-up: from calling the trial to the load starting (scratch server, PgBouncer and
///   the session settings as role defaults when pooled, the monitoring connection, the
///   fleet warm), `startupRuns` times per side, alternating; the medians' difference is the
///   pooler's cost (issue #15's goal: ≤ +50 ms). Twice: with no fleet (the server, or the
///   server and its pooler, alone: the tier's own cost) and with the file's fleet (whose
///   connections through PgBouncer cost no backend each, so it can make start-up faster).
/// - Open loop: the gate's load (rate, duration, warmup …) on each side, `rounds` times,
///   alternating which goes first: throughput, p50/p99 and the ratios pooled ÷ direct. With
///   `concurrency`, closed loop instead (`confgate run --concurrency N`).
public enum PoolerTierBenchmark {
    /// The two sides compared: `settings` as written (with its pooler) and its twin without
    /// `[pooler]`. Both get the same `max_connections`, raised when needed until the direct
    /// fleet's deploy demand fits what is usable: otherwise the direct twin would measure
    /// refused connections (what the pooler is there to avoid), not the tier's cost. The
    /// returned note says so when it happened.
    public static func sides(_ settings: Settings) -> (pooled: Settings, direct: Settings, note: String?) {
        var pooled = settings, direct = settings
        direct.pooler = nil
        let derived = Derived(direct)
        var note: String?
        if derived.deployDemand > derived.usable {
            let raised = settings.server.maxConnections + derived.deployDemand - derived.usable
            note = "max_connections \(settings.server.maxConnections) → \(raised) on both sides, so that the direct fleet's \(derived.deployDemand) connections fit"
            pooled.server.maxConnections = raised
            direct.server.maxConnections = raised
        }
        return (pooled, direct, note)
    }

    /// The load of a start-up trial: just long enough for the driver's first timeline tick
    /// (when the load has started, the fleet is warm), little traffic, nothing else.
    static func startupLoad(_ load: GateSettings.Load) -> GateSettings.Load {
        var l = load
        l.rate = 20
        l.warmup = .seconds(0)
        l.duration = .seconds(1)
        l.spike = nil
        l.deploy = false
        return l
    }

    /// `settings` with no service instances: a trial that starts its server (and pooler)
    /// and the load, whose few logins then fail at once (no instance to route to).
    static func withoutFleet(_ settings: Settings) -> Settings {
        var s = settings
        s.fleet.instances = 0
        s.fleet.maxSurge = 0
        return s
    }

    /// One start-up comparison: the same trial directly and through the pooler.
    public struct StartupPair: Sendable {
        public var title: String
        public var direct = ScratchBenchmark.Figure(name: "direct", samples: [])
        public var pooled = ScratchBenchmark.Figure(name: "through pgbouncer", samples: [])
    }

    public struct OpenLoopRound: Sendable {
        public var direct: RunSummary
        public var pooled: RunSummary
        public var directFirst: Bool
    }

    public struct Report: Sendable {
        public var header: [String]
        /// Start-up figures: without a fleet, then with the file's.
        public var startup: [StartupPair]
        public var openLoop: [OpenLoopRound]

        public var text: String {
            var lines = header
            for pair in startup where !pair.direct.samples.isEmpty {
                lines += ["", "trial start-up, \(pair.title) (trial start → load starts):",
                          "  " + pair.direct.line, "  " + pair.pooled.line]
                lines.append(Self.startupVerdict(direct: pair.direct.median, pooled: pair.pooled.median))
            }
            if !openLoop.isEmpty { lines += ["", "load (open loop, or closed with --concurrency):"] }
            for (i, round) in openLoop.enumerated() {
                lines.append("  round \(i + 1) (\(round.directFirst ? "direct" : "pooled") first):")
                lines.append("    direct " + Self.summaryText(round.direct))
                lines.append("    pooled " + Self.summaryText(round.pooled))
                lines.append("    " + Self.ratioText(pooled: round.pooled, direct: round.direct))
            }
            if openLoop.count > 1 {
                let ratio = { (f: (RunSummary) -> Double) in
                    LoginBenchmark.median(openLoop.map { Self.ratio(f($0.pooled), f($0.direct)) }) }
                lines.append(String(format: "  => pooled ÷ direct (medians of %d rounds): throughput %.3f, p50 %.2f, p99 %.2f",
                                    openLoop.count, ratio(\.throughput), ratio { Double($0.latency.p50) }, ratio { Double($0.latency.p99) }))
            }
            return lines.joined(separator: "\n") + "\n"
        }

        /// The medians' difference against issue #15's goal (≤ +50 ms over the server alone).
        static func startupVerdict(direct: Double, pooled: Double) -> String {
            let added = pooled - direct
            return String(format: "  => the pooler adds %+.1f ms to the median start-up (%.3f×), %@ the goal of ≤ +50 ms",
                          added, ratio(pooled, direct), added <= 50 ? "meets" : "misses")
        }

        /// One side's figures: throughput, latency, completed of scheduled, failures, lag, and
        /// why `confgate run` would not count it (interrupted, or the driver behind schedule).
        static func summaryText(_ s: RunSummary) -> String {
            String(format: "%8.1f logins/s, p50 %.2f ms, p99 %.2f ms, %d of %d completed, %d failed, lag p99 %.1f ms%@%@",
                   s.throughput, Double(s.latency.p50) / 1000, Double(s.latency.p99) / 1000, s.completed, s.scheduled,
                   s.failures, Double(s.lag.p99) / 1000, s.complete ? "" : " (incomplete)",
                   s.lagTooHigh ? " (driver behind schedule: `run` would call it inconclusive)" : "")
        }

        static func ratioText(pooled: RunSummary, direct: RunSummary) -> String {
            String(format: "pooled ÷ direct: throughput %.3f, p50 %.2f, p99 %.2f",
                   ratio(pooled.throughput, direct.throughput),
                   ratio(Double(pooled.latency.p50), Double(direct.latency.p50)),
                   ratio(Double(pooled.latency.p99), Double(direct.latency.p99)))
        }

        static func ratio(_ a: Double, _ b: Double) -> Double { b > 0 ? a / b : .nan }
    }

    /// Runs both measurements with `runner` (a scratch server per trial, as `confgate run`).
    /// `settings` must have `[pooler]`.
    public static func run(
        _ settings: Settings, load: GateSettings.Load, rounds: Int, startupRuns: Int, concurrency: Int? = nil,
        runner: TrialRunner, progress: @Sendable (String) -> Void = { _ in }
    ) async throws(ConfgateError) -> Report {
        guard let pooler = settings.pooler else {
            throw ConfgateError(.badInput, "bench-pooler needs a settings file with a [pooler] section")
        }
        let (pooled, direct, note) = sides(settings)
        var header = [
            "confgate pooler-tier benchmark: \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(LoginBenchmark.loadAverages()) at start",
            "pooled: \(pooler.kind.rawValue) \(pooler.poolMode.rawValue) mode, default_pool_size \(pooler.defaultPoolSize), max_client_conn \(pooler.maxClientConn); direct: the same file without [pooler]; fleet \(settings.fleet.instances) × pool \(settings.pool.maxSize)",
            (concurrency.map { "closed loop: \($0) callers; " } ?? "") + String(format: "load: %.0f/s for %@ after %@ warmup, spike %@, deploy %@, db_time %@",
                   load.rate, "\(load.duration)", "\(load.warmup)", load.spike.map { "\($0)" } ?? "off",
                   load.deploy ? "on" : "off", "\(load.dbTime)"),
        ]
        if let note { header.append(note) }
        progress(header.joined(separator: "\n"))

        var startup: [StartupPair] = []
        if startupRuns > 0 {
            // Unmeasured first: builds the seeded template if it is not cached yet.
            progress("start-up: one unmeasured trial per side")
            _ = try await startupMilliseconds(direct, load: load, runner: runner)
            _ = try await startupMilliseconds(pooled, load: load, runner: runner)
            for fleet in [false, true] {
                var pair = StartupPair(title: fleet
                    ? "with the file's fleet warm (\(settings.fleet.instances) × pool \(settings.pool.maxSize))"
                    : "no fleet (the server, or the server and its pooler, alone)")
                let (directSide, pooledSide) = fleet ? (direct, pooled) : (withoutFleet(direct), withoutFleet(pooled))
                for i in 0..<startupRuns {
                    if Task.isCancelled { break }
                    progress("start-up, \(fleet ? "with" : "no") fleet, run \(i + 1) of \(startupRuns)")
                    for directNow in i % 2 == 0 ? [true, false] : [false, true] {
                        if directNow { pair.direct.samples.append(try await startupMilliseconds(directSide, load: load, runner: runner)) }
                        else { pair.pooled.samples.append(try await startupMilliseconds(pooledSide, load: load, runner: runner)) }
                    }
                }
                startup.append(pair)
            }
        }
        var openLoop: [OpenLoopRound] = []
        for round in 0..<rounds {
            if Task.isCancelled { break }
            var results: [Bool: RunSummary] = [:]
            for directNow in round % 2 == 0 ? [true, false] : [false, true] {
                progress("open loop round \(round + 1): \(directNow ? "direct" : "pooled") ...")
                results[directNow] = try await runner.run(directNow ? direct : pooled, load: load, concurrency: concurrency, deploy: nil).summary
            }
            openLoop.append(OpenLoopRound(direct: results[true]!, pooled: results[false]!, directFirst: round % 2 == 0))
        }
        return Report(header: header, startup: startup, openLoop: openLoop)
    }

    /// One trial of `settings` with the start-up load: milliseconds from calling it to the
    /// load starting, read from the first timeline tick (its instant less its elapsed time).
    static func startupMilliseconds(_ settings: Settings, load: GateSettings.Load, runner: TrialRunner) async throws(ConfgateError) -> Double {
        let loadStarted = Mutex<ContinuousClock.Instant?>(nil)
        let t0 = ContinuousClock.now
        _ = try await runner.run(settings, load: startupLoad(load), concurrency: nil, deploy: false) { _, elapsed in
            let at = ContinuousClock.now - elapsed
            loadStarted.withLock { if $0 == nil { $0 = at } }
        }
        guard let started = loadStarted.withLock({ $0 }) else {
            throw ConfgateError(.environment, "the start-up trial reported no timeline tick")
        }
        let d = started - t0
        return Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }
}
