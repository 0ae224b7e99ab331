import ArgumentParser
import ConfgateBench
import ConfgateCore
import ConfgatePostgres
import Logging

/// `confgate bench-pooler` (hidden): a settings file with `[pooler]` against its direct
/// twin, through the trials' own path: start-up time and the open-loop rate, in one run
/// (issue #15's benchmark; docs/benchmarks.md, "Pooler tier").
struct BenchPoolerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-pooler",
        abstract: "Benchmark: a settings file through its PgBouncer against the same file without [pooler].",
        discussion: """
            Runs trials of the file as written and of its twin without [pooler] (both with max_connections \
            raised, equally, when the direct fleet would not fit), each on its own scratch server, as \
            `confgate run` does. First the trial start-up time (trial start to the load starting, \
            --startup-runs per side, alternating), then the open loop of the gate's [load] (flags \
            override it; --concurrency N: closed loop), --rounds times per side, alternating: \
            throughput, p50/p99 and the ratios pooled ÷ direct. See docs/benchmarks.md.
            """,
        shouldDisplay: false
    )

    @Option(name: .long, help: ArgumentHelp("A settings file with a [pooler] section.", valueName: "file"))
    var settings: String

    @Option(name: .long, help: ArgumentHelp("Gate file with the [load] profile (default: ./confgate.gate when present).", valueName: "file"))
    var gate: String?

    @OptionGroup var sources: SourceFlags
    @OptionGroup var load: LoadFlags
    @OptionGroup var server: TrialServerOptions

    @Option(help: ArgumentHelp("Open-loop rounds (one trial per side each); 0 skips the open loop.", valueName: "n"))
    var rounds = 1

    @Option(help: ArgumentHelp("Closed loop for the load rounds: this many callers back to back (as `run --concurrency`).", valueName: "n"))
    var concurrency: Int?

    @Option(name: .customLong("startup-runs"), help: ArgumentHelp("Start-up trials per side; 0 skips them.", valueName: "n"))
    var startupRuns = 10

    func validate() throws {
        guard rounds >= 0, startupRuns >= 0 else { throw ValidationError("--rounds and --startup-runs must be at least 0") }
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
    }

    func run() async throws {
        let parsed = try sources.load(settings)
        let gateSettings = try load.apply(to: GateFile.resolve(path: gate))
        var logger = Logger(label: "confgate.bench")
        logger.logLevel = .warning
        let runner = try server.runner(users: gateSettings.load.users, logger: logger)
        let rounds = rounds, startupRuns = startupRuns, concurrency = concurrency
        let report = try await Interruption.cancellable {
            try await PoolerTierBenchmark.run(parsed, load: gateSettings.load, rounds: rounds, startupRuns: startupRuns,
                                              concurrency: concurrency, runner: runner) { Terminal.writeError("confgate: " + $0 + "\n") }
        }
        Terminal.write(report.text)
    }
}
