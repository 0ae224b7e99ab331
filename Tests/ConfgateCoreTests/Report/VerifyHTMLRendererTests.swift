import Foundation
import Testing
@testable import ConfgateCore

/// The HTML report (issue #13): its golden files for the saved results in
/// `fixtures/results/`, and the properties that make it safe to open anywhere — no network
/// reference, no script, every piece of text escaped, no password.
///
/// A deliberate change to the page shows as a diff of `fixtures/results/*.html`; rewrite them
/// with `CONFGATE_UPDATE_GOLDEN=1 swift test --filter VerifyHTMLRendererTests` and review the diff.
@Suite("HTML report: golden files and safety")
struct VerifyHTMLRendererTests {
    static func render(_ name: String) throws -> String {
        VerifyHTMLRenderer().render(try ResultFixtureTests.load("verify-\(name).json"))
    }

    @Test(arguments: ["outage", "pass"])
    func matchesGoldenFile(_ name: String) throws {
        let html = try Self.render(name)
        try Golden.check(html, against: Fixtures.path("results/verify-\(name).html"), what: "report")
    }

    @Test(arguments: ["outage", "pass"])
    func makesNoNetworkReferenceAndNeedsNoScript(_ name: String) throws {
        let html = try Self.render(name).lowercased()
        #expect(!html.contains("http://"))
        #expect(!html.contains("https://"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
        #expect(!html.contains("<img"))
        #expect(!html.contains("@import"))
        #expect(!html.contains("url("))
        #expect(!html.contains(" src="))
        #expect(!html.contains(" href="))
        #expect(!html.contains("s3cret-fixture-pw"))
    }

