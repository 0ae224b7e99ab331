/// Every decision of a ``ConnectionPool``, as a pure value: each method takes an
/// event (with the current instant) and returns the actions the pool must perform
/// after releasing its lock. No clock, no tasks, no I/O: tests drive it directly.
///
/// Rules (HikariCP's current release; docs/pool.md has the sources and where 2.7.9 differs):
/// - at most `maxSize` slots (opening + open + closing), ever;
/// - keeps `minIdle` connections idle, opening them in the background, at most
///   `maxConcurrentOpens` at a time; each attempt is limited to ``PoolConfiguration/loginTimeout``;
/// - a returned connection is offered to the longest waiter, and a caller arriving before
///   that waiter runs takes it instead (``PoolConfiguration/WaiterOrder/barging``, HikariCP's
///   `ConcurrentBag`); or strictly first come, first served (`.fifo`). Waiters fail after
///   `acquireTimeout` with the last connection error;
/// - a connection idle for longer than `aliveBypassWindow` (500 ms) is validated before it is
///   handed out; a dead one is closed and the caller borrows again within its time left;
/// - the housekeeper runs every `housekeepingPeriod` (30 s) and closes idle connections above
///   `minIdle` idle for longer than `idleTimeout`: idle connections retire on its runs only;
/// - a connection's lifetime is `maxLifetime` less a random variance of up to 2.5 % (seeded:
///   `randomSeed`); past it, the connection is closed when idle (never while leased) and
///   replaced as needed; one released as broken is closed and replaced;
/// - a failed attempt is retried after `connectBackoffInitial`, growing by
///   `connectBackoffMultiplier` up to `connectBackoffMax` (10 ms doubling to 5 s); no attempt
///   starts while that back-off runs;
/// - `startMode` `.failFast` makes the start wait for one connection (HikariCP `checkFailFast`).
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
    /// Whether the fail-fast start check failed.
    private var startFailed = false
    private(set) var slots: [ConnectionID: Slot] = [:]
    /// Idle connections, most recently released last.
    private var idleStack: [ConnectionID] = []
    /// Connections on offer, and to whom.
    private var offered: [ConnectionID: WaiterID] = [:]
    /// Waiters out of the queue, not served yet: offered a connection or validating one.
    private var handed: [WaiterID: Handed] = [:]
    private(set) var openingCount = 0
    private var waiters = WaiterQueue()
    private var timers: [TimerID: Timer] = [:]
    private var backoffTimer: TimerID?
    private var housekeepingTimer: TimerID?
    private var startRetryTimer: TimerID?
    private var startedAt: Instant?
    private var consecutiveFailures = 0
    private var lastConnectError: (any Error)?
    private var nextConnectionID = 0
    private var nextTimerID = 0
    private var random: PoolRandom

    private var acquires = 0
    private var acquireTimeouts = 0
    private var connectAttempts = 0
    private var connectFailures: [String: Int] = [:]
    private var closed: [CloseReason: Int] = [:]
    private var acquireWait = WaitHistogram()

    /// `randomSeed` drives the lifetime variance, so a run can be replayed.
    init(configuration: PoolConfiguration, randomSeed: UInt64 = 0) {
        self.configuration = configuration
        self.random = PoolRandom(seed: randomSeed)
    }

    // MARK: Events

    /// The pool starts: open `minIdle` connections, or (``PoolConfiguration/StartMode/failFast(timeout:)``)
    /// one to check that the database can be reached, and the rest once it succeeds.
    mutating func start(now: Instant) -> [Action] {
        var actions: [Action] = []
        if configuration.idleTimeout > .zero && configuration.minIdle < configuration.maxSize {
            // HikariCP: scheduleWithFixedDelay(houseKeeper, 100 ms, housekeepingPeriodMs).
            housekeepingTimer = schedule(.housekeeping, at: now.advanced(by: .milliseconds(100)), &actions)
        }
        switch configuration.startMode {
        case .lazy:
            refill(&actions)
        case .failFast:
            phase = .starting
            startedAt = now
            openOne(&actions)
        }
        return actions
    }

    /// A caller wants a connection. `waiter` must be unique. Of the idle connections it
    /// gets the one used last that `prefer` picks, else the one used last (as HikariCP's
    /// bag hands a thread the connection it used before, else any); with none idle, one on
    /// offer to a waiter (barging), else it waits.
    mutating func acquire(_ waiter: WaiterID, now: Instant, prefer: (Connection) -> Bool = { _ in false }) -> [Action] {
        guard isAccepting else { return [.failWaiter(waiter, .shutDown)] }
        var actions: [Action] = []
        borrow(waiter, newWaiter(now: now), now: now, prefer: prefer, mayBarge: true, &actions)
        refill(&actions)
        return actions
    }

    /// `acquire` when it serves the caller at once: from an idle connection that needs no
    /// liveness check, the same one `acquire` would pick, with the same actions (its
    /// ``Action/leaseConnection(_:_:_:)`` among them). `nil`, with nothing changed, when the
    /// caller would wait, take a connection on offer to a waiter, or wait for a check: the
    /// pool then acquires as usual. HikariCP's bag, too, hands an idle connection over before
    /// its borrower ever waits.
    mutating func acquireAtOnce(_ waiter: WaiterID, now: Instant, prefer: (Connection) -> Bool = { _ in false }) -> [Action]? {
        guard isAccepting, let index = idleChoice(prefer: prefer), !needsValidation(idleStack[index], now: now) else {
            return nil
        }
        var actions: [Action] = []
        takeIdle(at: index, for: waiter, newWaiter(now: now), now: now, &actions)
        refill(&actions)
        return actions
    }

    /// A waiter offered `connection` (``Action/offerConnection(_:_:)``) runs and takes it:
    /// it gets it (possibly after validation) unless a newer caller took it meanwhile; then it
    /// waits again, at the end of the queue, for the time it has left (HikariCP's waiter polls
    /// the hand-off queue again after losing the `compareAndSet`).
    mutating func claim(_ waiter: WaiterID, _ connection: ConnectionID, now: Instant) -> [Action] {
        guard let entry = handed[waiter], !isValidating(waiter, entry) else { return [] }
        handed[waiter] = nil
        if let failure = entry.failure { return [.failWaiter(waiter, failure)] }
        var actions: [Action] = []
        if entry.connection == connection, let slot = slots[connection], case .offered(let value, waiter) = slot.state {
            offered[connection] = nil
            hand(connection, value, to: waiter, entry.waiter, now: now, &actions)
        } else {
            retry(waiter, entry.waiter, now: now, mayBarge: false, &actions)
        }
        refill(&actions)
        return actions
    }

    /// The liveness check of `connection` ended: alive, it goes to its borrower; dead, it is
    /// closed and the borrower borrows again within its time left (HikariCP `getConnection`).
    mutating func validationCompleted(_ connection: ConnectionID, alive: Bool, now: Instant) -> [Action] {
        guard let slot = slots[connection], case .validating(let value, let waiter) = slot.state else { return [] }
        var actions: [Action] = []
        let entry = handed.removeValue(forKey: waiter)
        if !alive {
            close(connection, value, .dead, &actions)
            if let entry { retry(waiter, entry.waiter, now: now, mayBarge: true, &actions) }
        } else if let entry {
            lease(connection, value, to: waiter, waitedSince: entry.waiter.enqueuedAt, now: now, &actions)
        } else {
            putBack(connection, value, now: now, &actions)
        }
        refill(&actions)
        return actions
    }

    /// The caller of `waiter` gave up (task cancelled) before being served.
    mutating func cancel(_ waiter: WaiterID) -> [Action] {
        if let entry = waiters.remove(waiter) {
            var actions: [Action] = [.failWaiter(waiter, .cancelled)]
            if let timer = entry.timer { cancelTimer(timer, &actions) }
            return actions
        }
        guard var entry = handed[waiter], entry.failure == nil else { return [] }
        if isValidating(waiter, entry) {
            // The check finishes; its connection then goes back to the pool.
            handed[waiter] = nil
            return [.failWaiter(waiter, .cancelled)]
        }
        // Offered: the offer passes on; the waiter hears of its failure when it claims.
        var actions: [Action] = []
        entry.failure = .cancelled
        if let connection = entry.connection, let slot = slots[connection], case .offered(let value, _) = slot.state,
           let last = slot.lastAccessed {
            offered[connection] = nil
            entry.connection = nil
            handed[waiter] = entry
            putBack(connection, value, now: last, &actions)
        } else {
            handed[waiter] = entry
        }
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
        } else {
            slots.update(connection) { $0.lastAccessed = now }
            putBack(connection, value, now: now, &actions)
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
        slots.update(connection) { $0.lastAccessed = now }
        var actions: [Action] = []
        guard isAccepting else {
            close(connection, value, .shutdown, &actions)
            return actions
        }
        if configuration.maxLifetime > .zero {
            let timer = schedule(.maxLifetime(connection), at: now.advanced(by: lifetime()), &actions)
            slots.update(connection) { $0.lifetimeTimer = timer }
        }
        if phase == .starting {
            phase = .running
            cancelStartRetry(&actions)
            if configuration.minIdle == 0 && waiters.isEmpty {
                // HikariCP: "initialization check complete and minimumIdle is zero".
                close(connection, value, .startCheck, &actions)
                return actions
            }
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
        switch phase {
        case .starting:
            // HikariCP checkFailFast: quietlySleep(1 s), then another attempt or the verdict.
            startRetryTimer = schedule(.startRetry, at: now.advanced(by: .seconds(1)), &actions)
        case .running:
            consecutiveFailures += 1
            if let previous = backoffTimer { cancelTimer(previous, &actions) }
            let delay = configuration.backoff(afterFailures: consecutiveFailures)
            backoffTimer = schedule(.connectBackoff, at: now.advanced(by: delay), &actions)
        case .shuttingDown, .shutDown:
            finishShutdownIfDone(&actions)
        }
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
        case .housekeeping:
            housekeepingTimer = nil
            retireIdle(now: now, &actions)
            if phase == .running || phase == .starting {
                housekeepingTimer = schedule(.housekeeping, at: now.advanced(by: configuration.housekeepingPeriod), &actions)
            }
        case .maxLifetime(let connection):
            slots.update(connection) { $0.lifetimeTimer = nil }
            guard let slot = slots[connection] else { break }
            switch slot.state {
            case .idle(let value):
                close(connection, value, .lifetime, &actions)
            case .offered(let value, let waiter):
                // Not in use, so HikariCP's soft eviction closes it; the waiter loses the offer.
                offered[connection] = nil
                handed.update(waiter) { $0.connection = nil }
                close(connection, value, .lifetime, &actions)
            case .leased, .validating:
                slots.update(connection) { $0.retireOnRelease = true }
            case .opening, .closing:
                break
            }
        case .connectBackoff:
            backoffTimer = nil
            // HikariCP's creator task ends when the need is gone; the next one starts at 10 ms.
            if demand <= 0 { consecutiveFailures = 0 }
        case .startRetry:
            startRetryTimer = nil
            guard phase == .starting, let startedAt, case .failFast(let timeout) = configuration.startMode else { break }
            if startedAt.duration(to: now) < timeout {
                openOne(&actions)
            } else if timeout > .zero {
                startFailed = true
                actions.append(.startFailed(lastConnectError: lastConnectError))
                actions += shutdown()
                return actions
            } else {
                phase = .running
            }
        }
        refill(&actions)
        return actions
    }

    /// Graceful shutdown: fail waiters, close idle connections now and leased ones
    /// on release, then report ``Action/shutdownComplete``.
    mutating func shutdown() -> [Action] {
        guard isAccepting else { return phase == .shutDown ? [.shutdownComplete] : [] }
        phase = .shuttingDown
        var actions: [Action] = []
        while let (waiter, entry) = waiters.popFirst() {
            if let timer = entry.timer { cancelTimer(timer, &actions) }
            actions.append(.failWaiter(waiter, .shutDown))
        }
        for waiter in handed.keys.sorted() {
            guard var entry = handed[waiter], entry.failure == nil else { continue }
            if isValidating(waiter, entry) {
                handed[waiter] = nil
                actions.append(.failWaiter(waiter, .shutDown))
                continue
            }
            if let connection = entry.connection, let slot = slots[connection], case .offered(let value, _) = slot.state {
                offered[connection] = nil
                close(connection, value, .shutdown, &actions)
            }
            entry.connection = nil
            entry.failure = .shutDown
            handed[waiter] = entry
        }
        for id in timers.keys.sorted() { cancelTimer(id, &actions) }
        backoffTimer = nil
        housekeepingTimer = nil
        startRetryTimer = nil
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

    /// A snapshot of the counters. As HikariCP counts them, connections on offer are idle
    /// and their waiters still waiting; connections being validated are active.
    var metrics: PoolMetrics {
        var active = 0
        var closing = 0
        for slot in slots.values {
            switch slot.state {
            case .leased, .validating: active += 1
            case .closing: closing += 1
            case .idle, .offered, .opening: break
            }
        }
        let idle = idleStack.count + offered.count
        return PoolMetrics(
            maxSize: configuration.maxSize, total: active + idle, active: active,
            idle: idle, opening: openingCount, closing: closing, pendingWaiters: pendingWaiters, handingOff: offered.count,
            acquires: acquires, acquireTimeouts: acquireTimeouts, connectAttempts: connectAttempts,
            connectFailures: connectFailures, closed: closed, acquireWait: acquireWait,
            starting: phase == .starting, startFailed: startFailed)
    }

    /// The number of callers not served yet: queued, offered a connection, or validating one.
    var pendingWaiters: Int { waiters.count + handed.count }

    /// Waiters in the queue (not those offered a connection).
    var queuedWaiters: Int { waiters.count }

    /// Idle connections not on offer.
    var parkedIdle: Int { idleStack.count }

    // MARK: Decisions

    private var isAccepting: Bool { phase == .running || phase == .starting }

    /// How many more connections are wanted: for queued waiters and `minIdle`.
    private var demand: Int {
        waiters.count + configuration.minIdle - idleStack.count - openingCount
    }

    /// Opens connections for waiters and `minIdle`, within `maxSize`,
    /// `maxConcurrentOpens`, and not during a back-off or the start check.
    private mutating func refill(_ actions: inout [Action]) {
        guard phase == .running, backoffTimer == nil else { return }
        let room = configuration.maxSize - slots.count
        let concurrency = configuration.maxConcurrentOpens - openingCount
        let count = min(demand, room, concurrency)
        guard count > 0 else { return }
        for _ in 0..<count { openOne(&actions) }
    }

    private mutating func openOne(_ actions: inout [Action]) {
        let id = nextConnectionID
        nextConnectionID += 1
        slots[id] = Slot(state: .opening)
        openingCount += 1
        connectAttempts += 1
        actions.append(.openConnection(id, loginTimeout: configuration.loginTimeout))
    }

    /// `maxLifetime`, less HikariCP's variance: `[0, maxLifetime / 40)` whole ms when over 10 s.
    private mutating func lifetime() -> Duration {
        let ms = configuration.maxLifetime.wholeMilliseconds
        guard configuration.lifetimeVariance, ms > 10_000 else { return configuration.maxLifetime }
        return configuration.maxLifetime - .milliseconds(Int64.random(in: 0..<(ms / 40), using: &random))
    }

    /// Serves `waiter` from an idle connection, else (barging) one on offer to another
    /// waiter, else queues it until its deadline.
    private mutating func borrow(
        _ waiter: WaiterID, _ entry: Waiter, now: Instant, prefer: (Connection) -> Bool, mayBarge: Bool,
        _ actions: inout [Action]
    ) {
        if let index = idleChoice(prefer: prefer) {
            takeIdle(at: index, for: waiter, entry, now: now, &actions)
            return
        }
        if configuration.waiterOrder != .fifo, mayBarge, let connection = offered.keys.min(), let slot = slots[connection],
           case .offered(let value, let bypassed) = slot.state {
            // HikariCP's borrower scans the shared list and wins the compareAndSet before the
            // woken waiter runs.
            offered[connection] = nil
            handed.update(bypassed) { $0.connection = nil }
            hand(connection, value, to: waiter, entry, now: now, &actions)
            return
        }
        var queued = entry
        queued.timer = schedule(.acquireTimeout(waiter), at: entry.deadline, &actions)
        waiters.append(waiter, queued)
    }

    /// A new borrower's entry: its acquire timeout runs from `now`.
    private func newWaiter(now: Instant) -> Waiter {
        Waiter(enqueuedAt: now, deadline: now.advanced(by: configuration.acquireTimeout))
    }

    /// The idle connection a borrower takes, as its position in `idleStack`: the one used last
    /// that `prefer` picks, else the one used last. `nil` when none is idle, or (fifo) when
    /// waiters queue ahead of the borrower.
    private func idleChoice(prefer: (Connection) -> Bool) -> Int? {
        guard !idleStack.isEmpty, !(configuration.waiterOrder == .fifo && !waiters.isEmpty) else { return nil }
        return idleStack.lastIndex { id in
            if case .idle(let value)? = slots[id]?.state { prefer(value) } else { false }
        } ?? idleStack.count - 1
    }

    /// Takes the idle connection at `index` of `idleStack` for `waiter`.
    private mutating func takeIdle(at index: Int, for waiter: WaiterID, _ entry: Waiter, now: Instant, _ actions: inout [Action]) {
        let connection = idleStack.remove(at: index)
        guard let slot = slots[connection], case .idle(let value) = slot.state else {
            preconditionFailure("connection \(connection) on the idle stack is not idle")
        }
        hand(connection, value, to: waiter, entry, now: now, &actions)
    }

    /// Whether `connection`, borrowed `now`, is checked first: idle for longer than
    /// `aliveBypassWindow` (HikariCP's `aliveBypassWindowMs`).
    private func needsValidation(_ connection: ConnectionID, now: Instant) -> Bool {
        guard let window = configuration.aliveBypassWindow, let last = slots[connection]?.lastAccessed else { return false }
        return last.duration(to: now) > window
    }

    /// A waiter that lost its offer or its connection borrows again, or times out when its
    /// deadline has passed.
    private mutating func retry(_ waiter: WaiterID, _ entry: Waiter, now: Instant, mayBarge: Bool, _ actions: inout [Action]) {
        guard isAccepting else {
            actions.append(.failWaiter(waiter, .shutDown))
            return
        }
        guard now < entry.deadline else {
            acquireTimeouts += 1
            actions.append(.failWaiter(waiter, .timeout(lastConnectError: lastConnectError)))
            return
        }
        var entry = entry
        entry.timer = nil
        borrow(waiter, entry, now: now, prefer: { _ in false }, mayBarge: mayBarge, &actions)
    }

    /// The borrower has the connection: lease it, or validate it first when it has been idle
    /// for longer than `aliveBypassWindow`.
    private mutating func hand(
        _ connection: ConnectionID, _ value: Connection, to waiter: WaiterID, _ entry: Waiter, now: Instant,
        _ actions: inout [Action]
    ) {
        if needsValidation(connection, now: now) {
            slots.update(connection) { $0.state = .validating(value, for: waiter) }
            handed[waiter] = Handed(waiter: entry, connection: connection)
            actions.append(.validateConnection(connection, value))
        } else {
            lease(connection, value, to: waiter, waitedSince: entry.enqueuedAt, now: now, &actions)
        }
    }

    /// A connection no caller holds any more goes back: closed when the pool is closing or
    /// it expired while borrowed, else to a waiter or idle.
    private mutating func putBack(_ connection: ConnectionID, _ value: Connection, now: Instant, _ actions: inout [Action]) {
        if phase != .running && phase != .starting {
            close(connection, value, .shutdown, &actions)
        } else if slots[connection]?.retireOnRelease == true {
            close(connection, value, .lifetime, &actions)
        } else {
            makeAvailable(connection, value, now: now, &actions)
        }
    }

    /// Offers a connection to the first waiter (barging), gives it to them (fifo), or parks it idle.
    private mutating func makeAvailable(_ connection: ConnectionID, _ value: Connection, now: Instant, _ actions: inout [Action]) {
        if let (waiter, entry) = waiters.popFirst() {
            if let timer = entry.timer { cancelTimer(timer, &actions) }
            var waiting = entry
            waiting.timer = nil
            switch configuration.waiterOrder {
            case .fifo:
                hand(connection, value, to: waiter, waiting, now: now, &actions)
            case .barging:
                slots.update(connection) { $0.state = .offered(value, to: waiter) }
                offered[connection] = waiter
                handed[waiter] = Handed(waiter: waiting, connection: connection)
                actions.append(.offerConnection(waiter, connection))
            }
            return
        }
        slots.update(connection) { $0.state = .idle(value) }
        idleStack.append(connection)
    }

    /// HikariCP's housekeeper: of the idle connections, in creation order, close those idle
    /// for longer than `idleTimeout`, keeping `minIdle` idle.
    private mutating func retireIdle(now: Instant, _ actions: inout [Action]) {
        guard phase == .running, configuration.idleTimeout > .zero, configuration.minIdle < configuration.maxSize else { return }
        var maxToRemove = idleStack.count + offered.count - configuration.minIdle
        for connection in idleStack.sorted() where maxToRemove > 0 {
            guard let slot = slots[connection], case .idle(let value) = slot.state, let last = slot.lastAccessed,
                  last.duration(to: now) > configuration.idleTimeout
            else { continue }
            close(connection, value, .idle, &actions)
            maxToRemove -= 1
        }
    }

    private func isValidating(_ waiter: WaiterID, _ entry: Handed) -> Bool {
        guard let connection = entry.connection, case .validating(_, waiter)? = slots[connection]?.state else { return false }
        return true
    }

    private mutating func lease(
        _ connection: ConnectionID, _ value: Connection, to waiter: WaiterID, waitedSince: Instant, now: Instant,
        _ actions: inout [Action]
    ) {
        slots.update(connection) { $0.state = .leased(value, to: waiter) }
        acquires += 1
        acquireWait.record(waitedSince.duration(to: now))
        actions.append(.leaseConnection(waiter, connection, value))
    }

    private mutating func close(_ connection: ConnectionID, _ value: Connection, _ reason: CloseReason, _ actions: inout [Action]) {
        guard var slot = slots[connection] else { return }
        if case .idle = slot.state, let index = idleStack.lastIndex(of: connection) {
            idleStack.remove(at: index)
        }
        if let timer = slot.lifetimeTimer { cancelTimer(timer, &actions) }
        slot.lifetimeTimer = nil
        slot.state = .closing
        slots[connection] = slot
        closed[reason, default: 0] += 1
        actions.append(.closeConnection(connection, value, reason))
    }

    private mutating func cancelStartRetry(_ actions: inout [Action]) {
        if let timer = startRetryTimer { cancelTimer(timer, &actions) }
        startRetryTimer = nil
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

extension Dictionary {
    /// `self[key]?.field = value`, without that in-place accessor: a `_modify` of an optional
    /// dictionary value allocates its coroutine frame (eight `malloc`s per access, measured on
    /// Swift 6.3 with the pool's slots), and the pool changes a slot on every lease and release.
    /// Read, changed and written back instead; nothing happens when `key` is absent.
    mutating func update(_ key: Key, _ change: (inout Value) -> Void) {
        guard var value = self[key] else { return }
        change(&value)
        self[key] = value
    }
}

/// A small seeded generator (SplitMix64) for the lifetime variance: the same seed, the same run.
struct PoolRandom: RandomNumberGenerator, Sendable {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
