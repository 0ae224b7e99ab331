import Foundation
import Testing
@testable import ConfgateCore

/// The report's charts over time beyond round 1's connections (issue #13, item 3): every
/// round as small multiples, server connections by application, and the logins
/// difference under the logins charts — and the page size they must fit.
@Suite("HTML report: every round, connections by application, the logins difference")
struct ReportTimelinesTests {
    /// The passing result with three rounds: rounds 2 and 3 are round 1 again (sides in
    /// the other order in round 2), round 3's proposed side with one 100 ms at `spike`.
    static func threeRounds(spike: Int = 95) throws -> VerifyResult {
        var r = try ResultFixtureTests.load("verify-pass.json")
        for side in [\VerifyResult.current, \VerifyResult.proposed] {
            let first = try #require(r[keyPath: side].trials.first)
            r[keyPath: side].trials = (1...3).map { n in
                var trial = first
                trial.round = n
                trial.ranFirst = n == 2 ? !first.ranFirst : first.ranFirst
                if n == 3, side == \VerifyResult.proposed, var run = trial.result {
                    run.timeline[40].serverConnections = spike
                    trial.result = run
                }
                return trial
            }
        }
        return r
    }

    static func section(_ html: String, _ id: String) throws -> String {
        try #require(html.components(separatedBy: "<section id=\"\(id)\">").dropFirst().first?.components(separatedBy: "</section>").first)
    }

    static func svg(_ html: String, _ id: String) throws -> String {
        try #require(html.components(separatedBy: "<svg id=\"\(id)\"").dropFirst().first?.components(separatedBy: "</svg>").first, "\(id) missing")
    }

    static func table(_ html: String, _ summary: String) throws -> String {
        try #require(html.components(separatedBy: "<summary>\(summary)</summary>").dropFirst().first?.components(separatedBy: "</details>").first, "\(summary) missing")
    }

    /// The lines drawn for the data (each has a `<title>`; grid and limits have none).
    static func dataPaths(_ svg: String) -> Int {
        svg.components(separatedBy: "stroke-linejoin=\"round\"><title>").count - 1
    }

    @Test func everyRoundIsDrawnOnOneScaleWithItsOwnData() throws {
        let html = VerifyHTMLRenderer().render(try Self.threeRounds())
        let connections = try Self.section(html, "connections")
        for n in 1...3 {
            let chart = try Self.svg(connections, "chart-connections-round-\(n)")
            #expect(Self.dataPaths(chart) == 2, "round \(n): both sides")
            // The same y scale as round 1's big chart: its top tick, 120 (above max_connections 100).
            #expect(chart.contains(">120</text>"), "round \(n)")
            #expect(chart.contains(">usable 97</text>") && chart.contains(">max 100</text>"), "round \(n): the limits")
        }
        #expect(try Self.svg(connections, "chart-connections-round-2").contains("Round 2 (proposed ran first)"))
        #expect(try Self.svg(connections, "chart-connections-round-3").contains("proposed, peak 95 at "))
        #expect(try Self.svg(connections, "chart-connections").contains(">120</text>"))
        // One table for every round, round 1 included; round 3's peak is in its column.
        let table = try Self.table(connections, "Data: connections per 100 ms, every round")
        #expect(table.contains("<th scope=\"col\">round 1 current</th>") && table.contains("<th scope=\"col\">round 3 proposed</th>"))
        let row = try #require(table.components(separatedBy: "<tr>").first { $0.contains("<td>95<") })
        #expect(row.components(separatedBy: "<td>").count - 1 == 2 + 6, "time, phase and six columns: \(row)")
        #expect(!connections.contains("<summary>Data: connections per 100 ms</summary>"), "no second table of round 1")
    }

