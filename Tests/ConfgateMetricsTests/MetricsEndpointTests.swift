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
            // Asked for OpenMetrics, it answers in the text format, which scrapers accept.
            let (asked, _, askedType) = try await Self.fetch(endpoint.url, accept: "application/openmetrics-text;version=1.0.0")
            #expect(asked == 200 && askedType?.hasPrefix("text/plain; version=0.0.4") == true)
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
}
