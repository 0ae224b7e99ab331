extension PoolStateMachine {
    /// Identifies a connection slot; never reused.
    typealias ConnectionID = Int
    /// Identifies one acquire; chosen by the caller, unique.
    typealias WaiterID = Int
    /// Identifies a timer; never reused.
    typealias TimerID = Int

    /// Something the pool must do after an event, outside its lock.
    enum Action: Sendable {
        /// Start a connection attempt for slot `id`; report back with
        /// `connectionEstablished` or `connectFailed`.
        case openConnection(ConnectionID)
        /// Close this connection; report back with `closeCompleted`.
        case closeConnection(ConnectionID, Connection, CloseReason)
        /// Hand the connection to the waiter.
        case leaseConnection(WaiterID, ConnectionID, Connection)
        /// Fail the waiter.
        case failWaiter(WaiterID, WaiterFailure)
        /// Start a timer; report back with `timerFired` when its deadline passes.
        case scheduleTimer(Timer)
        /// A timer is no longer needed; stop it (it may still fire: that is ignored).
        case cancelTimer(TimerID)
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
            case idleTimeout(ConnectionID)
            case maxLifetime(ConnectionID)
            case connectBackoff
        }

        var id: TimerID
        var kind: Kind
        var deadline: Instant
    }

    enum Phase: Sendable, Hashable {
        case running
        case shuttingDown
        case shutDown
    }

    enum SlotState: Sendable {
        case opening
        case idle(Connection)
        case leased(Connection, to: WaiterID)
        case closing
    }

    /// One unit of `maxSize`: a connection being opened, open, or being closed.
    struct Slot: Sendable {
        var state: SlotState
        /// Expired (`maxLifetime`) while leased: close on release.
        var retireOnRelease = false
        var idleTimer: TimerID?
        var lifetimeTimer: TimerID?
    }

    struct Waiter: Sendable {
        var enqueuedAt: Instant
        var timer: TimerID
    }
}
