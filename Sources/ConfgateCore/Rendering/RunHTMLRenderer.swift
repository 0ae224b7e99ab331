import Foundation

/// `confgate run`'s result as one self-contained HTML page: what one settings file did
/// under load. A run has no verdict (that is `verify`), so the page opens with what was
/// measured, then the same charts as the verify report — connections over time against
/// `max_connections` and usable, logins by outcome, the latency percentile distribution.
/// Same rules as `VerifyHTMLRenderer`: no network request, no script, presentation
/// attributes only, every piece of text escaped. The settings' DSN is never shown.
public struct RunHTMLRenderer: Sendable {
    public init() {}

    /// The name of the run's one line in legends and data tables.
    static let sideName = "this run"

    public func render(_ r: RunResult) -> String {
        let timelines = ReportTimelines(run: r, name: Self.sideName)
        let file = r.settings.file ?? "settings"
        var out = VerifyHTMLRenderer.page(title: "confgate run: \(file)", accent: Self.accent(r.summary))
        out += Self.banner(r)
        out += VerifyHTMLRenderer.section("summary", "What was measured", Self.summary(r))
        out += VerifyHTMLRenderer.section("connections", "Connections over time", Self.connectionsIntro + timelines.connections() + timelines.connectionsByApplication() + timelines.connectionsByState())
        if let pooler = ReportPooler.side(r, name: Self.sideName) {
            out += VerifyHTMLRenderer.section("pooler", "Pooler", ReportPooler.render([pooler], timelines: timelines))
        }
        out += VerifyHTMLRenderer.section("logins", "Logins per 100 ms by outcome", Self.loginsIntro + timelines.logins())
        out += VerifyHTMLRenderer.section("latency", "Latency percentile distribution", ReportLatency.distribution(
            [.init(name: Self.sideName, style: ReportPalette.current, runs: [r])], scope: "one run"))
        out += VerifyHTMLRenderer.section("latency-over-time", "p50 and p99 over time", timelines.latencyOverTime())
        out += VerifyHTMLRenderer.section("pools", "Pools", ReportPools.render([(Self.sideName, r)]))
        out += VerifyHTMLRenderer.section("data-quality", "Data quality", Self.dataQuality(r))
        out += VerifyHTMLRenderer.section("provenance", "Provenance", Self.provenance(r))
        return out + "</main>\n</body>\n</html>\n"
    }

    static let connectionsIntro = """
        <p>The run's non-superuser connections on its scratch server, sampled every 100 ms, against \
        <em>usable</em> (what the fleet may hold) and <em>max_connections</em>, where the server refuses \
        new logins with SQLSTATE 53300. Shaded bands are the load's phases; after <em>schedule over</em> \
        no new login starts, and what is left is logins still waiting for a connection or a timeout.</p>

        """

    static let loginsIntro = """
        <p>Logins that completed in each 100 ms, by outcome. <em>ok</em> and <em>bad_password</em> \
        (a wrong password, on purpose) are expected; every other outcome is a failure, with its \
        SQLSTATE (53300: too many connections).</p>

        """

    /// The banner's accent: vermillion when logins failed, orange when the run cannot be
    /// trusted (interrupted, or the driver fell behind), blue otherwise (a run is no pass).
    static func accent(_ s: RunSummary) -> String {
        s.failures > 0 ? "#D55E00" : (!s.complete || s.lagTooHigh) ? "#E69F00" : "#0072B2"
    }

    /// What ran, what happened in one sentence, and what the exit code was.
    static func banner(_ r: RunResult) -> String {
        let s = r.summary
        var out = "<header class=\"banner\" id=\"verdict\">\n"
        out += "<h1>confgate run: <code>\(HTML.escape(r.settings.file ?? "settings"))</code>\(s.complete ? "" : " <small>(INCOMPLETE: interrupted)</small>")</h1>\n"
        out += "<p id=\"verdict-sentence\"><strong>\(HTML.escape(sentence(r)))</strong></p>\n"
        let exit = !s.complete ? "Exit code 3: the run was interrupted; the numbers cover what was measured."
            : s.lagTooHigh ? "Exit code 3: the load driver fell behind its schedule (\(s.lagText)), so the load was not what was planned."
            : "Exit code 0: it ran. A run measures one file and has no verdict; confgate verify compares two and decides."
        out += "<p>\(HTML.escape(exit))</p>\n"
        return out + "</header>\n"
    }

