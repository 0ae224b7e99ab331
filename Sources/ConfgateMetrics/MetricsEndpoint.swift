import ConfgateCore
import FlyingFox
import FlyingSocks
import Foundation
import Synchronization

/// An HTTP endpoint that serves `GET /metrics` and nothing else: 404 for any other path,
/// 405 for another method on `/metrics`. The body is whatever `exposition` returns when
/// scraped, so any command can serve its own figures (`run` its pools, a live canary its
/// gauges) by passing a closure, e.g. a `PrometheusCollectorRegistry`'s `emitToString`.
public final class MetricsEndpoint: Sendable {
    /// The Prometheus text format 0.0.4, what swift-prometheus writes. A scraper that asks
    /// for OpenMetrics (`Accept: application/openmetrics-text`, as Prometheus does) gets the
    /// same figures as OpenMetrics 1.0 (`OpenMetricsText`).
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    /// The address actually bound (with the system's port when asked for port 0).
    public let address: ListenAddress
    private let server: HTTPServer
    private let task: Task<Void, Never>

    /// `http://127.0.0.1:9464/metrics`.
    public var url: String { "http://\(address)/metrics" }

    private init(address: ListenAddress, server: HTTPServer, task: Task<Void, Never>) {
        self.address = address
        self.server = server
        self.task = task
    }

    /// Binds `listen` and starts serving; returns once the socket listens. Throws
    /// `ConfgateError(.environment)` when the address cannot be bound (in use, not ours).
    public static func start(
        _ listen: ListenAddress, exposition: @escaping @Sendable () async -> String
    ) async throws(ConfgateError) -> MetricsEndpoint {
        let socketAddress: any SocketAddress
        do {
            socketAddress = listen.isIPv6
                ? try sockaddr_in6.inet6(ip6: listen.host, port: listen.port)
                : try sockaddr_in.inet(ip4: listen.host, port: listen.port)
        } catch {
            throw ConfgateError(.badInput, "--listen \(listen): not an address this machine can bind")
        }
        let server = HTTPServer(address: socketAddress, timeout: 15, logger: .disabled,
                                handler: MetricsHandler(exposition: exposition))
        let failure = Mutex<String?>(nil)
        let task = Task {
            do { try await server.run() } catch { failure.withLock { $0 = "\(error)" } }
        }
        // A bounded poll: FlyingFox sets its listening state once bind and listen succeeded,
        // and `run` returns with an error at once when they did not. The bound is only a
        // safety net, generous for a loaded machine (seen: over 10 s in a full parallel
        // `swift test` on 2 busy cores).
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let bound = await server.listeningAddress {
                var address = listen
                switch bound {
                case .ip4(_, let port), .ip6(_, let port): address.port = port
                case .unix: break
                }
                return MetricsEndpoint(address: address, server: server, task: task)
            }
            if let reason = failure.withLock({ $0 }) {
                throw ConfgateError(.environment, "--listen \(listen): cannot serve metrics there: \(reason)")
            }
            try? await Task.sleep(for: .milliseconds(5))
        }
        await server.stop()
        await task.value
        throw ConfgateError(.environment, "--listen \(listen): the metrics endpoint did not start listening within 60 s")
    }

    /// Stops listening, closes open connections, and waits for the server to end.
    public func stop() async {
        await server.stop(timeout: 1)
        await task.value
    }
}

/// The one route: `GET /metrics`.
struct MetricsHandler: HTTPHandler {
    let exposition: @Sendable () async -> String

    func handleRequest(_ request: HTTPRequest) async throws -> HTTPResponse {
        guard request.path == "/metrics" else {
            return HTTPResponse(statusCode: .notFound, headers: [.contentType: "text/plain"], body: Data("not found: only GET /metrics is served\n".utf8))
        }
        guard request.method == .GET else {
            return HTTPResponse(statusCode: .methodNotAllowed, headers: [.contentType: "text/plain", HTTPHeader("Allow"): "GET"],
                                body: Data("method not allowed: only GET /metrics is served\n".utf8))
        }
        let text = await exposition()
        if OpenMetricsText.asked(request.headers[HTTPHeader("Accept")]) {
            return HTTPResponse(statusCode: .ok, headers: [.contentType: OpenMetricsText.contentType],
                                body: Data(OpenMetricsText.convert(text).utf8))
        }
        return HTTPResponse(statusCode: .ok, headers: [.contentType: MetricsEndpoint.contentType], body: Data(text.utf8))
    }
}
