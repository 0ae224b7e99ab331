import ArgumentParser
import ConfgateCore
import ConfgateMetrics
import ConfgatePostgres
import Foundation
import Synchronization

/// `confgate canary`: watch a real server while a settings change rolls out, and judge it
/// with the same arithmetic as `verify` (docs/canary.md).
struct CanaryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "canary",
        abstract: "Watch a live PostgreSQL during a rollout and judge the fleet's connections against the budget.",
        discussion: """
            Holds one read-only monitoring connection to --postgres (a superuser, or a role with \
            pg_monitor; another role sees only its own sessions' details, and the report says so) and \
            every --interval counts pg_stat_activity by database, user, application_name, state and \
            backend type, with the oldest idle-in-transaction age; max_connections, the reserved slots \
            and role and database connection limits are read at start and every minute. Every \
            --probe-interval it connects as the service's role (the settings DSN's user, or \
            --probe-url) and disconnects at once: refused connections never reach PostgreSQL's \
            statistics, so a refused probe (53300) is how the canary sees the fleet being refused. \
            It never writes to the watched server.

            Two more sources of refusals and timeouts, both optional: --scrape URL (repeatable) GETs \
            each service's Prometheus or OpenMetrics page every --scrape-interval and reads HikariCP's \
            Micrometer series (hikaricp_connections_active, _idle, _pending, _max, _timeout_total, \
            _acquire_seconds_*, per pool label); --log FILE follows the server's log from its end \
            (through truncation and rotation) for "sorry, too many clients already", "remaining \
            connection slots are reserved", "too many connections for role/database" and PgBouncer's \
            "no more connections allowed (max_client_conn)".

            Verdict, first line of the report: BLOCKED (exit 1) when connections reached usable \
            (max_connections − superuser_reserved − reserved), a probe was refused, the server log \
            reported a refusal, a scraped pool's hikaricp_connections_timeout_total rose, a role reached its \
            CONNECTION LIMIT, utilization stayed above the gate's max_utilization longer than \
            --sustained, or the settings' declared demand exceeds usable; INCONCLUSIVE (exit 3) when it \
            could not observe enough (fewer than --min-samples samples, a watched application never \
            appeared, the probe never got in, a --scrape URL failed more than half its scrapes or showed \
            no HikariCP pool, Ctrl-C, the connection lost, the server unreachable); \
            PASS (exit 0) otherwise. Exit 2: bad input. Ctrl-C stops and reports what was seen.

            Example, during a rollout of auth-service:
              confgate canary --postgres postgresql://monitor@db:5432/postgres --settings confgate.conf \\
                --duration 10m --report-dir canary-report \\
                --scrape http://auth-1:8080/actuator/prometheus --scrape http://auth-2:8080/actuator/prometheus \\
                --log /var/log/postgresql/postgresql-16-main.log
            """
    )

    @Option(name: .customLong("postgres"), help: ArgumentHelp("The server to watch: a libpq URL of a superuser or a pg_monitor role.", valueName: "url"))
    var postgres: String

    @Option(name: .long, help: ArgumentHelp("The settings the fleet runs (what is rolling out): its declared demand and budget.", valueName: "file"))
    var settings: String

    @Option(name: .long, help: ArgumentHelp("The settings before the rollout, shown beside for comparison.", valueName: "file"))
    var current: String?

    @Option(name: .long, help: ArgumentHelp("Gate file: max_utilization from [gate] (default: ./confgate.gate when present).", valueName: "file"))
    var gate: String?

    @Option(help: ArgumentHelp("How long to watch, e.g. 10m, 90s.", valueName: "duration"))
    var duration = "10m"

    @Option(help: ArgumentHelp("Time between samples, e.g. 1s, 500ms.", valueName: "duration"))
    var interval = "1s"

    @Option(name: .long, help: ArgumentHelp("application_name (prefix) of the fleet's connections; each must appear. Repeatable (default: the settings DSN's application_name).", valueName: "name"))
    var application: [String] = []

    @Option(name: .customLong("probe-url"), help: ArgumentHelp("Probe as this URL's role (default: the watched server as the settings DSN's user and password).", valueName: "url"))
    var probeURL: String?

    @Option(name: .customLong("probe-interval"), help: ArgumentHelp("Time between probe connections.", valueName: "duration"))
    var probeInterval = "5s"

    @Flag(name: .customLong("no-probe"), help: "Do not probe: refusals between samples then go unseen (a warning says so).")
    var noProbe = false

    @Option(name: .long, help: ArgumentHelp(
        "A service's metrics page (Prometheus text or OpenMetrics) to read HikariCP's pool series from; an increase of hikaricp_connections_timeout_total blocks. http:// or https://; repeatable.",
        valueName: "url"))
    var scrape: [String] = []

    @Option(name: .customLong("scrape-interval"), help: ArgumentHelp("Time between scrapes of each --scrape URL (default: --interval).", valueName: "duration"))
    var scrapeInterval: String?

    @Option(name: .long, help: ArgumentHelp(
        "The server's log file (or PgBouncer's), followed from its end through truncation and rotation: a refused connection it reports blocks.",
        valueName: "file"))
    var log: String?

    @Option(help: ArgumentHelp("How long utilization may stay above max_utilization before blocking.", valueName: "duration"))
    var sustained = "2min"

    @Option(name: .customLong("min-samples"), help: ArgumentHelp("Fewer samples than this is inconclusive.", valueName: "n"))
    var minSamples = 50

    @Option(name: .long, help: "Output format: text, json, markdown, junit or html.")
    var format: CanaryFormat = .text

    @Option(name: .customLong("report-dir"), help: ArgumentHelp("Also write result.json, summary.txt, summary.md, junit.xml and report.html here.", valueName: "dir"))
    var reportDir: String?

    @Option(help: ArgumentHelp(
        "Serve the canary's live figures at http://ADDRESS/metrics in the Prometheus text format (confgate_connections, _usable, _demand, confgate_headroom, confgate_refusals_total, confgate_scrape_errors_total, confgate_verdict; docs/canary.md). PORT or :PORT binds 127.0.0.1; another address must be written out and then reaches other machines.",
        valueName: "address"))
    var listen: String?

    @OptionGroup var sources: SourceFlags

    func validate() throws {
        guard minSamples >= 1 else { throw ValidationError("--min-samples must be at least 1") }
        // A bad value is a usage error (exit 2), said as the duration reader says it.
        func parsed(_ text: String, _ flag: String) throws -> SettingDuration {
            do { return try CanaryCriteria.duration(text, flag: flag) } catch { throw ValidationError(error.message) }
        }
        let (d, i) = (try parsed(duration, "duration"), try parsed(interval, "interval"))
        guard d.microseconds > 0 else { throw ValidationError("--duration must be more than 0") }
        guard i.microseconds > 0 else { throw ValidationError("--interval must be more than 0") }
        guard i <= d else { throw ValidationError("--interval (\(interval)) is longer than --duration (\(duration))") }
        guard try parsed(probeInterval, "probe-interval").microseconds > 0 else {
            throw ValidationError("--probe-interval must be more than 0 (--no-probe switches probing off)")
        }
        _ = try parsed(sustained, "sustained")
        if let scrapeInterval, try parsed(scrapeInterval, "scrape-interval").microseconds <= 0 {
            throw ValidationError("--scrape-interval must be more than 0")
        }
        for url in scrape {
            if let problem = MetricsScraper.validate(url) { throw ValidationError(problem) }
        }
        if let listen {
            do { _ = try ListenAddress(parsing: listen) } catch { throw ValidationError(error.message) }
        }
    }

    func run() async throws {
        let fleet = try sources.load(settings)
        let before = try current.map { path throws(ConfgateError) in (file: path, settings: try sources.load(path)) }
        let gateSettings = try GateFile.resolve(path: gate)
        let watch = try CanaryCriteria.duration(duration, flag: "duration"), every = try CanaryCriteria.duration(interval, flag: "interval")
        let criteria = CanaryCriteria(
            maxUtilization: gateSettings.gate.maxUtilization,
            sustained: try CanaryCriteria.duration(sustained, flag: "sustained").seconds,
            minSamples: minSamples,
            applications: application.isEmpty ? (fleet.database.dsn?["application_name"]).map { [$0] } ?? [] : application)
        let monitor = try CanarySampler.monitorParameters(url: postgres)
        let probe = noProbe ? nil : try CanarySampler.probeParameters(url: probeURL, dsn: fleet.database.dsn, monitor: monitor)
        if !noProbe, probe == nil {
            Terminal.writeError("confgate: no refusal probe: the settings' DSN names no user; --probe-url names one\n")
        }
        let scrapeEvery = try scrapeInterval.map { text throws(ConfgateError) in try CanaryCriteria.duration(text, flag: "scrape-interval") }
        // The log is opened (at its end) before connecting: a wrong path is exit 2, and lines
        // written from now on are the canary's.
        let tailer = try log.map { path throws(ConfgateError) in try LogTailer.open(path) }
        let sampler = CanarySampler(
            monitor: monitor, probe: probe, interval: .microseconds(every.microseconds), duration: .microseconds(watch.microseconds),
            probeInterval: .microseconds(try CanaryCriteria.duration(probeInterval, flag: "probe-interval").microseconds),
            scrape: scrape, scrapeInterval: scrapeEvery.map { .microseconds($0.microseconds) }, log: tailer)
        let progress = CanaryProgress(settings: fleet, criteria: criteria, total: watch.seconds)
        let metrics = CanaryMetrics()
        var endpoint: MetricsEndpoint?
        if let listen {
            let address = try ListenAddress(parsing: listen)
            endpoint = try await MetricsEndpoint.start(address) { metrics.exposition() }
            let reach = address.isLoopback ? "" : " (not loopback: reachable from other machines)"
            Terminal.writeError("confgate: serving metrics at \(endpoint!.url)\(reach)\n")
        }
        let record: CanaryRecord
        do {
            record = try await Interruption.cancellable {
                try await sampler.watch { record in
                    progress.update(record)
                    if listen != nil { metrics.record(CanarySnapshot(record, settings: fleet, criteria: criteria)) }
                }
            }
        } catch {
            await endpoint?.stop()
            throw error
        }
        await endpoint?.stop()
        progress.finish()
        if Interruption.wasSignalled {
            Terminal.writeError("confgate: interrupted; the verdict below covers what was seen and cannot pass\n")
        }
        let server = (try? DSNParser.parse(postgres).redacted) ?? "--postgres"
        let result = CanaryResult(file: settings, settings: fleet, current: before, server: server,
                                  interval: every.seconds, duration: watch.seconds, criteria: criteria, record: record)
        try emit(result)
        if result.exitCode != 0 { throw ExitCode(result.exitCode) }
    }

    private func emit(_ result: CanaryResult) throws {
        Terminal.write(format.render(result, style: Terminal.outputStyle))
        guard let reportDir else { return }
        do {
            try FileManager.default.createDirectory(atPath: reportDir, withIntermediateDirectories: true)
            for (file, format) in CanaryFormat.reportBundle {
                try format.render(result).write(toFile: reportDir + "/" + file, atomically: true, encoding: .utf8)
            }
        } catch {
            throw ConfgateError(.badInput, "cannot write the report to \(reportDir): \(error.localizedDescription)")
        }
    }
}

