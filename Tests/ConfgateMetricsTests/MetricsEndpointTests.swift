import ConfgateCore
import ConfgateMetrics
import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A live endpoint on a free loopback port, stopped on every path.
@Suite struct MetricsEndpointTests {
    static func withEndpoint(_ body: (MetricsEndpoint) async throws -> Void) async throws {
        let endpoint = try await MetricsEndpoint.start(ListenAddress(host: "127.0.0.1", port: 0)) { "confgate_up 1\n" }
        do {
            try await body(endpoint)
        } catch {
            await endpoint.stop()
            throw error
        }
        await endpoint.stop()
    }

    static func fetch(_ url: String, method: String = "GET", accept: String? = nil) async throws -> (Int, String, String?) {
        var request = URLRequest(url: URL(string: url)!)
        request.httpMethod = method
        if let accept { request.setValue(accept, forHTTPHeaderField: "Accept") }
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        let http = try #require(response as? HTTPURLResponse)
        return (http.statusCode, String(decoding: data, as: UTF8.self), http.value(forHTTPHeaderField: "Content-Type"))
    }

    @Test func servesGetMetricsOnTheBoundPort() async throws {
        try await Self.withEndpoint { endpoint in
            #expect(endpoint.address.port != 0)
            #expect(endpoint.url == "http://127.0.0.1:\(endpoint.address.port)/metrics")
            let (status, body, type) = try await Self.fetch(endpoint.url)
            #expect(status == 200 && body == "confgate_up 1\n")
            #expect(type?.hasPrefix("text/plain; version=0.0.4") == true)
            // Asked for OpenMetrics (Prometheus' own Accept header), it answers OpenMetrics.
            let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
            let (asked, askedBody, askedType) = try await Self.fetch(endpoint.url, accept: prometheus)
            #expect(asked == 200 && askedType?.hasPrefix("application/openmetrics-text; version=1.0.0") == true)
            #expect(askedBody == "confgate_up 1\n# EOF\n")
        }
    }

    @Test func nothingElseIsServed() async throws {
        try await Self.withEndpoint { endpoint in
            let base = "http://127.0.0.1:\(endpoint.address.port)"
            for path in ["/", "/metrics/x", "/debug"] {
                let (status, _, _) = try await Self.fetch(base + path)
                #expect(status == 404, "\(path)")
            }
            for method in ["POST", "DELETE"] {
                let (status, _, _) = try await Self.fetch(base + "/metrics", method: method)
                #expect(status == 405, "\(method)")
            }
        }
    }

    @Test func aPortInUseIsAnEnvironmentErrorAndStopFreesIt() async throws {
        try await Self.withEndpoint { endpoint in
            let error = await #expect(throws: ConfgateError.self) {
                _ = try await MetricsEndpoint.start(endpoint.address) { "" }
            }
            #expect(error?.kind == .environment)
        }
    }

    /// Counters get OpenMetrics' family names, counters without `_total` samples become
    /// `unknown`, gauges stay, and the exposition ends with `# EOF`.
    @Test func theTextFormatBecomesOpenMetrics() {
        let text = """
            # HELP confgate_refusals_total Refused connection attempts
            # TYPE confgate_refusals_total counter
            confgate_refusals_total 3
            # HELP hikaricp_connections_acquire_seconds_count Connection acquire time
            # TYPE hikaricp_connections_acquire_seconds_count counter
            hikaricp_connections_acquire_seconds_count{pool="auth-1"} 12
            # TYPE hikaricp_connections_active gauge
            hikaricp_connections_active{pool="auth-1"} 5

            """
        #expect(OpenMetricsText.convert(text) == """
            # HELP confgate_refusals Refused connection attempts
            # TYPE confgate_refusals counter
            confgate_refusals_total 3
            # HELP hikaricp_connections_acquire_seconds_count Connection acquire time
            # TYPE hikaricp_connections_acquire_seconds_count unknown
            hikaricp_connections_acquire_seconds_count{pool="auth-1"} 12
            # TYPE hikaricp_connections_active gauge
            hikaricp_connections_active{pool="auth-1"} 5
            # EOF

            """)
        #expect(OpenMetricsText.asked("application/openmetrics-text;version=1.0.0;q=0.5,text/plain"))
        #expect(!OpenMetricsText.asked("text/plain;version=0.0.4"))
        #expect(!OpenMetricsText.asked("application/openmetrics-text;q=0"))
        #expect(!OpenMetricsText.asked(nil))
    }
}
