import Foundation

/// Every way a `CanaryResult` is written: `canary --format` and `--report-dir` both use it.
public enum CanaryFormat: String, CaseIterable, Sendable {
    case text, json, markdown, junit, html

    public func render(_ result: CanaryResult, style: TextStyle = .plain) -> String {
        switch self {
        case .text: CanaryTextRenderer(style: style).render(result)
        case .json: Self.json(result)
        case .markdown: CanaryTextRenderer(markdown: true).render(result)
        case .junit: CanaryJUnitRenderer.render(result)
        case .html: CanaryHTMLRenderer().render(result)
        }
    }

    /// The files `--report-dir` writes, as verify's report directory does.
    public static let reportBundle: [(file: String, format: CanaryFormat)] = [
        ("result.json", .json), ("summary.txt", .text), ("summary.md", .markdown), ("junit.xml", .junit), ("report.html", .html),
    ]

    static func json(_ result: CanaryResult) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(result)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }
}

/// The canary's report for people (and as Markdown for a pull request or a rollout's notes):
/// the verdict first, then the budget, what each application held, the probes, the reasons.
public struct CanaryTextRenderer: Sendable {
    public var style: TextStyle
    public var markdown: Bool

    public init(style: TextStyle = .plain, markdown: Bool = false) {
        self.style = style
        self.markdown = markdown
    }

    public func render(_ r: CanaryResult) -> String {
        var out: [String] = []
        let v = r.verdict, b = r.budget, rec = r.record
        switch v.decision {
        case .pass, .passWithWarnings: out.append(markdown ? "### ✅ \(r.headline)" : style.green(style.bold(r.headline)))
        case .blocked: out.append(markdown ? "### ⛔ \(r.headline)" : style.red(style.bold(r.headline)))
        case .inconclusive: out.append(markdown ? "### ⚠️ \(r.headline)" : style.yellow(style.bold(r.headline)))
        }
        out.append("")
        var head = ["settings  \(r.file)"]
        if let c = r.currentFile { head.append("current   \(c)") }
        head.append("server    \(r.server) (role \(rec.role)\(rec.privileged ? "" : ", without pg_monitor"))")
        head.append("watched   \(rec.samples.count) samples every \(r.interval < 1 ? "\(Int((r.interval * 1000).rounded())) ms" : CanaryJudge.seconds(r.interval)) over \(CanaryJudge.seconds(rec.span)) of \(CanaryJudge.seconds(r.duration))\(rec.interrupted ? " (interrupted)" : "")")
        out += markdown ? ["```"] + head + ["```"] : head
        out.append("")
        out.append(markdown ? "**Budget**" : style.bold("Budget"))
        var rows: [[String]] = []
        if let l = b.limits { rows.append(["usable connections", "\(l.usable)", l.arithmetic]) }
        rows.append(["declared steady demand", "\(b.declared.steadyDemand)", "instances \(r.settings.fleet.instances) × max_size \(r.settings.pool.maxSize)\(r.settings.fleet.processesFactor)"])
        rows.append(["declared deploy demand", "\(b.declared.deployDemand)", "(instances + max_surge \(r.settings.fleet.maxSurge)) × max_size"])
        if let c = b.current { rows.append(["current steady / deploy", "\(c.steadyDemand) / \(c.deployDemand)", r.currentFile ?? ""]) }
        rows.append(["peak connections", "\(b.peak)", b.peakAt.map { "at \(CanaryJudge.seconds($0)), this canary's own included" } ?? "no sample"])
        if let h = b.minHeadroom { rows.append(["headroom at the peak", "\(h)", b.usable.map { "\(Derived.percent(h, of: $0).map { String(format: "%.0f%%", $0) } ?? "-") of usable" } ?? ""]) }
        if let h = b.lastHeadroom { rows.append(["headroom at the end", "\(h)", ""]) }
        if let t = b.trendPerMinute { rows.append(["trend", String(format: "%+.1f/min", t), "least squares over the samples"]) }
        if let s = b.longestAbove { rows.append(["above \(Int((r.criteria.maxUtilization * 100).rounded()))% of usable", CanaryJudge.seconds(s.seconds), "longest stretch (blocks at \(CanaryJudge.seconds(r.criteria.sustained)))"]) }
        if let age = rec.samples.compactMap(\.oldestIdleInTransaction).max() { rows.append(["oldest idle in transaction", CanaryJudge.seconds(age), ""]) }
        for app in b.applications {
            rows.append(["application \(app.name)", "\(app.peak)", "peak of \(app.steadyBudget) (instances × max_size); in \(app.seenIn) of \(rec.samples.count) samples"])
        }
        if let probeRole = rec.probeRole {
            let ok = rec.probes.filter { $0.outcome == .ok }.count, failed = rec.probes.filter { $0.outcome == .failed }.count
            rows.append(["probes as \(probeRole)", "\(rec.probes.count)", "\(ok) admitted, \(rec.refusals.count) refused (53300), \(failed) failed otherwise"])
        }
        rows += Self.scrapeRows(b.scrapes) + Self.logRows(rec.log)
        out += table(rows)
        if !v.reasons.isEmpty {
            out.append("")
            out.append(markdown ? "**Why**" : style.bold("Why"))
            for reason in v.reasons {
                out.append("- \(reason.kind.rawValue): \(reason.message)")
                for e in reason.evidence { out.append("    \(e)") }
            }
        }
        if !v.warnings.isEmpty {
            out.append("")
            out.append(markdown ? "**Warnings**" : style.bold("Warnings"))
            for w in v.warnings { out.append("- \(w.message)") }
        }
        out.append("")
        out.append("exit \(v.exitCode): " + ["0": "pass", "1": "blocked: roll back or hold the rollout", "3": "inconclusive: never read as a pass"][String(v.exitCode), default: ""])
        return out.joined(separator: "\n") + "\n"
    }