    @Test func roundsThatDidNotRunAreSaidNotDrawn() throws {
        var r = try ResultFixtureTests.load("verify-outage.json")
        r.stoppedEarly = .init(afterRound: 1, of: 3, reason: "the server refused connections")
        let html = VerifyHTMLRenderer().render(r)
        #expect(html.contains("Rounds 2–3 of 3 did not run: verify blocked after 1 of 3 rounds: the evidence is conclusive (the server refused connections).</p>"))
        #expect(!html.contains("chart-connections-round-"))
        // A failed trial is said too, and its round drawn with the side that ran.
        var failed = try Self.threeRounds()
        failed.proposed.trials[1].result = nil
        failed.proposed.trials[1].error = "the scratch server did not start"
        failed.stoppedEarly = nil
        let page = VerifyHTMLRenderer().render(failed)
        #expect(page.contains("Not drawn: round 2, proposed: the trial did not run (the scratch server did not start).</p>"))
        #expect(Self.dataPaths(try Self.svg(page, "chart-connections-round-2")) == 1)
        #expect(!page.contains("<th scope=\"col\">round 2 proposed</th>"))
    }

    @Test func oneRoundDrawsNoGrid() throws {
        let html = VerifyHTMLRenderer().render(try ResultFixtureTests.load("verify-pass.json"))
        #expect(!html.contains("chart-connections-round-"))
        #expect(html.contains("<summary>Data: connections per 100 ms</summary>"))
    }

    @Test func connectionsByApplicationStackTheFleetThenOtherClients() throws {
        let r = try ResultFixtureTests.load("verify-outage.json")
        let html = VerifyHTMLRenderer().render(r)
        let proposed = try Self.svg(html, "chart-applications-proposed")
        // auth-service-6 never started: five bands, each a tinted area and a top edge.
        #expect(Self.dataPaths(proposed) == 5)
        #expect(proposed.components(separatedBy: "stroke=\"none\"/>").count - 1 == 5)
        let run = try #require(r.proposed.runs.first)
        let peak5 = run.timeline.map { $0.server.filter { $0.application == "auth-service-5" }.reduce(0) { $0 + $1.count } }.max() ?? 0
        #expect(proposed.contains(">auth-service-5, peak \(peak5)</text>"))
        #expect(proposed.contains(">usable 97 (fleet)</text>"))
        #expect(html.contains("Proposed: auth-service-6 held no connection on the server."))
        let table = try Self.table(html, "Data: proposed connections by application per 100 ms")
        #expect(table.contains("<th scope=\"col\">auth-service-5</th>") && !table.contains("auth-service-6"))
        #expect(table.contains("<td>\(peak5)<"))
        #expect(Self.dataPaths(try Self.svg(html, "chart-applications-current")) == 6)

        // Other clients go on top, with the limit of the whole stack.
        var others = run
        others.settings.server.otherClients = 4
        others.timeline = others.timeline.map { point in
            var point = point
            point.server.append(.init(application: "other-client", state: "idle", count: 4))
            return point
        }
        let bands = ReportTimelines.applicationBands(others)
        #expect(bands.map(\.name) == (1...5).map { "auth-service-\($0)" } + ["other-client"])
        #expect(bands.last?.fleet == false)
        let page = RunHTMLRenderer().render(others)
        let chart = try Self.svg(page, "chart-applications")
        #expect(chart.contains(">other-client, peak 4</text>"))
        #expect(chart.contains(">+ other_clients 4 = \(others.summary.usable + 4)</text>"))
    }

    /// Through PgBouncer a server connection carries the name of the client that last used
    /// it, so an instance missing from pg_stat_activity is no sign it held nothing.
    @Test func throughThePoolerNoInstanceIsSaidToHoldNothing() throws {
        let html = RunHTMLRenderer().render(try PoolerReportTests.pooledRun())
        #expect(html.contains("This run went through the pooler: a server connection carries the <code>application_name</code> of the client that last used it."))
        #expect(!html.contains("held no connection on the server"))
    }

