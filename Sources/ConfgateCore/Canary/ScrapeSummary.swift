import Foundation

/// What the `--scrape` URLs showed over the watch, per URL and per pool: how many scrapes
/// failed, each pool's peaks, and how many acquires timed out. Pure arithmetic over the
/// record's `PoolScrape`s, in the order taken.
public struct ScrapeSummary: Hashable, Sendable, Codable {
    public struct Target: Hashable, Sendable, Codable {
        public var url: String
        public var scrapes: Int
        public var failed: Int
        /// The first failure and when it happened.
        public var firstError: String?
        public var firstErrorAt: Double?
        /// Whether any answer held a `hikaricp_connections` series.
        public var sawPools: Bool { !pools.isEmpty }
        public var pools: [Pool]
    }

    public struct Pool: Hashable, Sendable, Codable {
        public var name: String
        public var url: String
        /// Scrapes that showed it.
        public var seenIn: Int
        /// `hikaricp_connections_max` (the last read).
        public var maxSize: Int?
        public var peakActive: Int
        public var peakActiveAt: Double?
        /// Scrapes in which every connection was active (`_active` = `_max`).
        public var saturatedIn: Int
        public var peakTotal: Int
        public var peakPending: Int
        public var peakPendingAt: Double?
        /// The increase of `hikaricp_connections_timeout_total` during the watch (a counter
        /// that went down — a restarted service — counts from 0 again, as Prometheus' `increase`
        /// does; a pool that first appeared after its URL's first answer counts from 0).
        public var timeouts: Int
        public var firstTimeoutAt: Double?
        /// Whether the page had `hikaricp_connections_timeout_total` for it at all.
        public var countsTimeouts = false
        /// Acquires during the watch and their mean wait (from `_acquire_seconds_count`, `_sum`).
        public var acquires: Int
        public var acquireMeanSeconds: Double?
        /// The longest acquire wait seen (`_acquire_seconds_max`).
        public var acquireMaxSeconds: Double?
    }

    /// In the order given; each URL's pools by name (`auth-2` before `auth-10`).
    public var targets: [Target]

    /// Every pool of every URL.
    public var pools: [Pool] { targets.flatMap(\.pools) }

    public init(urls: [String], scrapes: [PoolScrape]) {
        let byURL = Dictionary(grouping: scrapes, by: \.url)  // one pass: the summary is recomputed after every update
        targets = urls.map { url in Self.target(url, byURL[url] ?? []) }
    }

    static func target(_ url: String, _ scrapes: [PoolScrape]) -> Target {
        struct Running { var pool: Pool; var lastTimeouts: Double?; var lastCount: Double?; var lastSum: Double?; var waitSum = 0.0 }
        var order: [String] = [], running: [String: Running] = [:]
        var firstAnswered = true
        for scrape in scrapes where scrape.error == nil {
            for r in scrape.pools {
                let key = r.labels.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",") + "|" + r.pool
                if running[key] == nil {
                    order.append(key)
                    // A pool that appears after the first answer started during the watch: its counters count from 0.
                    running[key] = Running(pool: Pool(name: r.pool, url: url, seenIn: 0, peakActive: 0, saturatedIn: 0, peakTotal: 0,
                                                      peakPending: 0, timeouts: 0, acquires: 0),
                                           lastTimeouts: firstAnswered ? r.timeouts : 0, lastCount: firstAnswered ? r.acquireCount : 0,
                                           lastSum: firstAnswered ? r.acquireSeconds : 0)
                }
                var s = running[key]!
                s.pool.seenIn += 1
                if let m = r.max { s.pool.maxSize = Int(m) }
                if let a = r.active {
                    if Int(a) > s.pool.peakActive || s.pool.peakActiveAt == nil { s.pool.peakActive = Int(a); s.pool.peakActiveAt = scrape.at }
                    if let m = r.max, m > 0, a >= m { s.pool.saturatedIn += 1 }
                }
                let total = r.total ?? ((r.active ?? 0) + (r.idle ?? 0))
                s.pool.peakTotal = Swift.max(s.pool.peakTotal, Int(total))
                if let p = r.pending, Int(p) > s.pool.peakPending { s.pool.peakPending = Int(p); s.pool.peakPendingAt = scrape.at }
                if let t = r.timeouts {
                    s.pool.countsTimeouts = true
                    let delta = Self.increase(from: s.lastTimeouts, to: t)
                    if delta > 0 {
                        s.pool.timeouts += Int(delta.rounded())
                        if s.pool.firstTimeoutAt == nil { s.pool.firstTimeoutAt = scrape.at }
                    }
                    s.lastTimeouts = t
                }
                if let c = r.acquireCount {
                    let counted = Self.increase(from: s.lastCount, to: c)
                    s.pool.acquires += Int(counted.rounded())
                    if let sum = r.acquireSeconds {
                        s.waitSum += counted > 0 ? Self.increase(from: s.lastSum, to: sum) : 0
                        s.lastSum = sum
                    }
                    s.lastCount = c
                }
                if let m = r.acquireMaxSeconds { s.pool.acquireMaxSeconds = Swift.max(s.pool.acquireMaxSeconds ?? 0, m) }
                s.pool.acquireMeanSeconds = s.pool.acquires > 0 ? s.waitSum / Double(s.pool.acquires) : nil
                running[key] = s
            }
            firstAnswered = false
        }
        let failures = scrapes.filter { $0.error != nil }
        return Target(url: url, scrapes: scrapes.count, failed: failures.count, firstError: failures.first?.error,
                      firstErrorAt: failures.first?.at,
                      pools: order.compactMap { running[$0]?.pool }.sorted { $0.name.compare($1.name, options: .numeric) == .orderedAscending })
    }

    /// A counter's increase between two readings; a reading below the last is a reset (from 0).
    static func increase(from last: Double?, to now: Double) -> Double {
        guard let last else { return 0 }
        return now >= last ? now - last : now
    }
}
