@testable import ConfgatePool
import Testing

typealias Machine = PoolStateMachine<MockConnection, TestClock.Instant>

/// Drives a pure ``PoolStateMachine`` the way the pool does, recording what it asks
/// for, and checks the invariants after every event.
struct MachineHarness {
    var machine: Machine
    var now = TestClock.Instant(offset: .zero)
    /// Connection attempts the machine started and nobody resolved yet, oldest first.
    var pendingOpens: [Int] = []
    /// Closes the machine asked for that are not completed yet.
    var pendingCloses: [Int] = []
    var timers: [Int: Machine.Timer] = [:]
    var leases: [Int: (connection: Int, value: MockConnection)] = [:]
    var released: Set<Int> = []
    var failures: [Int: Machine.WaiterFailure] = [:]
    var closes: [(connection: Int, reason: CloseReason)] = []
    var acquired: [Int] = []
    var shutdownCompleted = false
    var startFailed = false
    /// Offers not claimed yet, oldest first (only when `autoClaim` is off).
    var pendingOffers: [(waiter: Int, connection: Int)] = []
    /// Validations not completed yet (only when `autoValidate` is `nil`).
    var pendingValidations: [Int] = []
    /// Every validation asked for, in order.
    var validated: [Int] = []
    /// Login timeouts the open actions carried.
    var loginTimeouts: [Duration?] = []
    /// Claim offers at once, in the same step: the woken waiter runs before anyone else.
    var autoClaim = true
    /// Complete validations at once with this outcome; `nil` leaves them pending.
    var autoValidate: Bool? = true
    var nextWaiter = 0
    var nextSerial = 0
    var last: [Machine.Action] = []

    init(_ configuration: PoolConfiguration, start: Bool = true, seed: UInt64 = 0, autoClaim: Bool = true) {
        machine = Machine(configuration: configuration, randomSeed: seed)
        self.autoClaim = autoClaim
        if start { step { $0.start(now: $1) } }
    }

    // MARK: Events

    @discardableResult
    mutating func step(_ event: (inout Machine, TestClock.Instant) -> [Machine.Action]) -> [Machine.Action] {
        var actions = event(&machine, now)
        record(actions)
        checkInvariants()
        // Woken waiters run, and validations finish, before the next outside event.
        while true {
            if autoClaim, !pendingOffers.isEmpty {
                let offer = pendingOffers.removeFirst()
                let more = machine.claim(offer.waiter, offer.connection, now: now)
                record(more)
                actions += more
            } else if let alive = autoValidate, !pendingValidations.isEmpty {
                let id = pendingValidations.removeFirst()
                let more = machine.validationCompleted(id, alive: alive, now: now)
                record(more)
                actions += more
            } else {
                break
            }
            checkInvariants()
        }
        last = actions
        return actions
    }

    /// The oldest offered waiter runs and claims its connection.
    @discardableResult
    mutating func claimNext() -> [Machine.Action] {
        let offer = pendingOffers.removeFirst()
        return step { $0.claim(offer.waiter, offer.connection, now: $1) }
    }

    /// The oldest pending validation completes.
    @discardableResult
    mutating func completeValidation(alive: Bool) -> [Machine.Action] {
        let id = pendingValidations.removeFirst()
        return step { $0.validationCompleted(id, alive: alive, now: $1) }
    }

    /// Starts an acquire; returns its waiter ID.
    @discardableResult
    mutating func acquire(preferring prefer: (MockConnection) -> Bool = { _ in false }) -> Int {
        let waiter = nextWaiter
        nextWaiter += 1
        acquired.append(waiter)
        step { $0.acquire(waiter, now: $1, prefer: prefer) }
        return waiter
    }

