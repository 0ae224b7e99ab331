/// Everything a canary observed on the watched server: the pure values the sampler
/// produces, and all the judge and renderers read. A live consumer (a progress line, a
/// metrics endpoint) gets the record after every tick and derives its figures with
/// `CanarySnapshot`.
public struct CanaryRecord: Hashable, Sendable, Codable {
    public var samples: [CanarySample]
    /// Read at start and every minute; never empty once the canary connected.
    public var limits: [ServerLimits]
    public var probes: [ProbeResult]
    /// The monitoring role, and whether it may see other sessions' state (superuser,
    /// `pg_monitor` or `pg_read_all_stats`).
    public var role: String
    public var privileged: Bool
    /// The role the probe connects as; `nil` when no probe ran.
    public var probeRole: String?
    /// Set when Ctrl-C (or SIGTERM) stopped the canary before its duration.
    public var interrupted: Bool
    /// Why sampling stopped early otherwise (the monitoring connection was lost), if it did.
    public var failure: String?
    /// The `--scrape` URLs (as shown, a password hidden), and every scrape of them in order.
    public var scrapeURLs: [String]
    public var scrapes: [PoolScrape]
    /// The server log (`--log`) when one was read.
    public var log: ServerLogWatch?

    public init(samples: [CanarySample] = [], limits: [ServerLimits] = [], probes: [ProbeResult] = [],
                role: String = "", privileged: Bool = true, probeRole: String? = nil,
                interrupted: Bool = false, failure: String? = nil,
                scrapeURLs: [String] = [], scrapes: [PoolScrape] = [], log: ServerLogWatch? = nil) {
        self.samples = samples
        self.limits = limits
        self.probes = probes
        self.role = role
        self.privileged = privileged
        self.probeRole = probeRole
        self.interrupted = interrupted
        self.failure = failure
        self.scrapeURLs = scrapeURLs
        self.scrapes = scrapes
        self.log = log
    }

    /// The limits in force at `time`: the last read at or before it (the first before any read).
    public func limits(at time: Double) -> ServerLimits? {
        limits.last { $0.at <= time } ?? limits.first
    }

    /// Seconds from the first sample to the last.
    public var span: Double {
        guard let first = samples.first, let last = samples.last else { return 0 }
        return last.at - first.at
    }

    /// Refused probes.
    public var refusals: [ProbeResult] { probes.filter { $0.outcome == .refused } }

    /// Scrapes that failed (`confgate_scrape_errors_total`).
    public var scrapeErrors: Int { scrapes.filter { $0.error != nil }.count }
}
