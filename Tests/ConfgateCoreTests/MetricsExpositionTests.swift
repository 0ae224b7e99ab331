import Testing
@testable import ConfgateCore

/// The metrics page reader behind `canary --scrape`: both formats as services write them,
/// and every way a page can fail to be metrics, with its line and column.
@Suite struct MetricsExpositionTests {
    /// Micrometer's Prometheus registry, text format 0.0.4 (Spring Boot's /actuator/prometheus).
    static let prometheusText = """
        # HELP hikaricp_connections_active Active connections
        # TYPE hikaricp_connections_active gauge
        hikaricp_connections_active{pool="auth-1",} 7.0
        hikaricp_connections_idle{pool="auth-1",} 13.0
        hikaricp_connections_pending{pool="auth-1",} 0.0
        hikaricp_connections_max{pool="auth-1",} 20.0
        hikaricp_connections{pool="auth-1",} 20.0
        # HELP hikaricp_connections_timeout_total Connection timeout total count
        # TYPE hikaricp_connections_timeout_total counter
        hikaricp_connections_timeout_total{pool="auth-1",} 3.0
        hikaricp_connections_acquire_seconds_count{pool="auth-1",} 1523.0
        hikaricp_connections_acquire_seconds_sum{pool="auth-1",} 0.7615
        hikaricp_connections_acquire_seconds_max{pool="auth-1",} 0.0123
        hikaricp_connections_acquire_seconds{pool="auth-1",quantile="0.99",} 0.004
        jvm_threads_live_threads 42.0
        http_server_requests_seconds_count{method="GET",uri="/login"} 12 1700000000000

        """

    /// The same pool in OpenMetrics: counter family without `_total`, a `_created`, an
    /// exemplar, a timestamp in seconds, `# EOF`.
    static let openMetrics = """
        # TYPE hikaricp_connections_active gauge
        # HELP hikaricp_connections_active Active connections
        hikaricp_connections_active{pool="auth-1"} 7.0
        hikaricp_connections_max{pool="auth-1"} 20.0
        # TYPE hikaricp_connections_timeout counter
        # HELP hikaricp_connections_timeout Connection timeout total count
        hikaricp_connections_timeout_total{pool="auth-1"} 3.0 1700000000.123
        hikaricp_connections_timeout_created{pool="auth-1"} 1.7e9
        hikaricp_connections_acquire_seconds_count{pool="auth-1"} 1523 # {trace_id="abc"} 0.5 1700000000.0
        # EOF
        """

    @Test func prometheusTextFormatAsMicrometerWritesIt() throws {
        let page = try MetricsExposition(parsing: Self.prometheusText)
        #expect(!page.openMetrics)
        #expect(page.samples.count == 12)
        #expect(page.types["hikaricp_connections_timeout_total"] == "counter")
        #expect(page.samples[0] == .init(name: "hikaricp_connections_active", labels: [.init("pool", "auth-1")], value: 7))
        #expect(page.samples.last?.value == 12, "the timestamp is read past")
        let pools = HikariPoolReading.readings(page)
        #expect(pools.count == 1, "the quantile line belongs to the same pool")
        let p = try #require(pools.first)
        #expect(p.pool == "auth-1" && p.labels == ["pool": "auth-1"])
        #expect(p.active == 7 && p.idle == 13 && p.pending == 0 && p.max == 20 && p.total == 20)
        #expect(p.timeouts == 3 && p.acquireCount == 1523 && p.acquireSeconds == 0.7615 && p.acquireMaxSeconds == 0.0123)
    }

    @Test func openMetricsWithEOFCounterFamiliesTimestampsAndExemplars() throws {
        let page = try MetricsExposition(parsing: Self.openMetrics)
        #expect(page.openMetrics)
        #expect(page.types["hikaricp_connections_timeout"] == "counter")
        let p = try #require(HikariPoolReading.readings(page).first)
        #expect(p.active == 7 && p.max == 20 && p.timeouts == 3 && p.acquireCount == 1523)
    }

