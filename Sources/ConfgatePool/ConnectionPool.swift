import Synchronization

/// A connection pool with HikariCP's semantics, generic over the connection
/// (``PooledConnectionFactory``) and the clock (``PoolClock`` in production, a manual clock
/// in tests).
///
/// All decisions are made by a pure `PoolStateMachine` under a `Mutex`; this class
/// only performs the actions it returns (resuming waiters, opening and closing
/// connections, running timers) after releasing the lock.
///
/// Wiring:
/// ```swift
/// let pool = ConnectionPool(configuration: config, factory: factory, clock: PoolClock())
/// let runTask = Task { await pool.run() }          // background work: opens, closes, timers
/// try await pool.withConnection(isBroken: { $0 is MyConnectionLostError }) { conn in ... }
/// await pool.shutdown()                              // graceful; then run() returns
/// await runTask.value
/// ```
/// `run()` must be running for connections to be opened, validated or closed and for timers
/// (acquire timeout, housekeeping, lifetime, back-off) to fire. Cancelling the task
/// running `run()` starts a shutdown but stops processing at once, so connections
/// still leased are not closed: prefer ``shutdown()``.
public final class ConnectionPool<Factory: PooledConnectionFactory, C: Clock<Duration>>: Sendable {
    typealias Machine = PoolStateMachine<Factory.Connection, C.Instant>

    enum Event: Sendable {
        case open(Int, loginTimeout: Duration?)
        case validate(Int, Factory.Connection)
        case close(Int, Factory.Connection)
        case timer(Machine.Timer)
    }

    /// What a waiting caller is woken with.
    enum Handoff: Sendable {
        case lease(Lease)
        /// A connection is on offer: claim it (it may be gone by then: wait again).
        case offer(Int)
    }

    struct State: Sendable {
        var machine: Machine
        var waiters: [Int: CheckedContinuation<Handoff, any Error>] = [:]
        var timerCancellations: [Int: CheckedContinuation<Void, Never>] = [:]
        var shutdownWaiters: [CheckedContinuation<Void, Never>] = []
        var observers: [(predicate: @Sendable (PoolMetrics) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    /// The configuration the pool runs with.
    public let configuration: PoolConfiguration
    let factory: Factory
    let clock: C
    let state: Mutex<State>
    let events: AsyncStream<Event>
    let eventSink: AsyncStream<Event>.Continuation
    let nextWaiterID = Atomic<Int>(0)

    /// Creates a pool; it opens `minIdle` connections once ``run()`` runs. `randomSeed`
    /// drives the lifetime variance (``PoolConfiguration/lifetimeVariance``); give one to
    /// replay a run. ``PoolConfiguration/StartMode/failFast(timeout:)`` is decided by the
    /// state machine but not reported here: a failed start shuts the pool down.
    public init(
        configuration: PoolConfiguration, factory: Factory, clock: C,
        randomSeed: UInt64 = UInt64.random(in: .min ... .max)
    ) {
        self.configuration = configuration
        self.factory = factory
        self.clock = clock
        (events, eventSink) = AsyncStream.makeStream(of: Event.self)
        var machine = Machine(configuration: configuration, randomSeed: randomSeed)
        let actions = machine.start(now: clock.now)
        state = Mutex(State(machine: machine))
        for action in actions {
            switch action {
            case .openConnection(let id, let loginTimeout): eventSink.yield(.open(id, loginTimeout: loginTimeout))
            case .scheduleTimer(let timer): eventSink.yield(.timer(timer))
            default: break
            }
        }
    }

    deinit {
        eventSink.finish()
    }

    // MARK: Public API

    /// Runs the pool's background work (connection attempts, closes, timers) until
    /// shutdown completes. Call it once, in a task of its own, before using the pool;
    /// acquires made earlier simply wait for it.
    public func run() async {
        await withTaskCancellationHandler {
            await withDiscardingTaskGroup { group in
                for await event in events {
                    switch event {
                    case .open(let id, let loginTimeout):
                        group.addTask { await self.open(id, loginTimeout: loginTimeout) }
                    case .validate(let id, let connection):
                        group.addTask { await self.validate(id, connection) }
                    case .close(let id, let connection):
                        group.addTask { await self.close(id, connection) }
                    case .timer(let timer):
                        group.addTask { await self.runTimer(timer) }
                    }
                }
            }
        } onCancel: {
            self.beginShutdown(continuation: nil)
        }
    }

    /// Waits for a connection, at most `acquireTimeout`. When connections are idle, it gets
    /// the most recently used one that `prefer` picks (e.g. one served by the caller's own
    /// thread), else the most recently used one. Waiters are woken in arrival order; with
    /// ``PoolConfiguration/WaiterOrder/barging`` a woken waiter takes its connection only once
    /// its task runs, and a caller arriving in between takes it first (HikariCP's bag).
    ///
    /// - Throws: ``PoolError/acquireTimeout(lastConnectError:)``, ``PoolError/shutDown``,
    ///   or `CancellationError` when the task is cancelled while waiting.
    nonisolated(nonsending) public func lease(preferring prefer: (Factory.Connection) -> Bool = { _ in false }) async throws -> Lease {
        let waiter = nextWaiterID.wrappingAdd(1, ordering: .relaxed).oldValue
        if let lease = leaseAtOnce(waiter, prefer: prefer) { return lease }
        return try await withTaskCancellationHandler {
            var offer: Int?
            while true {
                let handoff = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Handoff, any Error>) in
                    let effects = state.withLock { state -> [Effect] in
                        let now = clock.now
                        if let connection = offer {
                            // Woken with an offer: take it now, if no newer caller did.
                            state.waiters[waiter] = continuation
                            return apply(state.machine.claim(waiter, connection, now: now), to: &state)
                        }
                        if Task.isCancelled { return [.fail(continuation, CancellationError())] }
                        state.waiters[waiter] = continuation
                        return apply(state.machine.acquire(waiter, now: now, prefer: prefer), to: &state)
                    }
                    perform(effects)
                }
                switch handoff {
                case .lease(let lease): return lease
                case .offer(let connection): offer = connection
                }
            }
        } onCancel: {
            let effects = state.withLock { state in apply(state.machine.cancel(waiter), to: &state) }
            perform(effects)
        }
    }