    /// Acquires as `ConnectionPool.lease` does: served at once when `acquireAtOnce` can (no
    /// suspension), else through `acquire`. Returns the waiter ID and whether it was at once.
    @discardableResult
    mutating func lease(preferring prefer: (MockConnection) -> Bool = { _ in false }) -> (waiter: Int, atOnce: Bool) {
        let waiter = nextWaiter
        nextWaiter += 1
        acquired.append(waiter)
        var atOnce = false
        step { machine, now in
            if let actions = machine.acquireAtOnce(waiter, now: now, prefer: prefer) {
                atOnce = true
                return actions
            }
            return machine.acquire(waiter, now: now, prefer: prefer)
        }
        if atOnce { #expect(last.leasedWaiters == [waiter], "served at once without its lease") }
        return (waiter, atOnce)
    }

    mutating func release(_ waiter: Int, broken: Bool = false) {
        guard let lease = leases[waiter] else {
            Issue.record("waiter \(waiter) holds no lease")
            return
        }
        released.insert(waiter)
        step { $0.release(lease.connection, leasedTo: waiter, broken: broken, now: $1) }
    }

    mutating func cancel(_ waiter: Int) {
        step { machine, _ in machine.cancel(waiter) }
    }

    /// Resolves the oldest pending attempt successfully.
    mutating func establishNext() {
        let id = pendingOpens.removeFirst()
        nextSerial += 1
        let value = MockConnection(serial: nextSerial)
        step { $0.connectionEstablished(id, value, now: $1) }
    }

    /// Resolves pending attempts successfully until none is left.
    mutating func establishAll() {
        while !pendingOpens.isEmpty { establishNext() }
    }

    mutating func failNext(_ sqlState: String = "53300") {
        let id = pendingOpens.removeFirst()
        step { $0.connectFailed(id, error: MockConnectError(sqlState: sqlState), errorKey: sqlState, now: $1) }
    }

    mutating func completeCloses() {
        while !pendingCloses.isEmpty {
            let id = pendingCloses.removeFirst()
            step { machine, _ in machine.closeCompleted(id) }
        }
    }

    /// Moves time forward, firing due timers in deadline order at their deadlines.
    mutating func advance(by duration: Duration) {
        let target = now.advanced(by: duration)
        while let timer = timers.values.filter({ $0.deadline <= target }).min(by: { ($0.deadline, $0.id) < ($1.deadline, $1.id) }) {
            now = max(now, timer.deadline)
            timers[timer.id] = nil
            step { $0.timerFired(timer.id, now: $1) }
        }
        now = target
    }

    // MARK: Bookkeeping

    private mutating func record(_ actions: [Machine.Action]) {
        for action in actions {
            switch action {
            case .openConnection(let id, let loginTimeout):
                pendingOpens.append(id)
                loginTimeouts.append(loginTimeout)
            case .offerConnection(let waiter, let id):
                pendingOffers.append((waiter, id))
            case .validateConnection(let id, _):
                pendingValidations.append(id)
                validated.append(id)
            case .startFailed:
                #expect(!startFailed, "start failed twice")
                startFailed = true
            case .closeConnection(let id, _, let reason):
                pendingCloses.append(id)
                closes.append((id, reason))
            case .leaseConnection(let waiter, let id, let value):
                #expect(leases[waiter] == nil && failures[waiter] == nil, "waiter \(waiter) served twice")
                leases[waiter] = (id, value)
            case .failWaiter(let waiter, let failure):
                #expect(leases[waiter] == nil && failures[waiter] == nil, "waiter \(waiter) served twice")
                failures[waiter] = failure
            case .scheduleTimer(let timer):
                #expect(timers[timer.id] == nil)
                timers[timer.id] = timer
            case .cancelTimer(let id):
                #expect(timers.removeValue(forKey: id) != nil, "cancelled an unknown timer")
            case .shutdownComplete:
                #expect(!shutdownCompleted, "shutdown completed twice")
                shutdownCompleted = true
            }
        }
    }

    /// The rules that must hold after every event.
    func checkInvariants() {
        let metrics = machine.metrics
        let configuration = machine.configuration
        #expect(machine.slots.count <= configuration.maxSize, "more than maxSize slots")
        #expect(metrics.slots == machine.slots.count)
        #expect(metrics.opening == pendingOpens.count)
        #expect(metrics.closing == pendingCloses.count)
        #expect(metrics.active == leases.count - released.count + pendingValidations.count, "leases not matching active connections")
        #expect(machine.queuedWaiters == 0 || machine.parkedIdle == 0, "a waiter waits while a connection is idle")
        #expect(metrics.handingOff <= pendingOffers.count, "a connection on offer to nobody")
        #expect(metrics.opening <= configuration.maxConcurrentOpens)
        let resolved = leases.count + failures.count
        #expect(resolved + metrics.pendingWaiters == acquired.count, "a waiter was lost")
        #expect(Set(timers.keys).allSatisfy { machine.isTimerActive($0) })
    }
}

extension Array where Element == PoolStateMachine<MockConnection, TestClock.Instant>.Action {
    var opens: Int { filter { if case .openConnection = $0 { true } else { false } }.count }
    var offeredWaiters: [Int] { compactMap { if case .offerConnection(let w, _) = $0 { w } else { nil } } }
    var leasedWaiters: [Int] { compactMap { if case .leaseConnection(let w, _, _) = $0 { w } else { nil } } }
    var failedWaiters: [Int] { compactMap { if case .failWaiter(let w, _) = $0 { w } else { nil } } }
    var closeReasons: [CloseReason] { compactMap { if case .closeConnection(_, _, let r) = $0 { r } else { nil } } }
}
