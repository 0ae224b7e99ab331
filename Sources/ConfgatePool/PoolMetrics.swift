/// Why the pool closed a connection.
public enum CloseReason: String, Sendable, Hashable, CaseIterable, Codable {
    /// It reached `maxLifetime` (closed when idle, never under a caller).
    case lifetime
    /// It sat idle for `idleTimeout` while more than `minIdle` were idle.
    case idle
    /// Its caller released it as broken.
    case broken
    /// It failed the liveness check before a lease (idle longer than `aliveBypassWindow`).
    case dead
    /// It was the fail-fast start's check connection, and `minIdle` is 0.
    case startCheck
    /// The pool shut down.
    case shutdown
}

/// A snapshot of a pool's state and counters, as HikariCP reports them.
public struct PoolMetrics: Sendable, Hashable {
    /// `maxSize` of the pool.
    public var maxSize: Int
    /// Open connections: `active + idle` (HikariCP `TotalConnections`).
    public var total: Int
    /// Connections leased to callers, or being validated for one.
    public var active: Int
    /// Open connections not in use, including those on offer to a waiter (HikariCP's
    /// `IdleConnections`, its bag's `STATE_NOT_IN_USE`).
    public var idle: Int
    /// Connection attempts in flight.
    public var opening: Int
    /// Connections being closed (they still hold a server slot).
    public var closing: Int
    /// Callers waiting for a connection, including those offered one they have not taken yet.
    public var pendingWaiters: Int
    /// Connections offered to a waiter that has not taken them yet (counted in `idle`).
    public var handingOff: Int
    /// Successful acquires.
    public var acquires: Int
    /// Acquires failed with ``PoolError/acquireTimeout(lastConnectError:)``.
    public var acquireTimeouts: Int
    /// Connection attempts started.
    public var connectAttempts: Int
    /// Failed connection attempts by ``PooledConnectionFactory/errorKey(for:)``
    /// (e.g. SQLSTATE).
    public var connectFailures: [String: Int]
    /// Connections closed, by reason.
    public var closed: [CloseReason: Int]
    /// How long successful acquires waited.
    public var acquireWait: WaitHistogram
    /// The fail-fast start check is still running (``PoolConfiguration/StartMode/failFast(timeout:)``).
    public var starting = false
    /// The fail-fast start check failed: the pool did not start and shut down (HikariCP's
    /// `PoolInitializationException`: the service process exits).
    public var startFailed = false

    /// Every connection slot in use: `total + opening + closing`, never above `maxSize`.
    public var slots: Int { total + opening + closing }
    /// All failed connection attempts.
    public var totalConnectFailures: Int { connectFailures.values.reduce(0, +) }
}

/// A cheap histogram of wait durations in microseconds, with power-of-two buckets:
/// bucket 0 counts waits under 1 µs, bucket `i` waits in `[2^(i−1), 2^i)` µs.
public struct WaitHistogram: Sendable, Hashable {
    /// Number of buckets; the last one also holds anything longer.
    public static let bucketCount = 40

    /// Counts per bucket.
    public private(set) var buckets: [Int]
    /// Number of samples.
    public private(set) var count: Int = 0
    /// Sum of samples in microseconds.
    public private(set) var sumMicroseconds: Int64 = 0
    /// Largest sample in microseconds.
    public private(set) var maxMicroseconds: Int64 = 0

    /// An empty histogram.
    public init() {
        buckets = Array(repeating: 0, count: Self.bucketCount)
    }

    /// Records one wait.
    public mutating func record(_ wait: Duration) {
        let us = max(0, Self.microseconds(wait))
        let bucket = us == 0 ? 0 : min(Self.bucketCount - 1, 64 - us.leadingZeroBitCount)
        buckets[bucket] += 1
        count += 1
        sumMicroseconds += us
        maxMicroseconds = max(maxMicroseconds, us)
    }

    /// The upper bound (exclusive, µs) of bucket `index`.
    public static func upperBoundMicroseconds(ofBucket index: Int) -> Int64 {
        Int64(1) << index
    }

    /// An upper estimate of the `q` quantile (0…1) in microseconds: the upper bound
    /// of the bucket holding it, capped by the maximum. `nil` when empty.
    public func quantileMicroseconds(_ q: Double) -> Int64? {
        guard count > 0 else { return nil }
        let rank = max(1, Int((Double(count) * min(max(q, 0), 1)).rounded(.up)))
        var seen = 0
        for (index, n) in buckets.enumerated() {
            seen += n
            if seen >= rank {
                return min(Self.upperBoundMicroseconds(ofBucket: index) - 1, maxMicroseconds)
            }
        }
        return maxMicroseconds
    }

    static func microseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000 + attoseconds / 1_000_000_000_000
    }
}
