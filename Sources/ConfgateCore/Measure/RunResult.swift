/// What one run of one side measured: the summary a person reads, the 100 ms timeline
/// and the latency histogram. Written as JSON by `confgate run --output` and inside
/// `verify`'s result.
public struct RunResult: Hashable, Sendable, Codable {
    /// Version of this JSON shape; bumped on incompatible changes.
    public static let schemaVersion = 1
    public var schemaVersion: Int = RunResult.schemaVersion
    /// The settings run (their DSN password is redacted when encoded).
    public var settings: Settings
    /// The load profile driven.
    public var load: GateSettings.Load
    public var summary: RunSummary
    public var timeline: [TimelinePoint]
    /// Latency of measured logins (warmup excluded), from scheduled start to completion.
    public var latency: HistogramBuckets
    /// The PostgreSQL (and PgBouncer) that ran it; for `confgate run`, also confgate's
    /// version, the command and the machine. Absent in results saved before it existed.
    public var provenance: Provenance?

    public init(settings: Settings, load: GateSettings.Load, summary: RunSummary, timeline: [TimelinePoint], latency: HistogramBuckets) {
        self.settings = settings
        self.load = load
        self.summary = summary
        self.timeline = timeline
        self.latency = latency
    }
}

extension RunResult {
    /// The p99 of a typical 100 ms of the measured run: the median, over its measured
    /// intervals (warmup left out) in which logins completed, of each interval's p99, µs;
    /// `nil` when no measured interval completed a login. One stall of the machine moves the
    /// few intervals it falls in, not their median, so across rounds this figure is about
    /// three times steadier than the run's own p99 (docs/verdict.md); it is blind, though, to
    /// a regression confined to a minority of intervals (a spike), which the run's p99 sees.
    public var typicalP99: Int64? {
        let values = timeline.filter { $0.phase != .warmup }.compactMap(\.p99).sorted()
        guard !values.isEmpty else { return nil }
        let middle = values.count / 2
        return values.count % 2 == 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2
    }
}

/// The at-a-glance figures of one run.
public struct RunSummary: Hashable, Sendable, Codable {
    /// Logins in the schedule (closed loop: logins started).
    public var scheduled: Int
    /// Logins that completed (any outcome).
    public var completed: Int
    /// Seconds measured (after warmup).
    public var measuredSeconds: Double
    /// Outcomes of all logins, warmup included (a failure in warmup is still a failure).
    public var outcomes: [OutcomeTally]
    /// Completed logins (ok or bad_password) per second in the measured window.
    public var throughput: Double
    /// Latency of measured logins.
    public var latency: LatencySummary
    /// The same, per measured phase, in phase order; absent in results saved before it existed.
    public var latencyByPhase: [PhaseLatency]?
    /// Most non-superuser connections the server held at once (the fleet plus other clients).
    public var peakServerConnections: Int
    /// When that peak was first seen, microseconds from the trial's start.
    public var peakServerConnectionsAt: Int64
    /// Connections non-superusers may hold (design §3).
    public var usable: Int
    /// Most requests waiting for a pooled connection at once, fleet-wide.
    public var peakPending: Int
    /// How late the driver started logins against their schedule.
    public var lag: LatencySummary
    /// Failed connection attempts of the fleet's pools, by SQLSTATE (e.g. `53300`): the
    /// server refusing connections even when every login still succeeded.
    public var connectFailures: [String: Int] = [:]
    /// With a pooler: most clients waiting in it for a server connection at once, and most
    /// server connections it held; `nil` without one.
    public var poolerPeakWaiting: Int?
    public var poolerPeakServerConnections: Int?
    /// Instances whose pool could not start (`pool.start_failure = crash`): they took no
    /// traffic. `nil` when every instance started.
    public var instancesNotStarted: [InstanceStartFailure]?
    /// False when the run was interrupted or cut short.
    public var complete: Bool
    /// Anything a reader should know (e.g. settings the server could not apply).
    public var notes: [String]

