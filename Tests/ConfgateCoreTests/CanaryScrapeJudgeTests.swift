import Foundation
import Testing
@testable import ConfgateCore

/// The canary's rules on the services' own pool metrics (`--scrape`) and the server log
/// (`--log`), on hand-made scrapes: no server, no HTTP.
extension CanaryJudgeTests {
    static let url = "http://auth-1:8080/actuator/prometheus"

    func pool(_ name: String = "auth-1", active: Double = 5, idle: Double = 15, pending: Double = 0, max: Double = 20,
              timeouts: Double = 0, acquires: Double = 100, waited: Double = 0.1) -> HikariPoolReading {
        var p = HikariPoolReading(pool: name, labels: ["pool": name])
        (p.active, p.idle, p.pending, p.max, p.total) = (active, idle, pending, max, active + idle)
        (p.timeouts, p.acquireCount, p.acquireSeconds, p.acquireMaxSeconds) = (timeouts, acquires, waited, 0.002)
        return p
    }

    /// The record with one scrape per second of `url`, each made by `scrape(i)`.
    func scraped(_ scrape: (Int) -> PoolScrape, count: Int = 60, url: String = CanaryJudgeTests.url) -> CanaryRecord {
        var rec = record()
        rec.scrapeURLs = [url]
        rec.scrapes = (0..<count).map(scrape)
        return rec
    }

    @Test func quietPoolsPassAndAreReported() {
        let r = judge(scraped { PoolScrape(at: Double($0), url: Self.url, pools: [pool(acquires: Double(100 + $0 * 10), waited: 0.1 + Double($0) * 0.01)]) })
        #expect(r.verdict.decision == .pass, "\(r.verdict)")
        #expect(r.headline == "PASS: peak 81 of 97 usable connections (84%), 12 probes admitted, none refused, 1 scraped pool without a timeout, 60 samples over 59 s")
        let p = r.budget.scrapes.pools.first
        #expect(p?.acquires == 590 && p?.timeouts == 0 && p?.peakActive == 5 && p?.maxSize == 20)
        #expect(abs((p?.acquireMeanSeconds ?? 0) - 0.001) < 1e-9, "Δsum 0.59 s over Δcount 590")
        let text = CanaryFormat.text.render(r)
        #expect(text.contains(try! Regex("scrapes of \(Self.url) +60  all answered")), "\(text)")
        #expect(text.contains(try! Regex("pool auth-1 timeouts +0  active peak 5 of max 20, total peak 20, pending peak 0, acquire mean 1.0 ms, max 2\\.0 ms")), "\(text)")
    }

    @Test func aPoolTimeoutDuringTheWatchBlocksNamingThePoolAndCount() {
        let r = judge(scraped { i in PoolScrape(at: Double(i), url: Self.url, pools: [pool(timeouts: i < 20 ? 4 : 11), pool("auth-2")]) })
        #expect(r.verdict.decision == .blocked)
        #expect(r.headline == "BLOCKED: exhaustion — 7 connection acquires timed out in pool auth-1 at \(Self.url) (hikaricp_connections_timeout_total), first seen at 20 s: the services' requests waited their whole connectionTimeout")
        #expect(r.verdict.reasons.first?.evidence == ["pool auth-1 at \(Self.url): +7 timeouts, first at 20 s; active peak 5 of max 20, pending peak 0"])
        #expect(r.budget.scrapes.pools.map(\.timeouts) == [7, 0], "the 4 before the watch do not count")
    }

    @Test func aRestartedServiceCountsFromZeroAndANewPoolFromItsFirstValue() {
        // auth-1 restarts at 30 s (its counter falls from 9 to 2); auth-3 appears at 40 s with 1.
        let r = judge(scraped { i in
            var pools = [pool(timeouts: i < 30 ? 9 : 2)]
            if i >= 40 { pools.append(pool("auth-3", timeouts: 1)) }
            return PoolScrape(at: Double(i), url: Self.url, pools: pools)
        })
        #expect(r.budget.scrapes.pools.map(\.timeouts) == [2, 1])
        #expect(r.budget.scrapes.pools.map(\.firstTimeoutAt) == [30, 40])
        #expect(r.headline.hasPrefix("BLOCKED: exhaustion — 3 connection acquires timed out in 2 pools (auth-1 2, auth-3 1)"), "\(r.headline)")
    }

