import Foundation
import Testing
@testable import ConfgateCore

/// The pooler tier in the report (issue #15): a side whose runs sampled PgBouncer gets a
/// pooler chart with its limits drawn and a caption in words, the pooler's refusals worded as
/// its own, the tier in the settings figures, and a pooler line in the pull-request Markdown.
/// A result without a pooler renders as before (the golden files hold that too).
@Suite("Report: the pooler tier")
struct PoolerReportTests {
    /// `fixtures/pooler/small-pool.conf`'s tier with max_client_conn 110: client capacity 110,
    /// server pools 2.
    static func poolerSettings() throws -> Settings {
        try SettingsFile.parse("""
            [pool]
            max_size = 10
            [fleet]
            instances = 10
            max_surge = 2
            [pooler]
            kind = pgbouncer
            pool_mode = transaction
            max_client_conn = 110
            default_pool_size = 2
            [server]
            max_connections = 50
            superuser_reserved_connections = 3
            """, file: "pooler.conf")
    }

    /// The outage fixture's proposed run, put behind the pooler: up to 108 clients waiting for
    /// 2 server connections, 14 connects refused with max_client_conn, 3 logins refused.
    static func pooledRun() throws -> RunResult {
        var run = try RunHTMLRendererTests.outageRun()
        run.settings = try poolerSettings()
        for i in run.timeline.indices {
            let waiting = min(108, i * 3)
            run.timeline[i].pooler = PoolerSample(clientActive: 110 - waiting, clientWaiting: waiting, serverActive: 2,
                                                  serverIdle: 0, serverLogin: 0, maxWait: Int64(i) * 40_000)
        }
        run.summary.poolerPeakWaiting = 108
        run.summary.poolerPeakServerConnections = 2
        run.summary.connectFailures = ["max_client_conn": 14]
        run.summary.outcomes.append(OutcomeTally(outcome: Outcome(.poolerRefused, sqlState: "08P01"), count: 3, byPhase: [.deploy: 3], firstAt: 5_000_000))
        return run
    }

    /// The outage verify result with the proposed side's round 1 through the pooler.
    static func pooledVerify() throws -> VerifyResult {
        var r = try ResultFixtureTests.load("verify-outage.json")
        r.proposed.settings = try poolerSettings()
        r.proposed.derived = Derived(r.proposed.settings)
        r.proposed.trials[0].result = try pooledRun()
        return r
    }

    @Test func theRunPageDrawsThePoolerWithItsLimitsAndSaysWhatItShows() throws {
        let html = RunHTMLRenderer().render(try Self.pooledRun())
        #expect(html.contains("<section id=\"pooler\">"))
        #expect(html.contains("<svg id=\"chart-pooler\""))
        // The limits as reference lines, the four lines with their peaks.
        #expect(html.contains(">client capacity 110</text>"))
        #expect(html.contains(">server pools 2</text>"))
        #expect(html.contains("clients connected (active + waiting)"))
        #expect(html.contains("clients waiting, peak 108"))
        #expect(html.contains("server connections (active + idle + opening), peak 2"))
        #expect(html.contains("server connections active"))
        #expect(html.contains("<figcaption>Up to 108 clients waited in the pooler for 2 server connections (server pools 2)"))
        #expect(html.contains("clients connected peaked at 110 of a capacity of 110, at the limit: the pooler refuses more (max_client_conn)"))
        #expect(html.contains("Data: pooler per 100 ms"))
        // Sections in order: the pooler right after the server's connections.
        let order = ["id=\"connections\"", "id=\"pooler\"", "id=\"logins\""].map { html.range(of: $0)!.lowerBound }
        #expect(order == order.sorted())
    }

    @Test func refusalsAreThePoolersNotTheServers() throws {
        let run = try Self.pooledRun()
        let html = RunHTMLRenderer().render(run)
        #expect(html.contains("pool connection attempts refused by the pooler (max_client_conn): 14"))
        #expect(html.contains("logins refused by the pooler (pooler_refused): 3"))
        #expect(html.contains("<th scope=\"row\" align=\"left\">pool connection attempts refused by the pooler</th><td align=\"right\">max_client_conn ×14</td>"))
        #expect(!html.contains("<th scope=\"row\" align=\"left\">connection attempts refused</th>"))  // the server refused nothing
        #expect(html.contains("peak clients waiting in the pooler"))
        #expect(RunHTMLRenderer.sentence(run).contains("in the pooler up to 108 clients waited for 2 of 2 server connections"))
        #expect(ReportPooler.refusals(RunSummary()) == nil)
    }