    public init(
        scheduled: Int = 0, completed: Int = 0, measuredSeconds: Double = 0, outcomes: [OutcomeTally] = [],
        throughput: Double = 0, latency: LatencySummary = .init(), peakServerConnections: Int = 0,
        peakServerConnectionsAt: Int64 = 0, usable: Int = 0, peakPending: Int = 0, lag: LatencySummary = .init(),
        complete: Bool = true, notes: [String] = []
    ) {
        self.scheduled = scheduled
        self.completed = completed
        self.measuredSeconds = measuredSeconds
        self.outcomes = outcomes
        self.throughput = throughput
        self.latency = latency
        self.peakServerConnections = peakServerConnections
        self.peakServerConnectionsAt = peakServerConnectionsAt
        self.usable = usable
        self.peakPending = peakPending
        self.lag = lag
        self.complete = complete
        self.notes = notes
    }

    /// Above this p99 schedule lag (µs) a run is inconclusive: the load driver could not keep
    /// up (its CPU is saturated), so it offered less load than planned, in bursts, and an
    /// A/B comparison would compare two different loads. 20 ms is four times the modelled
    /// server time per login and far above scheduler jitter (< 1 ms).
    public static let maxLagP99: Int64 = 20_000
    /// Above this single schedule lag (µs) the run is inconclusive too: the driver's process
    /// was stalled for a second (a starved machine stalls the service and the server alike,
    /// and a stall that long makes pool and request timeouts that no setting caused).
    public static let maxLag: Int64 = 1_000_000

    /// Whether the driver fell too far behind its schedule for the run to be trusted.
    public var lagTooHigh: Bool { lag.p99 > Self.maxLagP99 || lag.max > Self.maxLag }

    /// Above this p99 schedule lag (µs) the machine was busy while the run kept its schedule:
    /// other work held the cores for milliseconds at a time, and such stalls alone move a
    /// round's own p99 by tens of percent, differently on each side. On this project's quiet
    /// 2-core machine the lag's p99 is 0.4–1.2 ms; beside a build it is 2–9 ms
    /// (docs/verdict.md, "A/A under a noisy neighbour").
    public static let busyLagP99: Int64 = 2_000

    /// Whether other work on the machine delayed the driver beyond `busyLagP99`.
    public var machineBusy: Bool { lag.p99 > Self.busyLagP99 }

    /// `lag p99 3 ms, max 1200 ms`, for messages.
    public var lagText: String { "lag p99 \(lag.p99 / 1000) ms, max \(lag.max / 1000) ms" }

    /// Logins that failed for infrastructure reasons.
    public var failures: Int { outcomes.filter { $0.outcome.kind.isFailure }.reduce(0) { $0 + $1.count } }

    /// The count for one outcome class, all SQLSTATEs together.
    public func count(_ kind: OutcomeClass) -> Int {
        outcomes.filter { $0.outcome.kind == kind }.reduce(0) { $0 + $1.count }
    }
}

/// One 100 ms interval of a run.
public struct TimelinePoint: Hashable, Sendable, Codable {
    /// End of the interval, milliseconds from the trial's start.
    public var at: Int64
    public var phase: Phase
    public var started: Int
    public var completed: Int
    /// Completions in this interval by outcome (`ok`, `connect_failed 53300`, …).
    public var outcomes: OutcomeCounts
    /// Latency percentiles of logins completed in this interval, µs; `nil` when none completed.
    public var p50: Int64?
    public var p99: Int64?
    /// Each instance's pool at the end of the interval.
    public var pools: [PoolSample]
    /// Server connections by `application_name` and state, from `pg_stat_activity`.
    public var server: [ServerSample]
    /// Non-superuser client connections on the server (the figure compared with usable).
    public var serverConnections: Int
    /// The pooler's pool for the fleet (PgBouncer `SHOW POOLS`); `nil` without a pooler.
    public var pooler: PoolerSample?

