/// The settings of a ``ConnectionPool``, with HikariCP's meaning.
///
/// Durations of `.zero` disable the feature they govern, as in HikariCP
/// (`idleTimeout = 0`: idle connections are never closed; `maxLifetime = 0`:
/// connections never retire).
public struct PoolConfiguration: Sendable, Hashable {
    /// The most connections that may exist at once, counting those being opened
    /// and those being closed. Default 10 (HikariCP `maximumPoolSize`).
    public var maxSize: Int

    /// How many idle connections the pool keeps open, opening them in the
    /// background. Clamped to `maxSize`. Default 10 (HikariCP `minimumIdle`, which
    /// defaults to `maximumPoolSize`).
    public var minIdle: Int

    /// How long an acquire waits (first come, first served) before it fails with
    /// ``PoolError/acquireTimeout(lastConnectError:)``. Default 30 s (HikariCP
    /// `connectionTimeout`).
    public var acquireTimeout: Duration

    /// How long a connection may sit idle before it is closed, when more than
    /// `minIdle` are idle. `.zero` disables it. Default 10 min (HikariCP `idleTimeout`).
    public var idleTimeout: Duration

    /// How long a connection lives. When it expires it is closed as soon as it is
    /// idle (never under a caller) and replaced as needed. `.zero` disables it.
    /// Default 30 min (HikariCP `maxLifetime`).
    public var maxLifetime: Duration

    /// The wait before retrying after the first failed connection attempt.
    /// Default 10 ms.
    public var connectBackoffInitial: Duration

    /// The longest wait between connection attempts; the wait doubles after each
    /// consecutive failure up to this cap, and resets after a success. Default 1 s.
    public var connectBackoffMax: Duration

    /// How many connection attempts may run at once. Default 1: HikariCP opens
    /// connections one at a time on a single "connection adder" thread.
    public var maxConcurrentOpens: Int

    /// Creates a configuration; every parameter has HikariCP's default.
    public init(
        maxSize: Int = 10,
        minIdle: Int? = nil,
        acquireTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(600),
        maxLifetime: Duration = .seconds(1800),
        connectBackoffInitial: Duration = .milliseconds(10),
        connectBackoffMax: Duration = .seconds(1),
        maxConcurrentOpens: Int = 1
    ) {
        self.maxSize = max(1, maxSize)
        self.minIdle = min(max(0, minIdle ?? maxSize), max(1, maxSize))
        self.acquireTimeout = acquireTimeout
        self.idleTimeout = idleTimeout
        self.maxLifetime = maxLifetime
        self.connectBackoffInitial = connectBackoffInitial
        self.connectBackoffMax = connectBackoffMax
        self.maxConcurrentOpens = max(1, maxConcurrentOpens)
    }

    /// The wait before the next attempt after `failures` consecutive failures (≥ 1):
    /// `connectBackoffInitial × 2^(failures − 1)`, at most `connectBackoffMax`.
    public func backoff(afterFailures failures: Int) -> Duration {
        let exponent = min(max(failures - 1, 0), 30)
        let delay = connectBackoffInitial * (1 << exponent)
        return min(delay, connectBackoffMax)
    }
}