    /// `3389 logins completed of 3400 scheduled; 630 failed (connect_failed 53300 ×630); peak
    /// 97 of usable 97 server connections at 3.2 s; latency p50 6.9 ms, p99 2004 ms.`
    static func sentence(_ r: RunResult) -> String {
        let s = r.summary
        var parts = ["\(s.completed) logins completed of \(s.scheduled) scheduled"]
        let failed = s.outcomes.filter { $0.outcome.kind.isFailure && $0.count > 0 }
        if failed.isEmpty {
            parts.append("none failed")
        } else {
            parts.append("\(s.failures) failed (" + failed.map { "\($0.outcome.description) ×\($0.count)" }.joined(separator: ", ") + ")")
        }
        parts.append("peak \(s.peakServerConnections) of usable \(s.usable) server connections at \(String(format: "%.1f", Double(s.peakServerConnectionsAt) / 1e6)) s")
        if let pooler = ReportPooler.side(r, name: sideName) {
            parts.append("in the pooler up to \(pooler.peakWaiting) client\(ReportPooler.plural(pooler.peakWaiting)) waited for \(pooler.peakServer) of \(pooler.tier.serverConnections) server connections")
        }
        parts.append("latency p50 \(RunText.ms(s.latency.p50)), p99 \(RunText.ms(s.latency.p99))")
        return parts.joined(separator: "; ") + "."
    }

    /// The summary table: the figures `confgate run` prints, one per row.
    static func summary(_ r: RunResult) -> String {
        let s = r.summary, l = s.latency
        let total = s.outcomes.reduce(0) { $0 + $1.count }
        var rows: [[String]] = [
            ["logins scheduled", "\(s.scheduled)", ""],
            ["logins completed", "\(s.completed)", "\(RunText.format(s.throughput)) /s over \(RunText.format(s.measuredSeconds)) s measured"],
        ]
        for tally in s.outcomes {
            let share = total > 0 ? Double(tally.count) * 100 / Double(total) : 0
            let phases = Phase.allCases.compactMap { p in tally.byPhase[p].map { "\(p.rawValue) \($0)" } }.joined(separator: ", ")
            rows.append(["logins \(tally.outcome.description)\(tally.outcome.kind.isFailure ? " (failed)" : "")", "\(tally.count)",
                         String(format: "%.1f%% of logins; ", share) + phases])
        }
        rows += [
            ["latency p50 / p90 / p99", "\(RunText.ms(l.p50)) / \(RunText.ms(l.p90)) / \(RunText.ms(l.p99))", "from scheduled start, \(l.count) measured logins"],
            ["latency p99.9 / max", "\(RunText.ms(l.p999)) / \(RunText.ms(l.max))", ""],
            ["peak server connections", "\(s.peakServerConnections) of usable \(s.usable)",
             String(format: "%.0f%% of usable, first at %.1f s", s.usable > 0 ? Double(s.peakServerConnections) * 100 / Double(s.usable) : 0, Double(s.peakServerConnectionsAt) / 1e6)],
        ]
        let refused = ReportPooler.split(s.connectFailures)
        if !refused.server.isEmpty {
            rows.append(["connection attempts refused", ReportPooler.list(refused.server),
                         "by the server, with their SQLSTATE (53300: too many connections)"])
        }
        if !refused.pooler.isEmpty {
            rows.append(["pool connection attempts refused by the pooler", ReportPooler.list(refused.pooler),
                         "by PgBouncer, with its reason (max_client_conn: its client connections are full), not by the server"])
        }
        if let tier = Derived(r.settings).pooler, let waiting = s.poolerPeakWaiting, let held = s.poolerPeakServerConnections {
            rows.append(["peak pooler server connections", "\(held) of server pools \(tier.serverConnections)", "the pooler's connections to the server"])
            rows.append(["peak clients waiting in the pooler", "\(waiting)", "for a server connection (client capacity \(tier.clientCapacity))"])
        }
        rows += [
            ["peak requests waiting for a connection", "\(s.peakPending)", "fleet-wide, in the pools' queues"],
            ["driver schedule lag p50 / p99 / max", "\(RunText.ms(s.lag.p50)) / \(RunText.ms(s.lag.p99)) / \(RunText.ms(s.lag.max))", "how late logins started against their schedule"],
        ]
        var out = HTML.table(["figure", "value", "note"], rows, numeric: [1])
        let d = Derived(r.settings), f = r.settings.fleet
        out += "<p>" + HTML.escape("The fleet: \(f.instances) instances\(f.processesFactor) × pool \(r.settings.maxSizeNamedText) = steady demand \(d.steadyDemand), deploy demand \(d.deployDemand) (max_surge \(f.maxSurge)); \(ReportSettingsChange.usableArithmetic(r.settings.server, d.usable)).") + "</p>\n"
        if let tier = ReportPooler.tierText(r.settings, d) { out += "<p>" + HTML.escape("The fleet connects \(tier).") + "</p>\n" }
        return out
    }