    @Test func pendingRequestsAndASaturatedPoolAreWarnings() {
        let r = judge(scraped { i in PoolScrape(at: Double(i), url: Self.url, pools: [i == 12 ? pool(active: 20, idle: 0, pending: 3) : pool()]) })
        #expect(r.verdict.decision == .passWithWarnings)
        #expect(r.verdict.warnings.map(\.message) == [
            "pool auth-1 had 3 requests waiting for a connection at 12 s (hikaricp_connections_pending)",
            "pool auth-1 had all 20 of its connections active in 1 of 60 scrapes (hikaricp_connections_active = _max): the next request waits",
        ])
    }

    @Test func scrapesFailingMoreThanHalfTheTimeAreInconclusiveAndFewerAWarning() {
        let garbage = PoolScrape(at: 0, url: Self.url, page: "<!DOCTYPE html>\n")
        let mostly = judge(scraped { i in i % 3 == 0 ? PoolScrape(at: Double(i), url: Self.url, pools: [pool()])
                                                     : PoolScrape(at: Double(i), url: Self.url, error: garbage.error) })
        #expect(mostly.verdict.decision == .inconclusive)
        #expect(mostly.headline == "INCONCLUSIVE: 40 of 60 scrapes of \(Self.url) failed (more than half; first at 1.0 s: not Prometheus or OpenMetrics text: line 1, column 1: expected a metric name, found \"<\" (the line reads \"<!DOCTYPE html>\"))")
        let some = judge(scraped { i in i % 3 == 0 ? PoolScrape(at: Double(i), url: Self.url, error: "connection refused")
                                                   : PoolScrape(at: Double(i), url: Self.url, pools: [pool()]) })
        #expect(some.verdict.decision == .passWithWarnings)
        #expect(some.verdict.warnings.first?.message == "20 of 60 scrapes of \(Self.url) failed (first at 0.0 s: connection refused)")
        let never = judge(scraped { i in PoolScrape(at: Double(i), url: Self.url, error: "connection refused") })
        #expect(never.headline == "INCONCLUSIVE: no scrape of \(Self.url) succeeded (60 of 60 failed; first: connection refused): pool timeouts could not be seen")
        #expect(CanarySnapshot(never.record, settings: settings(), criteria: never.criteria).scrapeErrors == 60)
    }

    @Test func aPoolWithoutItsTimeoutCounterIsAWarning() {
        var p = pool()
        p.timeouts = nil
        let r = judge(scraped { PoolScrape(at: Double($0), url: Self.url, pools: [p]) })
        #expect(r.verdict.decision == .passWithWarnings)
        #expect(r.verdict.warnings.map(\.message) == ["pool auth-1 at \(Self.url) has no hikaricp_connections_timeout_total: its timeouts cannot be seen"])
    }

    @Test func aPageWithoutPoolsIsInconclusive() {
        let r = judge(scraped { i in PoolScrape(at: Double(i), url: Self.url, page: "up 1\n") })
        #expect(r.verdict.decision == .inconclusive)
        #expect(r.headline.hasPrefix("INCONCLUSIVE: \(Self.url) answered 60 scrapes with no hikaricp_connections series"))
    }

    @Test func aPoolTimeoutStillBlocksWhenOtherScrapesFailed() {
        let r = judge(scraped { i in i < 40 ? PoolScrape(at: Double(i), url: Self.url, error: "no answer within 5 s")
                                            : PoolScrape(at: Double(i), url: Self.url, pools: [pool(timeouts: Double(i - 40))]) })
        #expect(r.verdict.decision == .blocked)
        #expect(r.verdict.reasons.map(\.kind) == [.exhaustion, .environment])
    }

    @Test func refusalsInTheServerLogBlockWithTheLine() {
        var rec = record()
        rec.log = ServerLogWatch(file: "/var/log/postgresql/main.log", lines: 120)
        #expect(judge(rec).headline.hasSuffix("no refusal in 120 server log lines, 60 samples over 59 s"))
        rec.log?.read(["2026-11-30 00:12:01 UTC [4711] FATAL:  sorry, too many clients already",
                       "2026-11-30 00:12:01 UTC [4712] FATAL:  sorry, too many clients already"], at: 14)
        rec.log?.read(["2026-11-30 00:12:02 UTC [4713] FATAL:  remaining connection slots are reserved for roles with the SUPERUSER attribute"], at: 15)
        let r = judge(rec)
        #expect(r.verdict.decision == .blocked)
        #expect(r.headline == "BLOCKED: exhaustion — the server log /var/log/postgresql/main.log reports 3 refused connections (2 “sorry, too many clients already”, 1 “remaining connection slots are reserved”), first read at 14 s: the fleet's new connections are refused")
        #expect(r.verdict.reasons.first?.evidence == ["2026-11-30 00:12:01 UTC [4711] FATAL:  sorry, too many clients already"])
        #expect(CanarySnapshot(rec, settings: settings(), criteria: r.criteria).refusals == 3)
        #expect(CanaryFormat.text.render(r).contains(try! Regex("refusals in /var/log/postgresql/main.log +3  123 lines read")))
        #expect(CanaryFormat.html.render(r).components(separatedBy: "fill=\"#F4C7B0\"").count == 4, "the three refusals are marked on the chart")
    }
}
