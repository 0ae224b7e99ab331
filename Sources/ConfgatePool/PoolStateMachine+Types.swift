extension PoolStateMachine {
    /// Identifies a connection slot; never reused.
    typealias ConnectionID = Int
    /// Identifies one acquire; chosen by the caller, unique.
    typealias WaiterID = Int
    /// Identifies a timer; never reused.
    typealias TimerID = Int

    /// Something the pool must do after an event, outside its lock.
    enum Action: Sendable {
        /// Start a connection attempt for slot `id`, giving up after `loginTimeout` (`nil`:
        /// no limit); report back with `connectionEstablished` or `connectFailed`.
        case openConnection(ConnectionID, loginTimeout: Duration?)
        /// Close this connection; report back with `closeCompleted`.
        case closeConnection(ConnectionID, Connection, CloseReason)
        /// Hand the connection to the waiter.
        case leaseConnection(WaiterID, ConnectionID, Connection)
        /// Wake the waiter: a connection is on offer for it. When it runs, it reports back
        /// with `claim`, and gets the connection unless a newer caller took it meanwhile
        /// (``PoolConfiguration/WaiterOrder/barging``).
        case offerConnection(WaiterID, ConnectionID)
        /// Check that the connection is alive (one round trip) before it is handed out;
        /// report back with `validationCompleted`.
        case validateConnection(ConnectionID, Connection)
        /// Fail the waiter.
        case failWaiter(WaiterID, WaiterFailure)
        /// Start a timer; report back with `timerFired` when its deadline passes.
        case scheduleTimer(Timer)
        /// A timer is no longer needed; stop it (it may still fire: that is ignored).
        case cancelTimer(TimerID)
        /// The fail-fast start check failed (``PoolConfiguration/StartMode/failFast(timeout:)``):
        /// the pool does not start; it is shutting down, and waiters have been failed.
        case startFailed(lastConnectError: (any Error)?)
        /// Shutdown finished: no connections, waiters or timers remain.
        case shutdownComplete
    }

    /// Why a waiter was failed.
    enum WaiterFailure: Sendable {
        /// `acquireTimeout` passed; the last connection error, if the latest attempt failed.
        case timeout(lastConnectError: (any Error)?)
        /// The pool is shutting down.
        case shutDown
        /// The caller cancelled its acquire.
        case cancelled
    }

    /// A deadline the pool must be told about.
    struct Timer: Sendable, Hashable {
        enum Kind: Sendable, Hashable {
            case acquireTimeout(WaiterID)
            case maxLifetime(ConnectionID)
            case connectBackoff
            case housekeeping
            /// The 1 s pause of a fail-fast start after a failed attempt.
            case startRetry
        }

        var id: TimerID
        var kind: Kind
        var deadline: Instant
    }

    enum Phase: Sendable, Hashable {
        /// The fail-fast check of ``PoolConfiguration/StartMode/failFast(timeout:)`` runs.
        case starting
        case running
        case shuttingDown
        case shutDown
    }

    enum SlotState: Sendable {
        case opening
        case idle(Connection)
        /// Offered to a waiter that has not claimed it yet; still available to new callers.
        case offered(Connection, to: WaiterID)
        /// Borrowed by a waiter, getting its liveness check before the lease.
        case validating(Connection, for: WaiterID)
        case leased(Connection, to: WaiterID)
        case closing
    }

    /// One unit of `maxSize`: a connection being opened, open, or being closed.
    struct Slot: Sendable {
        var state: SlotState
        /// When it was opened or last released (HikariCP `PoolEntry.lastAccessed`); `nil` while opening.
        var lastAccessed: Instant?
        /// Expired (`maxLifetime`) while borrowed: close on release (HikariCP `markEvicted`).
        var retireOnRelease = false
        var lifetimeTimer: TimerID?
    }

    struct Waiter: Sendable {
        var enqueuedAt: Instant
        /// `enqueuedAt + acquireTimeout`: a waiter sent back to the queue keeps it.
        var deadline: Instant
        /// The acquire timer, while queued.
        var timer: TimerID?
    }

    /// A waiter out of the queue but not served yet: offered a connection (`connection`
    /// set while the offer stands, `nil` once another caller took it or the pool closed it),
    /// or borrowing one that is being validated.
    struct Handed: Sendable {
        var waiter: Waiter
        var connection: ConnectionID?
        /// Settled while it could not be told (cancelled or shut down during an offer):
        /// reported at its `claim`.
        var failure: WaiterFailure?
    }
}