    /// Seconds measured, whether it ran cleanly, and the run's own notes.
    static func dataQuality(_ r: RunResult) -> String {
        let s = r.summary
        var notes: [String] = []
        notes.append("\(s.latency.count) logins measured over \(RunText.format(s.measuredSeconds)) s after the warmup; one run, so no spread between runs is known (confgate verify runs rounds).")
        if !s.complete { notes.append("The run was interrupted: every figure covers only what was measured before it stopped.") }
        if s.lagTooHigh { notes.append("The load driver fell behind its schedule (\(s.lagText)): it offered less load than planned, in bursts.") }
        if r.timeline.isEmpty { notes.append("The 100 ms timeline is empty.") }
        notes += s.notes
        return "<ul>\n" + notes.map { "<li>\(HTML.escape($0))</li>\n" }.joined() + "</ul>\n"
    }

    /// The settings file, load and seed, and the commands that repeat the run and redraw the page.
    static func provenance(_ r: RunResult) -> String {
        let l = r.load
        let rows: [[String]] = [["settings file", r.settings.file ?? "(not a file)"]] + ReportProvenance.loadRows(l) + [
            ["result schema", "confgate run result, schema version \(r.schemaVersion)"],
        ] + ReportProvenance.origin(r.provenance, runs: [r])
        var out = HTML.table(["", "value"], rows)
        out += "<p>To run it again (from the directory it ran in):</p>\n"
        out += "<pre><code>\(HTML.escape(command(r)))</code></pre>\n"
        out += "<p>To draw this page again from the saved result: <code>confgate report result.json -o report.html</code></p>\n"
        return out
    }

    /// The `confgate run …` command that repeats this run's load and seed.
    static func command(_ r: RunResult) -> String {
        let l = r.load
        let args = ["confgate", "run", "--settings", r.settings.file ?? "SETTINGS",
                    "--rate", "\(l.rate.formatted0)/s", "--duration", "\(l.duration)", "--warmup", "\(l.warmup)",
                    "--spike", l.spike?.description ?? "off", "--deploy", l.deploy ? "on" : "off",
                    "--db-time", "\(l.dbTime)", "--users", "\(l.users)", "--seed", "\(l.seed)"]
        return args.map(ReportProvenance.shellQuoted).joined(separator: " ")
    }
}

/// Every way a `RunResult` is written by `confgate report`: the page, the text summary
/// `run` prints (also fenced for Markdown), or the JSON again. A run has no verdict, so
/// there is no JUnit form.
public enum RunFormat {
    public static func render(_ r: RunResult, as format: VerifyFormat) throws(ConfgateError) -> String {
        switch format {
        case .html: return RunHTMLRenderer().render(r)
        case .text: return RunText.render(r)
        case .markdown: return "```\n" + RunText.render(r) + "```\n"
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            return ((try? encoder.encode(r)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
        case .junit:
            throw ConfgateError(.badInput, "a confgate run result has no verdict to write as JUnit; use --format html, text, markdown or json")
        }
    }
}