    @Test func manyInstancesMakeOneFleetBand() throws {
        var run = try RunHTMLRendererTests.outageRun()
        let names = (1...8).map { "svc-\($0)" } + ["a", "b", "c", "d"]
        run.timeline = run.timeline.map { point in
            var point = point
            point.pools = names.prefix(8).map { .init(instance: $0, active: 0, idle: 1, pending: 0, total: 1) }
            point.server = names.map { .init(application: $0, state: "idle", count: 1) }
            return point
        }
        let bands = ReportTimelines.applicationBands(run)
        #expect(bands.map(\.name) == ["fleet (8 instances)", "other applications (4)"])
        #expect(bands.first?.applications.count == 8)
    }

    @Test func loginsDifferenceIsProposedMinusCurrentPerInterval() throws {
        let r = try ResultFixtureTests.load("verify-outage.json")
        let html = VerifyHTMLRenderer().render(r)
        let current = try #require(r.current.runs.first), proposed = try #require(r.proposed.runs.first)
        let chart = try Self.svg(html, "chart-logins-difference")
        #expect(Self.dataPaths(chart) == 2)
        #expect(chart.contains(">0</text>"), "a zero line between negative and positive ticks")
        let first = try #require(ReportTimelines.firstFailure(proposed))
        #expect(chart.contains(">proposed: first failure \(String(format: "%.1f", first)) s</text>"))
        #expect(ReportTimelines.firstFailure(current) == nil)
        // The sentence's totals and each row: proposed − current at that interval.
        let failedP = proposed.timeline.reduce(0) { $0 + $1.outcomes.failures }
        let okP = proposed.timeline.reduce(0) { $0 + ($1.outcomes[.ok] ?? 0) }, okC = current.timeline.reduce(0) { $0 + ($1.outcomes[.ok] ?? 0) }
        #expect(html.contains("ok \(okP) proposed vs \(okC) current (\(ReportTimelines.signed(okP - okC))), failed \(failedP) vs 0 (+\(failedP))."))
        let table = try Self.table(html, "Data: proposed − current per 100 ms")
        let point = try #require(proposed.timeline.first { $0.outcomes.failures > 0 && $0.at <= current.timeline.last!.at })
        let other = try #require(current.timeline.first { $0.at == point.at })
        let ok = (point.outcomes[.ok] ?? 0) - (other.outcomes[.ok] ?? 0)
        #expect(table.contains("<tr><td>\(String(format: "%.1f", Double(point.at) / 1000))<td>\(ReportTimelines.signed(ok))<td>+\(point.outcomes.failures)</tr>"))
        // And the side's own logins chart marks its first failure.
        #expect(try Self.svg(html, "chart-logins-proposed").contains(">first failure \(String(format: "%.1f", first)) s</text>"))
        #expect(!RunHTMLRenderer().render(proposed).contains("chart-logins-difference"), "a run has no other side")
    }

    @Test func stackAddsTheSeriesBottomToTop() {
        let stacked = SVGLineChart.stack([
            .init(name: "a", style: ReportPalette.current, points: [.init(x: 0, y: 1), .init(x: 1, y: 2)]),
            .init(name: "b", style: ReportPalette.current, points: [.init(x: 0, y: 3), .init(x: 1, y: 0)]),
        ])
        #expect(stacked[1] == [.init(x: 0, y: 4), .init(x: 1, y: 2)])
    }

    /// Issue #13's budget for a default verify's page: ≤ 150 KB without JavaScript, here the
    /// quick outage (the committed result of a real `verify --quick`). Prints the sizes.
    @Test func quickVerifyPagesFitTheBudget() throws {
        for name in ["outage", "pass"] {
            let html = try VerifyHTMLRendererTests.render(name)
            print("verify-\(name) report: \(html.utf8.count / 1024) KB")
            #expect(html.utf8.count <= 150 * 1024)
        }
        let three = VerifyHTMLRenderer().render(try Self.threeRounds())
        print("three-round verify report (the pass's round repeated): \(three.utf8.count / 1024) KB")
    }
}
