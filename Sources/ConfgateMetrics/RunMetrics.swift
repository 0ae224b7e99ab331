import ConfgateCore
import ConfgatePool
import Prometheus
import Synchronization

/// What `confgate run --listen` serves: the fleet's pools under HikariCP's own Micrometer
/// names (`hikaricp_connections_active{pool="auth-service-1"}`, …) and confgate's view of the
/// server (`confgate_connections`, `confgate_connections_usable`, `confgate_refusals_total`,
/// `confgate_logins_total`), so dashboards and alerts can be rehearsed on a synthetic outage.
///
/// The pools are read when scraped (the fleet's own counters, through `attach`); the server
/// figures come from the run's 100 ms timeline (`record`), the latest point.
public final class RunMetrics: Sendable {
    /// One pool as its service would publish it (HikariCP's `PoolStats` and tracker).
    public struct PoolReading: Sendable, Hashable {
        /// The pool's name, HikariCP's `poolName`: the instance (`auth-service-3`).
        public var name: String
        public var total = 0, active = 0, idle = 0, pending = 0
        public var maxSize = 0, minIdle = 0
        /// Acquires that failed after `connectionTimeout`.
        public var timeouts = 0
        /// Successful acquires, their summed and longest wait in seconds.
        public var acquires = 0
        public var acquireSeconds = 0.0, acquireMaxSeconds = 0.0

        public init(name: String) {
            self.name = name
        }

        /// A pool's metrics, with the `minIdle` it runs.
        public init(name: String, metrics m: PoolMetrics, minIdle: Int) {
            self.name = name
            total = m.total
            active = m.active
            idle = m.idle
            pending = m.pendingWaiters
            maxSize = m.maxSize
            self.minIdle = minIdle
            timeouts = m.acquireTimeouts
            acquires = m.acquireWait.count
            acquireSeconds = Double(m.acquireWait.sumMicroseconds) / 1e6
            acquireMaxSeconds = Double(m.acquireWait.maxMicroseconds) / 1e6
        }
    }

    /// Everything one scrape shows.
    public struct Snapshot: Sendable {
        public var pools: [PoolReading] = []
        /// Connections the fleet may hold; `nil` before the server is up.
        public var usable: Int?
        /// Server connections by `application_name` and state (non-superuser client backends).
        public var server: [ServerSample]?
        /// Connection attempts the server refused with SQLSTATE 53300 (too many clients).
        public var refusals = 0
        /// Completed logins by outcome, since the load began.
        public var logins: [Outcome: Int] = [:]

        public init() {}
    }

    private struct State {
        var pools: (@Sendable () -> [PoolReading])?
        var refusals: (@Sendable () -> Int)?
        var snapshot = Snapshot()
    }

    private let state = Mutex(State())

    public init() {}

    /// The fleet has started: its pools (read at each scrape), its refused connection
    /// attempts so far, and the connections it may hold.
    public func attach(usable: Int, pools: @escaping @Sendable () -> [PoolReading], refusals: @escaping @Sendable () -> Int) {
        state.withLock {
            $0.snapshot.usable = usable
            $0.pools = pools
            $0.refusals = refusals
        }
    }

    /// One 100 ms point of the run's timeline: the server's connections, and the logins that
    /// completed in it.
    public func record(_ point: TimelinePoint) {
        state.withLock {
            $0.snapshot.server = point.server
            for (outcome, n) in point.outcomes.counts { $0.snapshot.logins[outcome, default: 0] += n }
        }
    }

    /// The figures now.
    public func snapshot() -> Snapshot {
        let (snapshot, pools, refusals) = state.withLock { ($0.snapshot, $0.pools, $0.refusals) }
        var now = snapshot
        now.pools = pools?() ?? []
        now.refusals = refusals?() ?? 0
        return now
    }

    /// The Prometheus text format of the figures now (what `GET /metrics` returns).
    public func exposition() -> String {
        Self.render(snapshot())
    }

    /// Renders `snapshot` with swift-prometheus, in a registry of its own (a pool that has
    /// gone, e.g. an instance that did not start, simply is not in it).
    public static func render(_ snapshot: Snapshot) -> String {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Int) {
            registry.makeGauge(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels).set(Int64(value))
        }
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
            registry.makeGauge(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels).set(value)
        }
        func counter(_ name: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
            registry.makeCounter(descriptor: .init(metricName: name, unitName: "", helpText: help), labels: labels).increment(by: value)
        }
        // HikariCP's MicrometerMetricsTracker: gauges, the `timeout` counter and the `acquire`
        // timer (in Prometheus: _count, _sum and _max), tagged `pool`.
        for p in snapshot.pools.sorted(by: { $0.name < $1.name }) {
            let pool = [("pool", p.name)]
            gauge("hikaricp_connections", "Total connections", pool, p.total)
            gauge("hikaricp_connections_active", "Active connections", pool, p.active)
            gauge("hikaricp_connections_idle", "Idle connections", pool, p.idle)
            gauge("hikaricp_connections_pending", "Pending threads", pool, p.pending)
            gauge("hikaricp_connections_max", "Max connections", pool, p.maxSize)
            gauge("hikaricp_connections_min", "Min connections", pool, p.minIdle)
            counter("hikaricp_connections_timeout_total", "Connection timeout total count", pool, Double(p.timeouts))
            counter("hikaricp_connections_acquire_seconds_count", "Connection acquire time", pool, Double(p.acquires))
            counter("hikaricp_connections_acquire_seconds_sum", "Connection acquire time", pool, p.acquireSeconds)
            gauge("hikaricp_connections_acquire_seconds_max", "Connection acquire time", pool, p.acquireMaxSeconds)
        }
        if let server = snapshot.server {
            let help = "Server connections of non-superusers (pg_stat_activity client backends), by application and state"
            for s in server {
                gauge("confgate_connections", help, [("application_name", s.application), ("state", s.state)], s.count)
            }
        }
        if let usable = snapshot.usable {
            gauge("confgate_connections_usable", "Connections the fleet may hold: max_connections minus reserved slots and other clients", [], usable)
        }
        counter("confgate_refusals_total", "Connection attempts the server refused with SQLSTATE 53300 (too many clients)", [], Double(snapshot.refusals))
        for (outcome, n) in snapshot.logins.sorted(by: { $0.key < $1.key }) {
            counter("confgate_logins_total", "Completed logins by outcome and SQLSTATE",
                    [("outcome", outcome.kind.rawValue), ("sqlstate", outcome.sqlState ?? "")], Double(n))
        }
        return registry.emitToString()
    }
}
