/// The settings of a ``ConnectionPool``, with HikariCP's meaning.
///
/// Durations of `.zero` disable the feature they govern, as in HikariCP
/// (`idleTimeout = 0`: idle connections are never closed; `maxLifetime = 0`:
/// connections never retire). The initializer takes values as given; HikariCP's own
/// corrections of out-of-range values (`HikariConfig.validateNumerics`) are
/// ``hikariEffective(maxSize:minIdle:connectionTimeout:idleTimeout:maxLifetime:release:)``,
/// which also says what it changed. Defaults follow HikariCP's current release (6.0.0);
/// docs/pool.md lists where 2.7.9 differs.
public struct PoolConfiguration: Sendable, Hashable {
    /// How a returned connection reaches a waiting caller.
    public enum WaiterOrder: Sendable, Hashable {
        /// HikariCP's `ConcurrentBag`: a returned (or new) connection is *offered* to the
        /// longest waiter, who takes it only once it runs (``ConnectionPool`` resumes it; the
        /// state machine hears back with `claim`). Until then the connection stays available,
        /// and a caller arriving in between takes it: the waiter goes back to the end of the
        /// queue with the time it has left. Waiters are overtaken under saturation.
        case barging
        /// Strictly first come, first served: a returned connection goes straight to the
        /// longest waiter, and new callers never pass a waiter.
        case fifo
    }

    /// What the pool does when it is created (HikariCP `initializationFailTimeout`).
    public enum StartMode: Sendable, Hashable {
        /// Open connections in the background only (`initializationFailTimeout < 0`).
        case lazy
        /// Try one connection at creation; when it fails, pause 1 s and try again until
        /// `timeout` has passed since the start, then fail the start (HikariCP
        /// `checkFailFast`). `timeout` 1 ms (HikariCP's default `initializationFailTimeout = 1`)
        /// means one attempt, and the start fails 1 s after it is refused; `.zero` means one
        /// attempt, and the pool starts whatever its outcome.
        case failFast(timeout: Duration)

        /// HikariCP's default: `initializationFailTimeout = 1` ms.
        public static let hikariDefault = StartMode.failFast(timeout: .milliseconds(1))
    }

    /// The most connections that may exist at once, counting those being opened
    /// and those being closed. Default 10 (HikariCP `maximumPoolSize`).
    public var maxSize: Int

    /// How many idle connections the pool keeps open, opening them in the background.
    /// Default 10 (HikariCP `minimumIdle`, which defaults to `maximumPoolSize`).
    public var minIdle: Int

    /// How long an acquire waits before it fails with
    /// ``PoolError/acquireTimeout(lastConnectError:)``. Default 30 s (HikariCP
    /// `connectionTimeout`). Also bounds each connection attempt: ``loginTimeout``.
    public var acquireTimeout: Duration

    /// How long a connection may sit idle before the housekeeper closes it, when more
    /// than `minIdle` are idle. `.zero` disables it. Default 10 min (HikariCP `idleTimeout`).
    public var idleTimeout: Duration

    /// How long a connection lives, less a random variance of up to 2.5 % when it is
    /// over 10 s (see `lifetimeVariance`). When it expires it is closed as soon as it is
    /// idle (never under a caller) and replaced as needed. `.zero` disables it.
    /// Default 30 min (HikariCP `maxLifetime`).
    public var maxLifetime: Duration

    /// Whether each connection's lifetime is shortened by a random amount in
    /// `[0, maxLifetime / 40)` (whole milliseconds) when `maxLifetime` > 10 s, so that
    /// connections opened together do not all retire together (HikariCP
    /// `HikariPool.createPoolEntry`). Default true.
    public var lifetimeVariance: Bool

    /// The wait before retrying after the first failed connection attempt.
    /// Default 10 ms (HikariCP `PoolEntryCreator`; 250 ms in 2.7.9).
    public var connectBackoffInitial: Duration

    /// How much the wait grows after each further consecutive failure (the new wait is
    /// truncated to whole milliseconds). Default 2 (1.5 in 2.7.9).
    public var connectBackoffMultiplier: Double

    /// The longest wait between connection attempts; resets after a success.
    /// Default 5 s (HikariCP `PoolEntryCreator`; 2.7.9: min(10 s, connectionTimeout)).
    public var connectBackoffMax: Duration

    /// How many connection attempts may run at once. Default 1: HikariCP opens
    /// connections one at a time on a single "connection adder" thread.
    public var maxConcurrentOpens: Int