/// The canary's progress on stderr: a live line on a terminal, a plain line every 5 s otherwise.
final class CanaryProgress: Sendable {
    let settings: Settings
    let criteria: CanaryCriteria
    let total: Double
    let live = isatty(STDERR_FILENO) != 0
    private let lastPrinted = Mutex<Double>(-10)

    init(settings: Settings, criteria: CanaryCriteria, total: Double) {
        self.settings = settings
        self.criteria = criteria
        self.total = total
    }

    func update(_ record: CanaryRecord) {
        guard !record.samples.isEmpty else { return }
        let now = record.samples.last?.at ?? 0
        let due = lastPrinted.withLock { last in
            guard live ? now - last >= 0.5 : now - last >= 5 else { return false }
            last = now
            return true
        }
        guard due else { return }
        let s = CanarySnapshot(record, settings: settings, criteria: criteria)
        let line = "canary \(String(format: "%.0f/%.0fs", now, total)) conns \(s.clientConnections)/\(s.usable.map(String.init) ?? "?")"
            + " headroom \(s.headroom.map(String.init) ?? "?") probes \(s.probes) refused \(s.refusals) samples \(s.samples)"
            + (record.scrapeURLs.isEmpty ? "" : " scrapes \(record.scrapes.count) failed \(s.scrapeErrors)")
        Terminal.writeError(live ? "\r\u{1B}[K" + line : line + "\n")
    }

    func finish() {
        if live { Terminal.writeError("\r\u{1B}[K") }
    }
}
