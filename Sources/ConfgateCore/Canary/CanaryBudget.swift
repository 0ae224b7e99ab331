/// What the observed connections mean against the budget: the server's usable connections,
/// the demand the settings declare, what each application held against `instances ×
/// max_size`, headroom and its trend. Pure arithmetic over a `CanaryRecord`.
public struct CanaryBudget: Hashable, Sendable, Codable {
    /// The limits read last (usable = max_connections − reserved slots).
    public var limits: ServerLimits?
    /// The settings' declared figures (`Derived`).
    public var declared: Derived
    /// The `--current` settings' figures, when given.
    public var current: Derived?
    /// The most connections holding slots in one sample, and when.
    public var peak: Int
    public var peakAt: Double?
    /// Usable minus the peak (at the peak's limits); negative cannot happen on a live server.
    public var minHeadroom: Int?
    /// Usable minus the last sample's connections.
    public var lastHeadroom: Int?
    /// Least-squares slope of the connections, per minute (nil with fewer than 2 samples).
    public var trendPerMinute: Double?
    /// Each watched application.
    public var applications: [Application]
    /// The longest unbroken stretch of samples above `maxUtilization` of usable.
    public var longestAbove: Stretch?
    /// The first sample at or above usable, if any.
    public var reachedUsable: Reach?
    /// Roles whose own `CONNECTION LIMIT` their sessions reached.
    public var rolesAtLimit: [RoleLimit]
    /// What the `--scrape` URLs showed: each URL's failures, each pool's peaks and timeouts.
    public var scrapes: ScrapeSummary

    public struct Application: Hashable, Sendable, Codable {
        public var name: String
        public var peak: Int
        public var peakAt: Double?
        /// instances × processes × max_size, and with the surge.
        public var steadyBudget: Int
        public var deployBudget: Int
        /// Samples in which it held any connection.
        public var seenIn: Int
    }

    public struct Stretch: Hashable, Sendable, Codable {
        public var from: Double
        public var to: Double
        public var peakUtilization: Double
        public var seconds: Double { to - from }
    }

    public struct Reach: Hashable, Sendable, Codable {
        public var at: Double
        public var connections: Int
        public var usable: Int
        public var arithmetic: String
    }

    public struct RoleLimit: Hashable, Sendable, Codable {
        public var role: String
        public var peak: Int
        public var limit: Int
    }

    public init(_ record: CanaryRecord, settings: Settings, current: Settings? = nil, criteria: CanaryCriteria) {
        limits = record.limits.last
        declared = Derived(settings)
        self.current = current.map(Derived.init)
        let samples = record.samples
        let peakSample = samples.max { $0.clientConnections < $1.clientConnections }
        peak = peakSample?.clientConnections ?? 0
        peakAt = peakSample?.at
        minHeadroom = peakSample.flatMap { s in record.limits(at: s.at).map { $0.usable - s.clientConnections } }
        lastHeadroom = samples.last.flatMap { s in record.limits(at: s.at).map { $0.usable - s.clientConnections } }
        trendPerMinute = Self.slope(samples.map { ($0.at, Double($0.clientConnections)) }).map { $0 * 60 }
        let pools = settings.fleet.processes * settings.pool.maxSize
        applications = criteria.applications.map { name in
            let top = samples.max { $0.connections(application: name) < $1.connections(application: name) }
            let n = top?.connections(application: name) ?? 0
            return Application(name: name, peak: n, peakAt: n > 0 ? top?.at : nil,
                               steadyBudget: settings.fleet.instances * pools,
                               deployBudget: (settings.fleet.instances + settings.fleet.maxSurge) * pools,
                               seenIn: samples.filter { $0.connections(application: name) > 0 }.count)
        }
        var best: Stretch?, open: Stretch?
        var reach: Reach?
        for s in samples {
            guard let l = record.limits(at: s.at), l.usable > 0 else { open = nil; continue }
            let u = Double(s.clientConnections) / Double(l.usable)
            if reach == nil, s.clientConnections >= l.usable {
                reach = Reach(at: s.at, connections: s.clientConnections, usable: l.usable, arithmetic: l.arithmetic)
            }
            if u > criteria.maxUtilization {
                open = open.map { Stretch(from: $0.from, to: s.at, peakUtilization: max($0.peakUtilization, u)) }
                    ?? Stretch(from: s.at, to: s.at, peakUtilization: u)
                if let o = open, o.seconds >= best?.seconds ?? -1 { best = o }
            } else {
                open = nil
            }
        }
        longestAbove = best
        reachedUsable = reach
        var roles: [RoleLimit] = []
        for (role, limit) in (record.limits.last?.roleLimits ?? [:]).sorted(by: { $0.key < $1.key }) {
            let top = samples.map { $0.connections(user: role) }.max() ?? 0
            // The canary's own session is its monitoring role's, not the fleet's: a monitoring
            // role with CONNECTION LIMIT 1 is full of the canary itself, and that refuses no
            // login. Unless the fleet connects as that role too (it probes as it).
            let own = role == record.role && role != record.probeRole ? 1 : 0
            if top - own >= limit { roles.append(RoleLimit(role: role, peak: top, limit: limit)) }
        }
        rolesAtLimit = roles
        scrapes = ScrapeSummary(urls: record.scrapeURLs, scrapes: record.scrapes)
    }

    /// Usable of the last limits read, or nil before any.
    public var usable: Int? { limits?.usable }

    /// The declared demand that meets the server's slots: deploy demand when the fleet
    /// connects directly (steady ≤ deploy), the pooler's server connections through one.
    public var declaredServerDemand: Int { declared.serverDemand }

    /// The peak as a share of usable (at the last limits).
    public var peakUtilization: Double? {
        guard let usable, usable > 0 else { return nil }
        return Double(peak) / Double(usable)
    }

    /// Ordinary least squares slope of y over x; nil when x does not vary.
    static func slope(_ points: [(Double, Double)]) -> Double? {
        guard points.count >= 2 else { return nil }
        let n = Double(points.count)
        let mx = points.map(\.0).reduce(0, +) / n, my = points.map(\.1).reduce(0, +) / n
        let sxx = points.map { ($0.0 - mx) * ($0.0 - mx) }.reduce(0, +)
        guard sxx > 0 else { return nil }
        return points.map { ($0.0 - mx) * ($0.1 - my) }.reduce(0, +) / sxx
    }
}