    /// The lease when an idle connection serves `waiter` at once (`acquireAtOnce`): no
    /// continuation, no cancellation handler, no suspension, which a login pays otherwise on
    /// every lease. `nil` when the caller must wait, or its task is cancelled (the usual path
    /// then fails it).
    private func leaseAtOnce(_ waiter: Int, prefer: (Factory.Connection) -> Bool) -> Lease? {
        if Task.isCancelled { return nil }
        let (lease, effects) = state.withLock { state -> (Lease?, [Effect]) in
            guard let actions = state.machine.acquireAtOnce(waiter, now: clock.now, prefer: prefer) else { return (nil, []) }
            var lease: Lease?
            for case .leaseConnection(waiter, let id, let connection) in actions {
                lease = Lease(connection: connection, connectionID: id, waiterID: waiter, pool: self)
            }
            precondition(lease != nil, "acquireAtOnce served waiter \(waiter) no lease")
            return (lease, apply(actions, to: &state))
        }
        perform(effects)
        return lease
    }

    /// Leases a connection, runs `body` with it and releases it, as broken when
    /// `body` throws an error for which `isBroken` returns true.
    public func withConnection<T: Sendable>(
        isBroken: (any Error) -> Bool = { _ in false },
        _ body: (Factory.Connection) async throws -> T
    ) async throws -> T {
        let lease = try await lease()
        do {
            let result = try await body(lease.connection)
            lease.release()
            return result
        } catch {
            lease.release(broken: isBroken(error))
            throw error
        }
    }

    /// A snapshot of the pool's state and counters.
    public func metrics() -> PoolMetrics {
        state.withLock { $0.machine.metrics }
    }

    /// Graceful shutdown: fails waiting callers with ``PoolError/shutDown``, closes
    /// idle connections, waits for leased ones to be released and closes them. Returns
    /// when every connection is closed; ``run()`` then returns too.
    public func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            beginShutdown(continuation: continuation)
        }
    }

    // MARK: Internals

    func release(_ lease: Lease, broken: Bool) {
        let effects = state.withLock { state in
            let now = clock.now
            return apply(
                state.machine.release(lease.connectionID, leasedTo: lease.waiterID, broken: broken, now: now), to: &state)
        }
        perform(effects)
    }

    /// Suspends until the pool's metrics satisfy `predicate` (checked after every event).
    public func waitUntil(_ predicate: @escaping @Sendable (PoolMetrics) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let satisfied = state.withLock { state -> Bool in
                if predicate(state.machine.metrics) { return true }
                state.observers.append((predicate, continuation))
                return false
            }
            if satisfied { continuation.resume() }
        }
    }

    private func beginShutdown(continuation: CheckedContinuation<Void, Never>?) {
        let effects = state.withLock { state -> [Effect] in
            if let continuation { state.shutdownWaiters.append(continuation) }
            return apply(state.machine.shutdown(), to: &state)
        }
        perform(effects)
    }

    private func open(_ id: Int, loginTimeout: Duration?) async {
        do {
            let connection = try await factory.makeConnection(loginTimeout: loginTimeout)
            let effects = state.withLock { state in
                let now = clock.now
                return apply(state.machine.connectionEstablished(id, connection, now: now), to: &state)
            }
            perform(effects)
        } catch {
            let key = factory.errorKey(for: error)
            let effects = state.withLock { state in
                let now = clock.now
                return apply(state.machine.connectFailed(id, error: error, errorKey: key, now: now), to: &state)
            }
            perform(effects)
        }
    }

    private func validate(_ id: Int, _ connection: Factory.Connection) async {
        let alive = await factory.isAlive(connection)
        let effects = state.withLock { state in
            let now = clock.now
            return apply(state.machine.validationCompleted(id, alive: alive, now: now), to: &state)
        }
        perform(effects)
    }

    private func close(_ id: Int, _ connection: Factory.Connection) async {
        await factory.close(connection)
        let effects = state.withLock { state in apply(state.machine.closeCompleted(id), to: &state) }
        perform(effects)
    }

    /// Sleeps until the timer's deadline unless the state machine cancels it first.
    private func runTimer(_ timer: Machine.Timer) async {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                do {
                    try await self.clock.sleep(until: timer.deadline, tolerance: nil)
                    return true
                } catch {
                    return false
                }
            }
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let cancelled = self.state.withLock { state -> Bool in
                        guard state.machine.isTimerActive(timer.id) else { return true }
                        state.timerCancellations[timer.id] = continuation
                        return false
                    }
                    if cancelled { continuation.resume() }
                }
                return false
            }
            let fired = await group.next() ?? false
            group.cancelAll()
            guard fired else { return }
            let effects = state.withLock { state -> [Effect] in
                var effects: [Effect] = []
                if let waiting = state.timerCancellations.removeValue(forKey: timer.id) {
                    effects.append(.resume(waiting))
                }
                let now = clock.now
                return effects + apply(state.machine.timerFired(timer.id, now: now), to: &state)
            }
            perform(effects)
        }
    }
}
