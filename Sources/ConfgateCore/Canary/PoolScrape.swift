/// One GET of one `--scrape` URL: the HikariCP pools it showed, or why it failed.
public struct PoolScrape: Hashable, Sendable, Codable {
    /// Seconds since the canary started.
    public var at: Double
    /// The URL as shown (a password in it as `***`).
    public var url: String
    /// Every pool of the page; empty when the scrape failed.
    public var pools: [HikariPoolReading]
    /// Why it failed: unreachable, an HTTP status, a timeout, or a page that is not metrics
    /// (with the line and column of its first bad line). `nil` when it answered with metrics.
    public var error: String?

    public init(at: Double, url: String, pools: [HikariPoolReading] = [], error: String? = nil) {
        self.at = at
        self.url = url
        self.pools = pools
        self.error = error
    }

    /// A scrape of a page that answered: its pools, or the parse error as the failure.
    public init(at: Double, url: String, page: String) {
        do {
            self.init(at: at, url: url, pools: HikariPoolReading.readings(try MetricsExposition(parsing: page)))
        } catch {
            self.init(at: at, url: url, error: "not Prometheus or OpenMetrics text: \(error)")
        }
    }

    /// `http://user:***@host/metrics`: the URL with a password in it hidden.
    public static func redacted(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(where: { "/?#".contains($0) }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return url }
        return String(url[..<rest.startIndex]) + authority[..<colon] + ":***" + url[at...]
    }
}

/// One HikariCP pool as its service publishes it through Micrometer: every sample whose name
/// starts with `hikaricp_connections`, grouped by its labels (without `quantile` and `le`,
/// which split one timer into several lines). Values that are NaN or infinite are unknown (nil).
public struct HikariPoolReading: Hashable, Sendable, Codable {
    /// The `pool` label (HikariCP's `poolName`), or the whole label set when there is none.
    public var pool: String
    /// The labels as written on the page (`pool="auth-1"`, and any a service adds).
    public var labels: [String: String]
    /// `hikaricp_connections`, `_active`, `_idle`, `_pending`, `_max`, `_min`.
    public var total: Double?, active: Double?, idle: Double?, pending: Double?, max: Double?, min: Double?
    /// `hikaricp_connections_timeout_total`: acquires that gave up after `connectionTimeout`.
    public var timeouts: Double?
    /// `hikaricp_connections_acquire_seconds_count`, `_sum`, `_max`.
    public var acquireCount: Double?, acquireSeconds: Double?, acquireMaxSeconds: Double?

    public init(pool: String, labels: [String: String] = [:]) {
        self.pool = pool
        self.labels = labels
    }

    /// The prefix every HikariCP series shares.
    public static let prefix = "hikaricp_connections"

    /// The pools of a page, in the order they first appear.
    public static func readings(_ page: MetricsExposition) -> [HikariPoolReading] {
        var order: [[MetricsExposition.Label]] = []
        var pools: [[MetricsExposition.Label]: HikariPoolReading] = [:]
        for s in page.samples where s.name.hasPrefix(prefix) {
            let key = s.labels.filter { $0.name != "quantile" && $0.name != "le" }
            if pools[key] == nil {
                order.append(key)
                let name = s.label("pool") ?? (key.isEmpty ? "(no labels)" : key.map { "\($0.name)=\"\($0.value)\"" }.joined(separator: ","))
                pools[key] = HikariPoolReading(pool: name, labels: Dictionary(key.map { ($0.name, $0.value) }) { a, _ in a })
            }
            let v: Double? = s.value.isFinite ? s.value : nil
            let suffix = s.name.dropFirst(prefix.count)
            switch suffix {
            case "": pools[key]?.total = v
            case "_active": pools[key]?.active = v
            case "_idle": pools[key]?.idle = v
            case "_pending": pools[key]?.pending = v
            case "_max": pools[key]?.max = v
            case "_min": pools[key]?.min = v
            case "_timeout_total", "_timeout": pools[key]?.timeouts = v
            case "_acquire_seconds_count": pools[key]?.acquireCount = v
            case "_acquire_seconds_sum": pools[key]?.acquireSeconds = v
            case "_acquire_seconds_max": pools[key]?.acquireMaxSeconds = v
            default: break
            }
        }
        return order.compactMap { pools[$0] }
    }
}