    /// One row per `--scrape` URL and per pool it showed.
    static func scrapeRows(_ s: ScrapeSummary) -> [[String]] {
        var rows: [[String]] = []
        for t in s.targets {
            rows.append(["scrapes of \(t.url)", "\(t.scrapes)", t.failed == 0 ? "all answered" : "\(t.failed) failed, first: \(t.firstError ?? "")"])
            for p in t.pools {
                var how = ["active peak \(p.peakActive)\(p.maxSize.map { " of max \($0)" } ?? "")", "total peak \(p.peakTotal)",
                           "pending peak \(p.peakPending)"]
                if let mean = p.acquireMeanSeconds { how.append(String(format: "acquire mean %.1f ms", mean * 1000)) }
                if let max = p.acquireMaxSeconds { how.append(String(format: "max %.1f ms", max * 1000)) }
                rows.append(["pool \(p.name) timeouts", "\(p.timeouts)", how.joined(separator: ", ")])
            }
        }
        return rows
    }

    /// The `--log` row.
    static func logRows(_ log: ServerLogWatch?) -> [[String]] {
        guard let log else { return [] }
        let reopened = log.reopened > 0 ? ", reopened \(log.reopened)× (rotated or truncated)" : ""
        return [["refusals in \(log.file)", "\(log.refusals.count)", "\(log.lines) lines read\(reopened)"]]
    }

    private func table(_ rows: [[String]]) -> [String] {
        if markdown {
            return ["| figure | value | how |", "| --- | ---: | --- |"] + rows.map { "| \($0[0]) | \($0[1]) | \($0[2]) |" }
        }
        let w0 = rows.map { $0[0].count }.max() ?? 0, w1 = rows.map { $0[1].count }.max() ?? 0
        return rows.map { row in
            let name = row[0].padding(toLength: w0, withPad: " ", startingAt: 0)
            let value = String(repeating: " ", count: w1 - row[1].count) + row[1]
            var line = "  \(name)  \(value)  \(row[2])"
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }
}

/// The canary's verdict as JUnit XML: one test case per rule, failed when it blocks, an
/// error when the canary could not observe enough.
public enum CanaryJUnitRenderer {
    public static func render(_ r: CanaryResult) -> String {
        let v = r.verdict
        let exhaustion = v.reasons.filter { $0.kind == .exhaustion }.map(\.message)
        let utilization = v.reasons.filter { $0.kind == .utilization }.map(\.message)
        let env = v.reasons.filter { $0.kind == .environment }.map(\.message)
        let cases: [(String, String?, String?)] = [
            ("connections within usable, no refusal, no pool timeout", exhaustion.isEmpty ? nil : exhaustion.joined(separator: "\n"), nil),
            ("utilization not sustained above max_utilization", utilization.isEmpty ? nil : utilization.joined(separator: "\n"), nil),
            ("enough observed", nil, env.isEmpty ? nil : env.joined(separator: "\n")),
        ]
        let failures = cases.filter { $0.1 != nil }.count, errors = cases.filter { $0.2 != nil }.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"confgate canary\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\">\n"
        xml += "  <testsuite name=\"\(HTML.escape(r.file))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\">\n"
        for (name, failure, error) in cases {
            xml += "    <testcase classname=\"confgate.canary\" name=\"\(HTML.escape(name))\""
            if let failure {
                xml += ">\n      <failure message=\"\(HTML.escape(r.headline))\">\(HTML.escape(failure))</failure>\n    </testcase>\n"
            } else if let error {
                xml += ">\n      <error message=\"inconclusive\">\(HTML.escape(error))</error>\n    </testcase>\n"
            } else {
                xml += "/>\n"
            }
        }
        xml += "    <system-out>\(HTML.escape(r.headline))</system-out>\n  </testsuite>\n</testsuites>\n"
        return xml
    }
}
