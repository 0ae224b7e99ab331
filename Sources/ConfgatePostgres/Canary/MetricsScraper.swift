import ConfgateCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// GETs a service's metrics page for `canary --scrape`, as Prometheus does: asking for
/// OpenMetrics first and the text format 0.0.4 next, with a timeout, and hands the body to
/// `PoolScrape` to read. Every failure — unreachable, timed out, an HTTP status other than
/// 200, a page that is not metrics — is a `PoolScrape` with its error, never a throw.
public final class MetricsScraper: Sendable {
    /// What Prometheus sends.
    public static let accept = "application/openmetrics-text;version=1.0.0;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
    /// Each scrape gives up after this long.
    public static let timeout: TimeInterval = 5

    private let session: URLSession

    public init() {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = Self.timeout
        configuration.timeoutIntervalForResource = Self.timeout
        configuration.httpAdditionalHeaders = ["Accept": Self.accept, "User-Agent": "confgate-canary"]
        session = URLSession(configuration: configuration)
    }

    /// Whether `url` is something to scrape: an absolute `http` or `https` URL with a host.
    public static func validate(_ url: String) -> String? {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased() else {
            return "--scrape \(PoolScrape.redacted(url)): not a URL (e.g. http://auth-1:8080/actuator/prometheus)"
        }
        guard scheme == "http" || scheme == "https" else {
            return "--scrape \(PoolScrape.redacted(url)): only http:// and https:// URLs are scraped, not \(scheme)://"
        }
        guard let host = u.host, !host.isEmpty else { return "--scrape \(PoolScrape.redacted(url)): no host" }
        return nil
    }

    /// One scrape of `url`, stamped `at`.
    public func scrape(_ url: String, at: Double) async -> PoolScrape {
        let shown = PoolScrape.redacted(url)
        guard let u = URL(string: url) else { return PoolScrape(at: at, url: shown, error: "not a URL") }
        var request = URLRequest(url: u, timeoutInterval: Self.timeout)
        request.setValue(Self.accept, forHTTPHeaderField: "Accept")
        do {
            let (data, response) = try await fetch(request)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            guard status == 200 else {
                return PoolScrape(at: at, url: shown, error: "HTTP \(status) \(HTTPURLResponse.localizedString(forStatusCode: status))")
            }
            return PoolScrape(at: at, url: shown, page: String(decoding: data, as: UTF8.self))
        } catch {
            return PoolScrape(at: at, url: shown, error: Self.describe(error))
        }
    }

    /// `request`'s body and response. Not `URLSession.data(for:)`: on Linux its cancellation
    /// handler cancels the URL task synchronously while holding the Swift task's status lock,
    /// and a transfer completing at that moment needs the same lock to resume — the canary
    /// hung at the end of a watch that way. Here cancellation (the watch ending, Ctrl-C)
    /// cancels the URL task from another queue, after the handler has returned.
    private func fetch(_ request: URLRequest) async throws -> (Data, URLResponse) {
        let box = TaskBox()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (done: CheckedContinuation<(Data, URLResponse), any Error>) in
                let task = session.dataTask(with: request) { data, response, error in
                    if let data, let response { done.resume(returning: (data, response)) }
                    else { done.resume(throwing: error ?? URLError(.unknown)) }
                }
                box.set(task)
                task.resume()
            }
        } onCancel: {
            DispatchQueue.global().async { box.cancel() }
        }
    }

    /// The URL task of one fetch, for its cancellation handler (which may run before the
    /// task exists: then the task is cancelled as soon as it is set).
    private final class TaskBox: @unchecked Sendable {
        private let lock = NSLock()
        private var task: URLSessionDataTask?
        private var cancelled = false

        func set(_ task: URLSessionDataTask) {
            let cancelNow = lock.withLock { () -> Bool in
                self.task = task
                return cancelled
            }
            if cancelNow { DispatchQueue.global().async { task.cancel() } }
        }

        func cancel() {
            let task = lock.withLock { () -> URLSessionDataTask? in
                cancelled = true
                return self.task
            }
            task?.cancel()
        }
    }

    /// Ends the session (no new scrapes).
    public func finish() {
        session.invalidateAndCancel()
    }

    static func describe(_ error: any Error) -> String {
        if let e = error as? URLError {
            switch e.code {
            case .timedOut: return "no answer within \(Int(timeout)) s"
            case .cannotConnectToHost: return "connection refused"
            case .cannotFindHost: return "host not found"
            default: return e.localizedDescription
            }
        }
        return "\(error)"
    }
}