    /// How often the housekeeper runs; idle connections are retired only on its runs.
    /// Default 30 s (HikariCP `housekeepingPeriodMs`, first run 100 ms after the start).
    public var housekeepingPeriod: Duration

    /// A connection idle for longer than this gets one round trip (``PooledConnectionFactory/isAlive(_:)``)
    /// before it is handed out; a dead one is closed and the caller tries again. `nil`
    /// disables the check. Default 500 ms (HikariCP `aliveBypassWindowMs`).
    public var aliveBypassWindow: Duration?

    /// How returned connections reach waiters. Default ``WaiterOrder/barging`` (HikariCP).
    public var waiterOrder: WaiterOrder

    /// What the pool does when it is created. Default ``StartMode/lazy``; HikariCP's own
    /// default is ``StartMode/hikariDefault``.
    public var startMode: StartMode

    /// Creates a configuration; every parameter has HikariCP's default (but `startMode`).
    public init(
        maxSize: Int = 10,
        minIdle: Int? = nil,
        acquireTimeout: Duration = .seconds(30),
        idleTimeout: Duration = .seconds(600),
        maxLifetime: Duration = .seconds(1800),
        connectBackoffInitial: Duration = .milliseconds(10),
        connectBackoffMax: Duration = .seconds(5),
        maxConcurrentOpens: Int = 1,
        connectBackoffMultiplier: Double = 2,
        lifetimeVariance: Bool = true,
        housekeepingPeriod: Duration = .seconds(30),
        aliveBypassWindow: Duration? = .milliseconds(500),
        waiterOrder: WaiterOrder = .barging,
        startMode: StartMode = .lazy
    ) {
        self.maxSize = max(1, maxSize)
        self.minIdle = min(max(0, minIdle ?? maxSize), max(1, maxSize))
        self.acquireTimeout = acquireTimeout
        self.idleTimeout = idleTimeout
        self.maxLifetime = maxLifetime
        self.lifetimeVariance = lifetimeVariance
        self.connectBackoffInitial = connectBackoffInitial
        self.connectBackoffMultiplier = max(1, connectBackoffMultiplier)
        self.connectBackoffMax = connectBackoffMax
        self.maxConcurrentOpens = max(1, maxConcurrentOpens)
        self.housekeepingPeriod = max(housekeepingPeriod, .milliseconds(1))
        self.aliveBypassWindow = aliveBypassWindow
        self.waiterOrder = waiterOrder
        self.startMode = startMode
    }

    /// The wait before the next attempt after `failures` consecutive failures (≥ 1):
    /// `connectBackoffInitial`, multiplied by `connectBackoffMultiplier` (truncated to whole
    /// milliseconds, as HikariCP's `long` arithmetic does) after each further failure, at most
    /// `connectBackoffMax`. Current HikariCP: 10, 20, 40, …, 2560, 5000, 5000 ms.
    public func backoff(afterFailures failures: Int) -> Duration {
        var delay = min(connectBackoffInitial, connectBackoffMax)
        var remaining = max(failures - 1, 0)
        while remaining > 0, delay < connectBackoffMax {
            let grown = Duration.milliseconds(Int64((Double(delay.wholeMilliseconds) * connectBackoffMultiplier).rounded(.down)))
            delay = min(max(grown, delay), connectBackoffMax)
            remaining -= 1
        }
        return delay
    }

    /// The limit of one connection attempt: HikariCP sets the data source's login timeout
    /// to `max(1, (connectionTimeout + 500 ms) / 1 s)` whole seconds, truncated
    /// (`PoolBase.setLoginTimeout`), so 250 ms → 1 s, 1.5 s → 2 s, 30 s → 30 s. `nil` when
    /// the acquire timeout is unbounded (HikariCP's `Integer.MAX_VALUE`, from `connectionTimeout = 0`).
    public var loginTimeout: Duration? {
        guard acquireTimeout < Self.unboundedAcquireTimeout else { return nil }
        let seconds = (acquireTimeout + .milliseconds(500)).components.seconds
        return .seconds(max(1, seconds))
    }

    /// HikariCP's stand-in for "no limit" (`connectionTimeout = 0`): `Integer.MAX_VALUE` ms.
    public static let unboundedAcquireTimeout = Duration.milliseconds(Int64(Int32.max))
}

extension Duration {
    /// Whole milliseconds, truncated.
    var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + attoseconds / 1_000_000_000_000_000
    }
}
