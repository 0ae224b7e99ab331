/// The canary's result as one self-contained HTML page, by the report's rules (docs/report.md):
/// no network request, no script, SVG presentation attributes only, every text escaped.
/// The verdict banner, the connections-over-time chart from the live samples against
/// `max_connections`, usable and `max_utilization`, then the budget as text.
public struct CanaryHTMLRenderer: Sendable {
    public init() {}

    public func render(_ r: CanaryResult) -> String {
        let (accent, _) = ReportPalette.banner(r.verdict.decision)
        var out = VerifyHTMLRenderer.page(title: "confgate canary: \(r.file)", accent: accent)
        out += "<header class=\"banner\" id=\"verdict\">\n<h1>confgate canary: <code>\(HTML.escape(r.file))</code></h1>\n"
        out += "<p id=\"verdict-sentence\"><strong>\(HTML.escape(r.headline))</strong></p>\n"
        let exit = switch r.verdict.exitCode {
        case 0: "Exit code 0: pass."
        case 1: "Exit code 1: blocked — hold or roll back the rollout."
        default: "Exit code 3: inconclusive — the canary could not observe enough; never read as a pass."
        }
        out += "<p>\(HTML.escape(exit))</p>\n</header>\n"
        out += VerifyHTMLRenderer.section("connections", "Connections over time", Self.intro + chart(r))
        let text = CanaryTextRenderer().render(r).split(separator: "\n", omittingEmptySubsequences: false).dropFirst(2).joined(separator: "\n")
        out += VerifyHTMLRenderer.section("budget", "Budget, reasons and warnings", "<pre>\(HTML.escape(text))</pre>\n")
        return out + "</main>\n</body>\n</html>\n"
    }

    static let intro = """
        <p>Connections holding a <em>max_connections</em> slot on the watched server at each sample \
        (this canary's own included), and each watched application's, against <em>usable</em> \
        (max_connections minus the reserved slots: a non-superuser is refused with SQLSTATE 53300 there) \
        and the gate's <em>max_utilization</em> share of it. Refused probes, refusals in the server log (<code>--log</code>) \
        and each scraped pool's first acquire timeout (<code>--scrape</code>) are marked on the x axis.</p>

        """

    func chart(_ r: CanaryResult) -> String {
        let samples = r.record.samples
        var series = [SVGLineChart.Series(name: "all client connections", style: ReportPalette.current,
                                          points: samples.map { ChartPoint(x: $0.at, y: Double($0.clientConnections)) }, markPeak: true)]
        for app in r.criteria.applications {
            series.append(.init(name: app, style: ReportPalette.proposed,
                                points: samples.map { ChartPoint(x: $0.at, y: Double($0.connections(application: app))) }))
        }
        var thresholds: [SVGLineChart.Threshold] = []
        if let l = r.budget.limits {
            thresholds.append(.init(label: "max_connections \(l.maxConnections)", value: Double(l.maxConnections), style: ReportPalette.maxConnections))
            thresholds.append(.init(label: "usable \(l.usable)", value: Double(l.usable), style: ReportPalette.usable))
            let share = Double(l.usable) * r.criteria.maxUtilization
            thresholds.append(.init(label: "\(Int((r.criteria.maxUtilization * 100).rounded()))% of usable", value: share, style: ReportPalette.utilization))
        }
        let width = max(r.interval, 0.05)
        var refusals = r.record.refusals.map { SVGLineChart.Band(label: "refused", from: $0.at, to: $0.at + width, fill: "#F4C7B0") }
        refusals += (r.record.log?.refusals ?? []).map { SVGLineChart.Band(label: "refused (log)", from: $0.at, to: $0.at + width, fill: "#F4C7B0") }
        refusals += r.budget.scrapes.pools.compactMap { p in
            p.firstTimeoutAt.map { SVGLineChart.Band(label: "pool timeout", from: $0, to: $0 + width, fill: "#F0D58C") }
        }
        return SVGLineChart(id: "canary-connections", title: "Connections on the watched server",
                            xLabel: "time since the canary started (s)", yLabel: "connections",
                            series: series, thresholds: thresholds, bands: refusals).render()
    }
}