    @Test func theSettingsShowTheTierNextToUsableAndDemand() throws {
        let run = try Self.pooledRun()
        let runPage = RunHTMLRenderer().render(run)
        let tier = "client capacity 110 (1 × max_client_conn 110) for steady demand 100 and deploy demand 120; pooler server connections 2 (1 × default_pool_size 2) of usable 47"
        #expect(runPage.contains(tier))
        let verifyPage = VerifyHTMLRenderer().render(try Self.pooledVerify())
        #expect(verifyPage.contains("Proposed: the fleet connects through the pooler (pgbouncer, transaction mode): " + tier))
        #expect(!verifyPage.contains("Current: the fleet connects through the pooler"))
        // The budget bars meet the client capacity, and the pooler's server pools meet usable.
        #expect(verifyPage.contains(">120: 10 over client capacity</text>"))
        #expect(verifyPage.contains(">pooler server conns</text>"))
        #expect(verifyPage.contains(">client capacity 110</text>"))
    }

    @Test func theVerifyPageDrawsOnlyTheSideWithAPooler() throws {
        let r = try Self.pooledVerify()
        let html = VerifyHTMLRenderer().render(r)
        #expect(html.contains("<svg id=\"chart-pooler-proposed\""))
        #expect(!html.contains("chart-pooler-current"))
        #expect(html.contains("Proposed: pool connection attempts refused by the pooler (max_client_conn): 14"))
        let row = try #require(ReportChecks.rows(r).first { $0.check == "exhaustion: connects refused by the pooler (max_client_conn)" })
        #expect(row.current == "– (no pooler)")
        #expect(row.proposed == "14")
        #expect(row.result == ReportChecks.fail)
    }

    @Test func withoutAPoolerNothingOfItShows() throws {
        let r = try ResultFixtureTests.load("verify-outage.json")
        let html = VerifyHTMLRenderer().render(r)
        #expect(!html.contains("id=\"pooler\""))
        #expect(!html.contains("client capacity"))
        #expect(!ReportChecks.rows(r).contains { $0.check.contains("pooler") })
        #expect(!RunHTMLRenderer().render(try RunHTMLRendererTests.outageRun()).contains("pooler"))
        #expect(!VerifyFormat.markdown.render(r).contains("Pooler"))
        // A pooler configured but never sampled (a run from before sampling) draws no chart.
        var run = try RunHTMLRendererTests.outageRun()
        run.settings = try Self.poolerSettings()
        #expect(ReportPooler.side(run, name: "this run") == nil)
    }

    @Test func theMarkdownHasAPoolerLinePerSide() throws {
        let md = VerifyFormat.markdown.render(try Self.pooledVerify())
        #expect(md.contains("**Pooler server connections, round 1** (PgBouncer, every 100 ms; ▁ = 0, █ = 2)"))
        let line = try #require(md.split(separator: "\n").first { $0.hasPrefix("proposed █") })
        #expect(line.hasSuffix("peak 2 of server pools 2; up to 108 clients waited (longest \(ReportPooler.wait(Int64(try Self.pooledRun().timeline.count - 1) * 40_000))); 14 refused by the pooler (max_client_conn)"))
        #expect(!md.contains("current  █"))  // the current side has no pooler
        #expect(md.contains("| refused by the pooler (max_client_conn) | 0 | 14 | +14 |"))
        #expect(md.contains("| exhaustion: connects refused by the pooler (max_client_conn) | – (no pooler) | 14 | 0 (client capacity 110) | ✗ FAIL |"))
        #expect(md.count <= VerifyTextRenderer.commentLimit)
    }

    @Test func aLongPoolerCommentIsStillCut() throws {
        var r = try Self.pooledVerify()
        r.verdict.reasons[0].evidence = Array(repeating: String(repeating: "e", count: 200), count: 400)
        let md = VerifyFormat.markdown.render(r)
        #expect(md.count <= VerifyTextRenderer.commentLimit)
        #expect(md.contains("cut to fit a pull-request comment"))
    }
}
