import ArgumentParser
import ConfgateCore
import ConfgateMetrics
import ConfgatePostgres
import Foundation
import Logging

/// `confgate run`: what one settings file does under load, second by second.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run one settings file's fleet against a scratch PostgreSQL and measure it.",
        discussion: """
            Starts a scratch PostgreSQL with the file's [server] settings, a fleet of test auth service \
            instances with its [pool] settings, and drives synthetic logins as the gate file's [load] \
            section says (flags override it). Prints a summary; --output writes the full result \
            (summary, 100 ms timeline, latency histogram) as JSON; --report-dir DIR writes it as \
            DIR/result.json with DIR/report.html, a self-contained page of charts (docs/report.md). Ctrl-C stops cleanly and reports what \
            was measured, marked incomplete. Exit codes: 0 it ran (whatever it measured), 2 bad input, \
            3 environment failure, interrupted, or a driver that could not keep up.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The settings file to run.", valueName: "file"))
    var settings: String

    @Option(name: .long, help: ArgumentHelp("Gate file with the [load] profile (default: ./confgate.gate when present).", valueName: "file"))
    var gate: String?

    @OptionGroup var sources: SourceFlags
    @OptionGroup var load: LoadFlags
    @OptionGroup var server: TrialServerOptions

    @Option(name: .long, help: ArgumentHelp("Closed loop: this many callers back to back instead of the arrival schedule.", valueName: "n"))
    var concurrency: Int?

    @Option(name: .long, help: ArgumentHelp("Write the full result as JSON here.", valueName: "file"))
    var output: String?

    @Option(name: .customLong("report-dir"), help: ArgumentHelp("Write result.json (as --output) and report.html, the HTML report, into this directory.", valueName: "dir"))
    var reportDir: String?

    @Option(name: .long, help: ArgumentHelp(
        "While the run lasts, serve its pools' metrics (HikariCP's Micrometer names) at http://HOST:PORT/metrics (docs/monitoring.md). PORT alone binds 127.0.0.1; an address such as 0.0.0.0:9464 serves them to other machines too, your choice; port 0 picks a free one. The address is printed on stderr.",
        valueName: "host:port"))
    var listen: String?

    /// Hidden, for the HikariCP conformance harness: write the arrival schedule the run would
    /// drive (with the settings needed to replay it, `ScheduleFile`) and exit without running.
    @Option(name: .customLong("schedule-out"), help: .hidden)
    var scheduleOut: String?

    func validate() throws {
        if let concurrency, concurrency < 1 { throw ValidationError("--concurrency must be at least 1") }
        if let listen {
            do { _ = try ListenAddress(parsing: listen) } catch { throw ValidationError(error.message) }
        }
    }

    func run() async throws {
        let parsed = try sources.load(settings)
        let gateSettings = try load.apply(to: GateFile.resolve(path: gate))
        if let scheduleOut {
            // The plan `TrialRunner` makes for this side (its deploy only with a surge).
            let plan = LoadPlan.make(gateSettings.load, deploy: VerifyPlan.deployRuns(parsed, load: gateSettings.load))
            try ScheduleFile.write(settings: parsed, load: gateSettings.load, plan: plan, to: scheduleOut)
            return
        }
        let logger = Logger(label: "confgate")
        var runner = try server.runner(users: gateSettings.load.users, logger: logger)
        let usable = Derived(parsed).usable
        let metrics = RunMetrics()
        var endpoint: MetricsEndpoint?
        if let listen { endpoint = try await Self.serve(metrics, at: listen, runner: &runner) }
        let progress = Progress(label: "run", totalSeconds: gateSettings.load.warmup.seconds + gateSettings.load.duration.seconds, usable: usable)
        let started = Provenance.here()
        var result: RunResult
        do {
            result = try await Interruption.cancellable { [runner, concurrency] in
                try await runner.run(parsed, load: gateSettings.load, concurrency: concurrency,
                                     progress: { point, elapsed in
                                         metrics.record(point)
                                         progress.update(point, elapsed)
                                     })
            }
            await endpoint?.stop()
        } catch {
            await endpoint?.stop()
            throw error
        }
        progress.finish()
        // The trial's own (its PostgreSQL and PgBouncer), with this process's around it.
        let trial = result.provenance
        result.provenance = started
        result.provenance?.postgres = trial?.postgres
        result.provenance?.pgbouncer = trial?.pgbouncer
        Terminal.write(RunText.render(result))
        if let output {
            try JSONOutput.write(result, to: output)
        }
        if let reportDir {
            try Self.writeReport(result, to: reportDir)
        }
        if !result.summary.complete { throw ExitCode(3) }
        if result.summary.lagTooHigh {
            Terminal.writeError("confgate: inconclusive: the load driver fell behind its schedule (\(result.summary.lagText))\n")
            throw ExitCode(3)
        }
    }
}

extension RunCommand {
    /// `--listen`: serves `metrics` there from now until stopped, reading each trial's fleet.
    static func serve(_ metrics: RunMetrics, at listen: String, runner: inout TrialRunner) async throws -> MetricsEndpoint? {
        let address = try ListenAddress(parsing: listen)
        runner.onFleet = { fleet, usable in metrics.attach(fleet, usable: usable) }
        let endpoint = try await MetricsEndpoint.start(address) { metrics.exposition() }
        let reach = address.isLoopback ? "" : " (not loopback: reachable from other machines)"
        Terminal.writeError("confgate: serving metrics at \(endpoint.url)\(reach)\n")
        return endpoint
    }

    /// `--report-dir`: the result as JSON (what `--output` writes) and the HTML page drawn
    /// from that JSON read back, so the page shows exactly what the saved file holds (its
    /// DSN password redacted) and `confgate report result.json` redraws the same page.
    static func writeReport(_ result: RunResult, to directory: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ConfgateError(.badInput, "cannot create \(directory): \(error.localizedDescription)")
        }
        let json = (directory as NSString).appendingPathComponent("result.json")
        try JSONOutput.write(result, to: json)
        let saved = try JSONDecoder().decode(RunResult.self, from: JSONOutput.encode(result))
        let html = (directory as NSString).appendingPathComponent("report.html")
        do {
            try RunHTMLRenderer().render(saved).write(toFile: html, atomically: true, encoding: .utf8)
        } catch {
            throw ConfgateError(.badInput, "cannot write \(html): \(error.localizedDescription)")
        }
    }
}

/// `[load]` overrides shared by `run` and `verify`.
struct LoadFlags: ParsableArguments {
    @Option(help: ArgumentHelp("Logins per second at steady state, e.g. 800/s.", valueName: "rate")) var rate: String?
    @Option(help: ArgumentHelp("Measured length of a trial, e.g. 20s, 10m.", valueName: "duration")) var duration: String?
    @Option(help: ArgumentHelp("Traffic before measuring, e.g. 3s.", valueName: "duration")) var warmup: String?
    @Option(help: ArgumentHelp("Burst mid-trial, e.g. '3x for 4s', or off.", valueName: "spike")) var spike: String?
    @Option(help: ArgumentHelp("Rolling deploy part-way: on or off.", valueName: "on|off")) var deploy: String?
    @Option(name: .customLong("db-time"), help: ArgumentHelp("Extra server time per login, e.g. 5ms.", valueName: "duration")) var dbTime: String?
    @Option(help: ArgumentHelp("Seed of the arrival schedule and user sequence.", valueName: "n")) var seed: String?
    @Option(help: ArgumentHelp("Seeded user accounts.", valueName: "n")) var users: String?

    /// The `[load]` keys a flag set (for `--quick`, which shortens only the others).
    var keysSet: Set<String> {
        Set([("rate", rate), ("duration", duration), ("warmup", warmup), ("spike", spike), ("deploy", deploy),
             ("db_time", dbTime), ("seed", seed), ("users", users)].compactMap { $0.1 == nil ? nil : $0.0 })
    }

    func apply(to gate: GateSettings) throws(ConfgateError) -> GateSettings {
        var o = LoadOverrides()
        o.set("rate", rate)
        o.set("duration", duration.map(SettingDuration.flagSpelling))
        o.set("warmup", warmup.map(SettingDuration.flagSpelling))
        o.set("spike", spike)
        o.set("deploy", deploy)
        o.set("db_time", dbTime)
        o.set("seed", seed)
        o.set("users", users)
        return try o.apply(to: gate)
    }
}

/// Writes results as pretty, stable JSON.
enum JSONOutput {
    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func write(_ value: some Encodable, to path: String) throws {
        do {
            try encode(value).write(to: URL(fileURLWithPath: path))
        } catch {
            throw ConfgateError(.badInput, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