    @Test func sectionsComeInOrderVerdictFirst() throws {
        let html = try Self.render("outage")
        let ids = ["id=\"verdict\"", "id=\"checks\"", "id=\"settings\"", "id=\"connections\"", "id=\"logins\"",
                   "id=\"latency\"", "id=\"latency-judgement\"", "id=\"findings\"", "id=\"data-quality\"", "id=\"provenance\""]
        let positions = ids.map { html.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
    }

    @Test func verdictSentenceNamesRuleValueAndLimit() throws {
        let r = try ResultFixtureTests.load("verify-outage.json")
        let sentence = VerifyHTMLRenderer.sentence(r)
        #expect(sentence.hasPrefix("Exhaustion: "))
        #expect(sentence.contains("steady demand 120 > usable 97 (= max_connections 100 − superuser_reserved 3)"))
        let html = VerifyHTMLRenderer().render(r)
        #expect(html.contains(HTML.escape(sentence)))
        #expect(html.contains("Exit code 1: CI should not merge this change."))
    }

    @Test func everyChartHasTitleAxisLabelsAndDataTable() throws {
        let html = try Self.render("outage")
        let charts = html.components(separatedBy: "<svg id=\"chart-").count - 1
        #expect(charts == 13)  // budget, connections, by application × 2, states × 2, logins × 2 and their difference, latency distribution, p50 and p99 over time, latency judgement
        #expect(html.contains("p99 latency (ms)"))
        // p50 and p99 over time share one table (each interval's four figures in a row).
        #expect(html.components(separatedBy: "<details>").count - 1 >= charts - 1)
        #expect(html.contains("time into the trial (s)"))
        #expect(html.contains("connections (non-superuser)"))
        #expect(html.contains("logins completed per 100 ms"))
        #expect(html.contains("connections to the server (whole fleet)"))
        // The sides differ by dash pattern as well as colour.
        #expect(html.contains("stroke=\"#D55E00\" stroke-width=\"2\" stroke-dasharray=\"7 4\""))
        #expect(html.contains("stroke=\"#0072B2\" stroke-width=\"2\" stroke-linejoin"))
    }

    @Test func escapesFileNamesAndMessages() throws {
        var r = try ResultFixtureTests.load("verify-outage.json")
        r.proposed.file = "<script>alert(1)</script>&.conf"
        r.verdict.reasons[0].message = "peak <b>97</b> \"quoted\""
        let html = VerifyHTMLRenderer().render(r)
        #expect(!html.contains("<script"))
        #expect(!html.contains("<b>97"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;&amp;.conf"))
        #expect(html.contains("peak &lt;b&gt;97&lt;/b&gt; &quot;quoted&quot;"))
    }

    @Test func backtickedSpansInReasonsAndEvidenceAreCode() throws {
        var r = try ResultFixtureTests.load("verify-outage.json")
        r.verdict.reasons[0].message = "run more rounds (`--trials <n>`) or `a`b"
        r.verdict.reasons[0].evidence = ["set `pool.max_size`"]
        let html = VerifyHTMLRenderer().render(r)
        #expect(html.contains("run more rounds (<code>--trials &lt;n&gt;</code>) or <code>a</code>b"))
        #expect(html.contains("<li>set <code>pool.max_size</code></li>"))
        // An unpaired backtick is left as text.
        #expect(HTML.prose("it's `odd") == "it&#39;s `odd")
    }

    @Test func neverPrintsAPasswordFromInMemorySettings() throws {
        let password = "hunter2-in-memory"
        let current = try SettingsFile.parse("[database]\ndsn = \"postgresql://auth:\(password)@db:5432/auth\"\n[pool]\nmax_size = 10", file: "a.conf")
        let proposed = try SettingsFile.parse("[database]\ndsn = \"postgresql://auth:other-\(password)@db:5432/auth\"\n[pool]\nmax_size = 12", file: "b.conf")
        let diff = SettingsDiff(current: current, proposed: proposed)
        let r = VerifyResult(quick: true, lintOnly: true, load: .init(), gate: .init(),
                             current: .init(file: "a.conf", settings: current, findings: []),
                             proposed: .init(file: "b.conf", settings: proposed, findings: []),
                             diff: diff, verdict: .init(decision: .pass))
        let html = VerifyHTMLRenderer().render(r)
        #expect(html.contains("database.dsn"))
        #expect(!html.contains(password))
    }

    @Test func minMaxReductionKeepsEveryPeak() {
        var points = (0..<10_000).map { ChartPoint(x: Double($0) / 10, y: Double($0 % 7)) }
        points[4321].y = 500
        points[777].y = -3
        let reduced = SeriesReduction.minMax(points, buckets: 600)
        #expect(reduced.count <= 1200)
        #expect(reduced.contains(points[4321]))
        #expect(reduced.contains(points[777]))
        #expect(reduced.map(\.x) == reduced.map(\.x).sorted())
        #expect(SeriesReduction.minMax(Array(points.prefix(100)), buckets: 600) == Array(points.prefix(100)))
    }

    /// A line's points on a flat stretch draw nothing, so its path leaves them out (and
    /// repeats no `L`): a pool that holds its connections for a minute is two points.
    @Test func pathsLeaveOutPointsOnFlatStretches() {
        #expect(SVG.path([(0, 5), (1, 5), (2, 5), (3, 7), (4, 7), (4, 9), (4, 10)]) == "0 5L2 5 3 7 4 7 4 10")
        #expect(SVG.path([(1.04, 2)]) == "1 2")
        #expect(SVG.path([]) == "")
    }

    /// The charts the first report lacked: refused intervals marked on the connections chart,
    /// p50 and p99 over time, and each instance's pool with its sparkline.
    @Test func marksRefusalsDrawsLatencyOverTimeAndEachPool() throws {
        let r = try ResultFixtureTests.load("verify-outage.json")
        let html = VerifyHTMLRenderer().render(r)
        let connections = try #require(html.components(separatedBy: "<svg id=\"chart-connections\"").dropFirst().first?.components(separatedBy: "</svg>").first)
        let refusedIntervals = try #require(r.proposed.runs.first).timeline.filter { $0.outcomes.counts.keys.contains { $0.sqlState == "53300" } }.count
        #expect(refusedIntervals > 0)
        #expect(connections.contains("<title>proposed: logins refused from "), "the refused intervals as a bar")
        #expect(!connections.contains("current: logins refused"), "the current side was never refused")
        for metric in ["p50", "p99"] {
            let chart = try #require(html.components(separatedBy: "<svg id=\"chart-\(metric)-over-time\"").dropFirst().first?.components(separatedBy: "</svg>").first)
            #expect(chart.components(separatedBy: "<path d=\"M").count - 1 == 2, "one line per side")
            #expect(html.contains("<th scope=\"col\">proposed \(metric) (ms)</th>"))
        }
        let pools = try #require(html.components(separatedBy: "<section id=\"pools\">").dropFirst().first?.components(separatedBy: "</section>").first)
        #expect(pools.components(separatedBy: "<th scope=\"row\" align=\"left\">auth-service-").count - 1 >= 11, "the instances of both sides")
        #expect(pools.contains("<td align=\"right\">15 of 15</td>") && pools.contains("<td align=\"right\">20 of 20</td>"))
        #expect(pools.contains("<svg width=\"160\" height=\"28\""))
    }
}
