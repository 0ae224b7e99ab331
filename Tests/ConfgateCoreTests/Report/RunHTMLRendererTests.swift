import Foundation
import Testing
@testable import ConfgateCore

/// `confgate run`'s HTML page (issue #13): the golden file for a recorded run (the proposed
/// round of `fixtures/results/verify-outage.json`), the same safety as the verify page, and
/// the run's own numbers on it.
///
/// Rewrite the golden file with `CONFGATE_UPDATE_GOLDEN=1 swift test --filter RunHTMLRendererTests`
/// and review the diff.
@Suite("HTML report of a run: golden file and safety")
struct RunHTMLRendererTests {
    static func outageRun() throws -> RunResult {
        try #require(try ResultFixtureTests.load("verify-outage.json").proposed.runs.first)
    }

    @Test func matchesGoldenFile() throws {
        let html = RunHTMLRenderer().render(try Self.outageRun())
        try Golden.check(html, against: Fixtures.path("results/run-outage.html"), what: "run report")
    }

    @Test func makesNoNetworkReferenceNeedsNoScriptAndShowsNoPassword() throws {
        var run = try Self.outageRun()
        let password = "hunter2-in-run-memory"
        run.settings = try SettingsFile.parse("[database]\ndsn = \"postgresql://auth:\(password)@db:5432/auth\"\n[pool]\nmax_size = 10", file: "<b>x</b>.conf")
        let html = RunHTMLRenderer().render(run)
        #expect(!html.contains(password))
        #expect(html.contains("&lt;b&gt;x&lt;/b&gt;.conf"))
        let lower = html.lowercased()
        for banned in ["http://", "https://", "<script", "<link", "<img", "@import", "url(", " src=", " href=", "<b>x"] {
            #expect(!lower.contains(banned), "\(banned)")
        }
    }

    @Test func holdsTheRunsNumbersInOrder() throws {
        let run = try Self.outageRun()
        let html = RunHTMLRenderer().render(run)
        let ids = ["id=\"verdict\"", "id=\"summary\"", "id=\"connections\"", "id=\"logins\"", "id=\"latency\"", "id=\"data-quality\"", "id=\"provenance\""]
        let positions = ids.map { html.range(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        let s = run.summary
        let sentence = RunHTMLRenderer.sentence(run)
        #expect(sentence.contains("\(s.completed) logins completed of \(s.scheduled) scheduled"))
        #expect(sentence.contains("connect_failed 53300 ×"))
        #expect(sentence.contains("peak \(s.peakServerConnections) of usable \(s.usable)"))
        #expect(html.contains(HTML.escape(sentence)))
        for chart in ["chart-connections", "chart-logins", "chart-latency"] {
            #expect(html.contains("<svg id=\"\(chart)\""), "\(chart)")
        }
        #expect(html.contains(">usable \(s.usable)</text>"))
        #expect(html.contains(">max_connections \(run.settings.server.maxConnections)</text>"))
        #expect(html.contains(RunText.ms(s.latency.p99)))
        #expect(html.contains("confgate run --settings fixtures/outage.conf"))
        #expect(!html.contains("current (solid)"))  // one run, not two sides
    }

    @Test func rendersInEveryFormatButJUnit() throws {
        let run = try Self.outageRun()
        #expect(try RunFormat.render(run, as: .text) == RunText.render(run))
        #expect(try RunFormat.render(run, as: .markdown).hasPrefix("```\nconfgate run: "))
        #expect(try RunFormat.render(run, as: .html).hasPrefix("<!DOCTYPE html>"))
        let json = try RunFormat.render(run, as: .json)
        #expect(try JSONDecoder().decode(RunResult.self, from: Data(json.utf8)) == run)
        #expect(throws: ConfgateError.self) { try RunFormat.render(run, as: .junit) }
    }

    @Test func readsRunResultsAndRefusesOtherVersions() throws {
        let run = try Self.outageRun()
        let encoder = JSONEncoder()
        guard case .run(let back) = try ReportInput.read(try encoder.encode(run), name: "run.json") else {
            Issue.record("a run result did not read as one")
            return
        }
        #expect(back == run)
        var future = try #require(try JSONSerialization.jsonObject(with: encoder.encode(run)) as? [String: Any])
        future["schemaVersion"] = 7
        #expect(throws: ConfgateError.self) { try ReportInput.read(try JSONSerialization.data(withJSONObject: future), name: "future.json") }
    }
}

/// A 10-minute run's page (issue #13: ≤ 400 KB): its data tables hold one row per bucket of
/// 100 ms intervals, the bucket's peak or sum, so a one-sample spike to the limit stays in
/// the table as it does in the chart. Prints the size for the benchmark notes.
@Suite("HTML report of a long run")
struct LongRunReportTests {
    /// The outage round's timeline repeated to `seconds`, with one 100 ms spike to 97.
    static func longRun(seconds: Int) throws -> RunResult {
        var run = try RunHTMLRendererTests.outageRun()
        let base = run.timeline.filter { $0.at > 0 }
        let count = seconds * 10
        run.timeline = (0..<count).map { i in
            var point = base[i % base.count]
            point.at = Int64(i + 1) * 100
            point.serverConnections = i == count / 2 ? 97 : min(point.serverConnections, 60)
            return point
        }
        run.load.duration = .seconds(Int64(seconds))
        return run
    }

    @Test func tenMinutesFitTheBudgetAndKeepTheSpike() throws {
        let run = try Self.longRun(seconds: 600)
        let html = RunHTMLRenderer().render(run)
        print("10-minute run report: \(html.utf8.count / 1024) KB (\(run.timeline.count) samples)")
        #expect(html.utf8.count <= 400 * 1024)
        // 6,000 samples → one row per 2 s in each table.
        let table = try #require(html.components(separatedBy: "<summary>Data: peak connections per 2 s</summary>").dropFirst().first?
            .components(separatedBy: "</details>").first)
        let rows = table.components(separatedBy: "<tr>").count - 2  // minus the text before and the header
        #expect(rows == 300)
        #expect(table.contains("<td>97<"), "the one-sample spike is the peak of its second")
        #expect(html.contains("<summary>Data: logins per 2 s</summary>"))
    }

    @Test func halfAMinuteKeepsEveryInterval() throws {
        let html = RunHTMLRenderer().render(try Self.longRun(seconds: 30))
        #expect(html.contains("<summary>Data: connections per 100 ms</summary>"))
    }
}