    @Test func labelValuesUnescapeAndSpecialValuesParse() throws {
        let page = try MetricsExposition(parsing: #"""
            hikaricp_connections_active{pool="a \"quoted\" \\ pool\nline", app = "x" } NaN
            hikaricp_connections_max{pool="b"} +Inf
            hikaricp_connections_min{pool="b"} -Inf
            hikaricp_connections_idle{pool="b"} 1.5e1
            """#)
        #expect(page.samples[0].label("pool") == "a \"quoted\" \\ pool\nline")
        #expect(page.samples[0].label("app") == "x")
        #expect(page.samples[0].value.isNaN)
        #expect(page.samples[1].value == .infinity && page.samples[2].value == -.infinity && page.samples[3].value == 15)
        let pools = HikariPoolReading.readings(page)
        #expect(pools.map(\.pool) == ["a \"quoted\" \\ pool\nline", "b"])
        #expect(pools[0].active == nil, "NaN is unknown")
        #expect(pools[1].max == nil && pools[1].min == nil, "infinities are unknown")
        #expect(pools[1].idle == 15)
    }

    @Test func commentsBlankLinesAndCRLFAreReadPast() throws {
        let page = try MetricsExposition(parsing: "# just a comment\r\n\r\n#\r\nup 1\r\n")
        #expect(page.samples == [.init(name: "up", value: 1)])
    }

    @Test func aPageWithoutPoolsHasNoReadings() throws {
        #expect(HikariPoolReading.readings(try MetricsExposition(parsing: "up 1\n")).isEmpty)
        #expect(HikariPoolReading.readings(try MetricsExposition(parsing: "")).isEmpty)
    }

    @Test func aPoolWithoutAPoolLabelIsNamedByItsLabels() throws {
        let pools = HikariPoolReading.readings(try MetricsExposition(parsing: "hikaricp_connections_active{app=\"auth\"} 1\nhikaricp_connections_active 2\n"))
        #expect(pools.map(\.pool) == ["app=\"auth\"", "(no labels)"])
    }

    func error(_ text: String) -> MetricsParseError? {
        do { _ = try MetricsExposition(parsing: text); return nil } catch { return error }
    }

    @Test func garbageFailsAtItsLineAndColumn() throws {
        let html = try #require(error("<!DOCTYPE html>\n<html><body>Whitelabel Error Page</body></html>\n"))
        #expect(html.line == 1 && html.column == 1)
        #expect(html.description == "line 1, column 1: expected a metric name, found \"<\" (the line reads \"<!DOCTYPE html>\")")
        let json = try #require(error("up 1\n{\"status\":\"UP\"}\n"))
        #expect((json.line, json.column) == (2, 1))
        #expect(error("hikaricp_connections_active{pool=\"a\"} seven\n")?.description.hasPrefix("line 1, column 39: expected a value, found \"seven\"") == true)
        #expect(error("hikaricp_connections_active{pool=\"a} 1\n")?.message == "unterminated label value")
        #expect(error("m{pool=\"a\\t\"} 1\n").map { ($0.column, $0.message.hasPrefix("unknown escape")) } ?? (0, false) == (11, true))
        #expect(error("m{pool=a} 1\n").map { ($0.column, $0.message) } ?? (0, "") == (8, "expected a quoted value for label pool, found \"a\""))
        #expect(error("m{pool=\"a\" x=\"b\"} 1\n")?.message == "expected \",\" or \"}\" after label pool, found \"x\"")
        #expect(error("m 1 2 3\n").map { ($0.column, $0.message) } ?? (0, "") == (7, "expected the end of the line, found \"3\""))
        #expect(error("m\n")?.message == "expected a space and the value after m, found the end of the line")
        #expect(error("m 1\n# EOF\nm 2\n").map { ($0.line, $0.message) } ?? (0, "") == (3, "text after \"# EOF\""))
        #expect(error(String(repeating: "x", count: 100) + "!\n")?.text.count == 61, "the line is cut for the report")
    }

    @Test func aScrapeOfGarbageIsAFailureNamingTheLine() {
        let s = PoolScrape(at: 1, url: "http://auth-1:8080/metrics", page: "<html>\n")
        #expect(s.pools.isEmpty)
        #expect(s.error == "not Prometheus or OpenMetrics text: line 1, column 1: expected a metric name, found \"<\" (the line reads \"<html>\")")
        #expect(PoolScrape(at: 1, url: "u", page: Self.prometheusText).error == nil)
    }

    @Test func aPasswordInAScrapeURLIsHidden() {
        #expect(PoolScrape.redacted("https://prom:hunter2@auth-1:8443/actuator/prometheus?x=a@b") == "https://prom:***@auth-1:8443/actuator/prometheus?x=a@b")
        #expect(PoolScrape.redacted("http://auth-1:8080/metrics") == "http://auth-1:8080/metrics")
        #expect(PoolScrape.redacted("http://user@auth-1/metrics") == "http://user@auth-1/metrics")
    }
}
