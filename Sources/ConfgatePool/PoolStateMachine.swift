/// Every decision of a ``ConnectionPool``, as a pure value: each method takes an
/// event (with the current instant) and returns the actions the pool must perform
/// after releasing its lock. No clock, no tasks, no I/O: tests drive it directly.
///
/// Rules (HikariCP's):
/// - at most `maxSize` slots (opening + open + closing), ever;
/// - keeps `minIdle` connections idle, opening them in the background, at most
///   `maxConcurrentOpens` at a time;
/// - waiters are served first come, first served, and fail after `acquireTimeout`
///   with the last connection error;
/// - idle connections above `minIdle` close after `idleTimeout`;
/// - a connection past `maxLifetime` is closed when idle (never while leased) and
///   replaced as needed; one released as broken is closed and replaced;
/// - a failed attempt is retried after `connectBackoffInitial × 2^(n−1)` (capped at
///   `connectBackoffMax`); no attempt starts while that back-off runs.
///
/// Idle connections are handed out most recently used first, so that surplus
/// connections stay idle long enough for `idleTimeout` to close them. A caller's
/// preference (`acquire(_:now:prefer:)`) comes before that order: with callers on several
/// threads, each keeps its own most recently used connection warm (as HikariCP's per-thread
/// lists do), so at light load up to one connection per preferring thread stays in use
/// rather than one in all.
struct PoolStateMachine<Connection: Sendable, Instant: InstantProtocol>: Sendable
where Instant.Duration == Duration {
    let configuration: PoolConfiguration
    private(set) var phase: Phase = .running
    private(set) var slots: [ConnectionID: Slot] = [:]
    /// Idle connections, most recently released last.
    private var idleStack: [ConnectionID] = []
    private(set) var openingCount = 0
    private var waiters = WaiterQueue()
    private var timers: [TimerID: Timer] = [:]
    private var backoffTimer: TimerID?
    private var consecutiveFailures = 0
    private var lastConnectError: (any Error)?
    private var nextConnectionID = 0
    private var nextTimerID = 0

    private var acquires = 0
    private var acquireTimeouts = 0
    private var connectAttempts = 0
    private var connectFailures: [String: Int] = [:]
    private var closed: [CloseReason: Int] = [:]
    private var acquireWait = WaitHistogram()

    init(configuration: PoolConfiguration) {
        self.configuration = configuration
    }

    // MARK: Events

    /// The pool starts: open `minIdle` connections.
    mutating func start(now: Instant) -> [Action] {
        var actions: [Action] = []
        refill(&actions)
        return actions
    }

    /// A caller wants a connection. `waiter` must be unique. Of the idle connections it
    /// gets the one used last that `prefer` picks, else the one used last (as HikariCP's
    /// bag hands a thread the connection it used before, else any).
    mutating func acquire(_ waiter: WaiterID, now: Instant, prefer: (Connection) -> Bool = { _ in false }) -> [Action] {
        guard phase == .running else { return [.failWaiter(waiter, .shutDown)] }
        var actions: [Action] = []
        if waiters.isEmpty, !idleStack.isEmpty {
            let index = idleStack.lastIndex { id in
                if case .idle(let value)? = slots[id]?.state { prefer(value) } else { false }
            } ?? idleStack.count - 1
            let connection = idleStack.remove(at: index)
            guard let slot = slots[connection], case .idle(let value) = slot.state else {
                preconditionFailure("connection \(connection) on the idle stack is not idle")
            }
            lease(connection, value, to: waiter, waitedSince: now, now: now, &actions)
        } else {
            let timer = schedule(.acquireTimeout(waiter), at: now.advanced(by: configuration.acquireTimeout), &actions)
            waiters.append(waiter, Waiter(enqueuedAt: now, timer: timer))
        }
        refill(&actions)
        return actions
    }

    /// The caller of `waiter` gave up (task cancelled) before being served.
    mutating func cancel(_ waiter: WaiterID) -> [Action] {
        guard let entry = waiters.remove(waiter) else { return [] }
        var actions: [Action] = [.failWaiter(waiter, .cancelled)]
        cancelTimer(entry.timer, &actions)
        return actions
    }

    /// The lease of `connection` obtained by `waiter` ends. A release that does not
    /// match the current lease (e.g. a second release) is ignored.
    mutating func release(_ connection: ConnectionID, leasedTo waiter: WaiterID, broken: Bool, now: Instant) -> [Action] {
        guard let slot = slots[connection], case .leased(let value, let holder) = slot.state, holder == waiter else {
            return []
        }
        var actions: [Action] = []
        if broken {
            close(connection, value, .broken, &actions)
        } else if phase != .running {
            close(connection, value, .shutdown, &actions)
        } else if slot.retireOnRelease {
            close(connection, value, .lifetime, &actions)
        } else {
            makeAvailable(connection, value, now: now, &actions)
        }
        refill(&actions)
        return actions
    }

    /// A connection attempt for `connection` succeeded.
    mutating func connectionEstablished(_ connection: ConnectionID, _ value: Connection, now: Instant) -> [Action] {
        guard let slot = slots[connection], case .opening = slot.state else { return [] }
        openingCount -= 1
        consecutiveFailures = 0
        lastConnectError = nil
        var actions: [Action] = []
        guard phase == .running else {
            close(connection, value, .shutdown, &actions)
            return actions
        }
        if configuration.maxLifetime > .zero {
            let timer = schedule(.maxLifetime(connection), at: now.advanced(by: configuration.maxLifetime), &actions)
            slots[connection]?.lifetimeTimer = timer
        }
        makeAvailable(connection, value, now: now, &actions)
        refill(&actions)
        return actions
    }

    /// A connection attempt for `connection` failed with `error`, counted under `errorKey`.
    mutating func connectFailed(_ connection: ConnectionID, error: any Error, errorKey: String, now: Instant) -> [Action] {
        guard let slot = slots[connection], case .opening = slot.state else { return [] }
        slots[connection] = nil
        openingCount -= 1
        lastConnectError = error
        connectFailures[errorKey, default: 0] += 1
        var actions: [Action] = []
        guard phase == .running else {
            finishShutdownIfDone(&actions)
            return actions
        }
        consecutiveFailures += 1
        if let previous = backoffTimer { cancelTimer(previous, &actions) }
        let delay = configuration.backoff(afterFailures: consecutiveFailures)
        backoffTimer = schedule(.connectBackoff, at: now.advanced(by: delay), &actions)
        return actions
    }

    /// The pool finished closing `connection`: its slot is free.
    mutating func closeCompleted(_ connection: ConnectionID) -> [Action] {
        guard let slot = slots[connection], case .closing = slot.state else { return [] }
        slots[connection] = nil
        var actions: [Action] = []
        if phase == .running {
            refill(&actions)
        } else {
            finishShutdownIfDone(&actions)
        }
        return actions
    }

    /// The deadline of timer `id` passed. Cancelled or unknown timers are ignored.
    mutating func timerFired(_ id: TimerID, now: Instant) -> [Action] {
        guard let timer = timers.removeValue(forKey: id) else { return [] }
        var actions: [Action] = []
        switch timer.kind {
        case .acquireTimeout(let waiter):
            guard waiters.remove(waiter) != nil else { return [] }
            acquireTimeouts += 1
            actions.append(.failWaiter(waiter, .timeout(lastConnectError: lastConnectError)))
        case .idleTimeout(let connection):
            slots[connection]?.idleTimer = nil
            if let slot = slots[connection], case .idle(let value) = slot.state, idleStack.count > configuration.minIdle {
                close(connection, value, .idle, &actions)
            }
        case .maxLifetime(let connection):
            slots[connection]?.lifetimeTimer = nil
            guard let slot = slots[connection] else { break }
            switch slot.state {
            case .idle(let value):
                close(connection, value, .lifetime, &actions)
            case .leased:
                slots[connection]?.retireOnRelease = true
            case .opening, .closing:
                break
            }
        case .connectBackoff:
            backoffTimer = nil
        }
        refill(&actions)
        return actions
    }

    /// Graceful shutdown: fail waiters, close idle connections now and leased ones
    /// on release, then report ``Action/shutdownComplete``.
    mutating func shutdown() -> [Action] {
        guard phase == .running else { return phase == .shutDown ? [.shutdownComplete] : [] }
        phase = .shuttingDown
        var actions: [Action] = []
        while let (waiter, entry) = waiters.popFirst() {
            cancelTimer(entry.timer, &actions)
            actions.append(.failWaiter(waiter, .shutDown))
        }
        for id in timers.keys.sorted() { cancelTimer(id, &actions) }
        backoffTimer = nil
        for connection in idleStack.reversed() {
            if let slot = slots[connection], case .idle(let value) = slot.state {
                close(connection, value, .shutdown, &actions)
            }
        }
        finishShutdownIfDone(&actions)
        return actions
    }

    // MARK: Queries

    /// Whether timer `id` is still pending.
    func isTimerActive(_ id: TimerID) -> Bool { timers[id] != nil }

    /// A snapshot of the counters.
    var metrics: PoolMetrics {
        var active = 0
        var closing = 0
        for slot in slots.values {
            switch slot.state {
            case .leased: active += 1
            case .closing: closing += 1
            case .idle, .opening: break
            }
        }
        return PoolMetrics(
            maxSize: configuration.maxSize, total: active + idleStack.count, active: active,
            idle: idleStack.count, opening: openingCount, closing: closing, pendingWaiters: waiters.count,
            acquires: acquires, acquireTimeouts: acquireTimeouts, connectAttempts: connectAttempts,
            connectFailures: connectFailures, closed: closed, acquireWait: acquireWait)
    }

    /// The number of pending waiters.
    var pendingWaiters: Int { waiters.count }

    // MARK: Decisions

    /// Opens connections for waiters and `minIdle`, within `maxSize`,
    /// `maxConcurrentOpens`, and not during a back-off.
    private mutating func refill(_ actions: inout [Action]) {
        guard phase == .running, backoffTimer == nil else { return }
        let wanted = waiters.count + configuration.minIdle - idleStack.count - openingCount
        let room = configuration.maxSize - slots.count
        let concurrency = configuration.maxConcurrentOpens - openingCount
        let count = min(wanted, room, concurrency)
        guard count > 0 else { return }
        for _ in 0..<count {
            let id = nextConnectionID
            nextConnectionID += 1
            slots[id] = Slot(state: .opening)
            openingCount += 1
            connectAttempts += 1
            actions.append(.openConnection(id))
        }
    }

    /// Gives a connection to the first waiter, or parks it idle.
    private mutating func makeAvailable(_ connection: ConnectionID, _ value: Connection, now: Instant, _ actions: inout [Action]) {
        if let (waiter, entry) = waiters.popFirst() {
            cancelTimer(entry.timer, &actions)
            lease(connection, value, to: waiter, waitedSince: entry.enqueuedAt, now: now, &actions)
            return
        }
        slots[connection]?.state = .idle(value)
        idleStack.append(connection)
        // A fixed-size pool (min_idle = max_size) never holds more idle connections than
        // min_idle, so its idle timer could never close anything: don't start one on every
        // release (each is a timer task that the next lease cancels).
        if configuration.idleTimeout > .zero && configuration.minIdle < configuration.maxSize {
            let timer = schedule(.idleTimeout(connection), at: now.advanced(by: configuration.idleTimeout), &actions)
            slots[connection]?.idleTimer = timer
        }
    }

    private mutating func lease(
        _ connection: ConnectionID, _ value: Connection, to waiter: WaiterID, waitedSince: Instant, now: Instant,
        _ actions: inout [Action]
    ) {
        guard var slot = slots[connection] else { return }
        if let idleTimer = slot.idleTimer {
            cancelTimer(idleTimer, &actions)
            slot.idleTimer = nil
        }
        slot.state = .leased(value, to: waiter)
        slots[connection] = slot
        acquires += 1
        acquireWait.record(waitedSince.duration(to: now))
        actions.append(.leaseConnection(waiter, connection, value))
    }

    private mutating func close(_ connection: ConnectionID, _ value: Connection, _ reason: CloseReason, _ actions: inout [Action]) {
        guard var slot = slots[connection] else { return }
        if case .idle = slot.state, let index = idleStack.lastIndex(of: connection) {
            idleStack.remove(at: index)
        }
        if let timer = slot.idleTimer { cancelTimer(timer, &actions) }
        if let timer = slot.lifetimeTimer { cancelTimer(timer, &actions) }
        slot.idleTimer = nil
        slot.lifetimeTimer = nil
        slot.state = .closing
        slots[connection] = slot
        closed[reason, default: 0] += 1
        actions.append(.closeConnection(connection, value, reason))
    }

    private mutating func schedule(_ kind: Timer.Kind, at deadline: Instant, _ actions: inout [Action]) -> TimerID {
        let timer = Timer(id: nextTimerID, kind: kind, deadline: deadline)
        nextTimerID += 1
        timers[timer.id] = timer
        actions.append(.scheduleTimer(timer))
        return timer.id
    }

    private mutating func cancelTimer(_ id: TimerID, _ actions: inout [Action]) {
        if timers.removeValue(forKey: id) != nil {
            actions.append(.cancelTimer(id))
        }
    }

    private mutating func finishShutdownIfDone(_ actions: inout [Action]) {
        guard phase == .shuttingDown, slots.isEmpty else { return }
        phase = .shutDown
        actions.append(.shutdownComplete)
    }
}