    public init(
        at: Int64, phase: Phase, started: Int = 0, completed: Int = 0, outcomes: OutcomeCounts = .init(),
        p50: Int64? = nil, p99: Int64? = nil, pools: [PoolSample] = [], server: [ServerSample] = [],
        serverConnections: Int = 0, pooler: PoolerSample? = nil
    ) {
        self.at = at
        self.phase = phase
        self.started = started
        self.completed = completed
        self.outcomes = outcomes
        self.p50 = p50
        self.p99 = p99
        self.pools = pools
        self.server = server
        self.serverConnections = serverConnections
        self.pooler = pooler
    }
}

/// An instance that did not start: its pool's first connection was refused, so (HikariCP's
/// fail-fast start) the pool threw and the process exited, taking no traffic.
public struct InstanceStartFailure: Hashable, Sendable, Codable {
    /// When the instance was started.
    public enum When: String, Hashable, Sendable, Codable {
        /// With the fleet, before the load.
        case start
        /// As a surge instance of the rolling deploy: it never became ready, so the rollout
        /// stalled and the old instance it should have replaced kept serving.
        case deploy
    }

    /// `auth-service-6`.
    public var instance: String
    public var when: When
    /// Why its first connection failed: the SQLSTATE (`53300`), a pooler's reason
    /// (`max_client_conn`), or `no-sqlstate`.
    public var reason: String

    public init(instance: String, when: When, reason: String) {
        self.instance = instance
        self.when = when
        self.reason = reason
    }

    /// `auth-service-6 did not start: its first connection was refused (53300); on Kubernetes
    /// it crash-loops`, or for a surge instance, the stalled rollout.
    public var sentence: String {
        let why: String
        switch reason {
        case "53300": why = "its first connection was refused (53300)"
        case "no-sqlstate": why = "its first connection failed"
        default:
            why = PoolerRefusal(rawValue: reason) != nil
                ? "its first connection was refused by the pooler (\(reason))" : "its first connection failed (\(reason))"
        }
        switch when {
        case .start: return "\(instance) did not start: \(why); on Kubernetes it crash-loops and takes no traffic"
        case .deploy: return "surge instance \(instance) never became ready: \(why); the rolling deploy stalls while the old instances serve"
        }
    }
}

/// A pooler's pool for the fleet's database and user at an instant, summed over its
/// processes: PgBouncer's `SHOW POOLS` row.
public struct PoolerSample: Hashable, Sendable, Codable {
    /// Clients paired with a server connection (`cl_active`).
    public var clientActive: Int
    /// Clients waiting for a server connection (`cl_waiting`).
    public var clientWaiting: Int
    /// Server connections paired with a client (`sv_active`).
    public var serverActive: Int
    /// Server connections idle and ready (`sv_idle`, with `sv_used` and `sv_tested`).
    public var serverIdle: Int
    /// Server connections being opened (`sv_login`).
    public var serverLogin: Int
    /// How long the oldest waiting client has waited, µs (`maxwait`, `maxwait_us`).
    public var maxWait: Int64

    public init(clientActive: Int = 0, clientWaiting: Int = 0, serverActive: Int = 0, serverIdle: Int = 0,
                serverLogin: Int = 0, maxWait: Int64 = 0) {
        self.clientActive = clientActive
        self.clientWaiting = clientWaiting
        self.serverActive = serverActive
        self.serverIdle = serverIdle
        self.serverLogin = serverLogin
        self.maxWait = maxWait
    }

    /// Server connections the pooler holds open or opening.
    public var serverConnections: Int { serverActive + serverIdle + serverLogin }
}

/// One instance's pool at an instant.
public struct PoolSample: Hashable, Sendable, Codable {
    public var instance: String
    public var active: Int
    public var idle: Int
    public var pending: Int
    public var total: Int

    public init(instance: String, active: Int, idle: Int, pending: Int, total: Int) {
        self.instance = instance
        self.active = active
        self.idle = idle
        self.pending = pending
        self.total = total
    }
}

/// Server connections of one `application_name` in one state.
public struct ServerSample: Hashable, Sendable, Codable {
    public var application: String
    public var state: String
    public var count: Int

    public init(application: String, state: String, count: Int) {
        self.application = application
        self.state = state
        self.count = count
    }
}
