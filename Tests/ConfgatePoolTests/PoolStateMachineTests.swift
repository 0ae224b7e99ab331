@testable import ConfgatePool
import Testing

/// One test per pool rule, on the pure state machine.
@Suite struct PoolStateMachineTests {
    static func configuration(
        max: Int, minIdle: Int = 0, acquireTimeout: Duration = .seconds(2), idleTimeout: Duration = .zero,
        maxLifetime: Duration = .zero, concurrency: Int = 1
    ) -> PoolConfiguration {
        PoolConfiguration(
            maxSize: max, minIdle: minIdle, acquireTimeout: acquireTimeout, idleTimeout: idleTimeout,
            maxLifetime: maxLifetime, connectBackoffInitial: .milliseconds(10), connectBackoffMax: .seconds(1),
            maxConcurrentOpens: concurrency, lifetimeVariance: false)
    }

    @Test func maxSizeIsNeverExceededCountingConnectionsBeingOpenedAndClosed() {
        var h = MachineHarness(Self.configuration(max: 3, concurrency: 10))
        for _ in 0..<5 { h.acquire() }
        #expect(h.pendingOpens.count == 3, "only maxSize attempts for 5 waiters")
        for _ in 0..<5 { h.acquire() }
        #expect(h.pendingOpens.count == 3, "no attempt beyond maxSize while opening")
        h.establishAll()
        #expect(h.leases.count == 3)
        #expect(h.machine.metrics.pendingWaiters == 7)

        // A broken connection still holds its slot until its close completes.
        h.release(0, broken: true)
        #expect(h.pendingCloses.count == 1)
        #expect(h.pendingOpens.isEmpty, "no replacement while the broken one is still closing")
        h.completeCloses()
        #expect(h.pendingOpens.count == 1, "replacement once the slot is free")
        #expect(h.machine.slots.count == 3)
    }

    @Test func minIdleIsFilledInTheBackground() {
        var h = MachineHarness(Self.configuration(max: 5, minIdle: 2, concurrency: 1))
        #expect(h.pendingOpens.count == 1, "opens one at a time, without any acquire")
        h.establishNext()
        #expect(h.pendingOpens.count == 1)
        h.establishNext()
        #expect(h.pendingOpens.isEmpty)
        #expect(h.machine.metrics.idle == 2)

        let waiter = h.acquire()
        #expect(h.leases[waiter] != nil, "served at once from an idle connection")
        #expect(h.pendingOpens.count == 1, "opens another to keep minIdle idle")
        h.establishAll()
        #expect(h.machine.metrics.idle == 2)
        #expect(h.machine.metrics.total == 3)
    }

    /// As HikariCP's bag gives a thread the connection it used before: among idle
    /// connections the caller's preference wins, else the one used last.
    @Test func anIdleConnectionTheCallerPrefersIsLeasedFirst() {
        var h = MachineHarness(Self.configuration(max: 3, minIdle: 3, concurrency: 3))
        h.establishAll()
        #expect(h.machine.metrics.idle == 3)
        // Used last (top of the stack) is leased when nothing is preferred.
        let plain = h.acquire()
        let top = h.leases[plain]!.value
        h.release(plain)
        #expect(h.leases[h.acquire()]!.value == top, "the connection used last")
        // A preferred idle connection is leased even when it is not the one used last.
        let other = (1...3).first { $0 != top.serial }!
        let preferring = h.acquire(preferring: { $0.serial == other })
        #expect(h.leases[preferring]!.value.serial == other)
        // A preference nothing idle matches falls back to the one used last.
        let fallback = h.acquire(preferring: { $0.serial == 99 })
        #expect(h.leases[fallback] != nil)
        #expect(h.machine.metrics.idle == 0)
    }

    /// `ConnectionPool.lease` first tries `acquireAtOnce`, which leases without a suspension:
    /// it serves the same idle connection `acquire` would, with the same actions.
    @Test func anIdleConnectionIsServedAtOnceAsAcquireServesIt() {
        var h = MachineHarness(Self.configuration(max: 3, minIdle: 2, concurrency: 3))
        h.establishAll()
        var viaAcquire = h
        let (waiter, atOnce) = h.lease(preferring: { $0.serial == 1 })
        #expect(atOnce)
        viaAcquire.acquire(preferring: { $0.serial == 1 })
        #expect(h.leases[waiter]!.value.serial == 1, "the preferred one, not the one used last")
        #expect(viaAcquire.leases[waiter]!.value == h.leases[waiter]!.value)
        #expect(h.last.opens == 1 && viaAcquire.last.opens == 1, "both open one more to keep minIdle idle")
        #expect(h.machine.metrics == viaAcquire.machine.metrics)
    }

    /// When the caller would wait, take a connection on offer to a waiter, or wait for a
    /// liveness check, `acquireAtOnce` declines and changes nothing: `acquire` decides.
    @Test func acquireAtOnceDeclinesAndChangesNothingWhenTheCallerCannotBeServedAtOnce() {
        var h = MachineHarness(Self.configuration(max: 1), autoClaim: false)
        h.autoValidate = nil
        let before = h.machine.metrics
        #expect(h.machine.acquireAtOnce(100, now: h.now) == nil, "nothing idle")
        #expect(h.machine.metrics == before, "no attempt started, nobody queued")

        let (holder, first) = h.lease()
        #expect(!first, "waits for the first connection")
        h.establishAll()
        h.claimNext()
        let (waiter, _) = h.lease()
        h.release(holder)
        #expect(h.last.offeredWaiters == [waiter])
        #expect(h.machine.acquireAtOnce(101, now: h.now) == nil, "on offer: a barging caller takes it through acquire")
        h.claimNext()

        h.advance(by: .seconds(1))
        h.release(waiter)
        h.advance(by: .seconds(1))
        #expect(h.machine.acquireAtOnce(102, now: h.now) == nil, "idle over 500 ms: checked first, through acquire")
        let (checked, atOnce) = h.lease()
        #expect(!atOnce && h.validated == [0] && h.leases[checked] == nil)
        h.completeValidation(alive: true)
        #expect(h.leases[checked] != nil)
        h.release(checked)

        h.step { machine, _ in machine.shutdown() }
        #expect(h.machine.acquireAtOnce(103, now: h.now) == nil, "shut down: acquire fails the caller")
    }

    /// Preference never jumps the queue: with waiters queued, a release serves the first
    /// waiter, and a new caller who prefers that connection waits behind them.
    @Test func preferenceDoesNotOvertakeWaiters() {
        var h = MachineHarness(Self.configuration(max: 1))
        let first = h.acquire()
        h.establishAll()
        let queued = h.acquire()
        let held = h.leases[first]!.value
        h.release(first)
        #expect(h.last.leasedWaiters == [queued])
        let late = h.acquire(preferring: { $0 == held })
        #expect(h.leases[late] == nil)
        h.release(queued)
        #expect(h.last.leasedWaiters == [late])
    }

    @Test func waitersAreServedFirstComeFirstServed() {
        var h = MachineHarness(Self.configuration(max: 1))
        let first = h.acquire(), second = h.acquire(), third = h.acquire()
        h.establishAll()
        #expect(h.last.leasedWaiters == [first])
        h.release(first)
        #expect(h.last.leasedWaiters == [second])
        let fourth = h.acquire()
        h.release(second)
        #expect(h.last.leasedWaiters == [third])
        h.release(third)
        #expect(h.last.leasedWaiters == [fourth])
    }

    @Test func acquireTimeoutFailsTheWaiterWithTheLastConnectError() throws {
        var h = MachineHarness(Self.configuration(max: 1, acquireTimeout: .seconds(2)))
        let waiter = h.acquire()
        h.failNext("53300")
        #expect(h.failures[waiter] == nil, "a failed attempt does not fail the waiter")
        h.advance(by: .milliseconds(1999))
        #expect(h.failures[waiter] == nil)
        h.advance(by: .milliseconds(1))
        guard case .timeout(let error)? = h.failures[waiter] else {
            Issue.record("expected a timeout, got \(String(describing: h.failures[waiter]))")
            return
        }
        #expect((error as? MockConnectError)?.sqlState == "53300")
        #expect(h.machine.metrics.acquireTimeouts == 1)
        #expect(h.machine.metrics.connectFailures == ["53300": h.machine.metrics.totalConnectFailures])
    }

    @Test func acquireTimeoutWithoutConnectErrorCarriesNone() {
        var h = MachineHarness(Self.configuration(max: 1, acquireTimeout: .seconds(1)))
        let holder = h.acquire()
        h.establishAll()
        let waiter = h.acquire()
        h.advance(by: .seconds(1))
        guard case .timeout(let error)? = h.failures[waiter] else {
            Issue.record("expected a timeout")
            return
        }
        #expect(error == nil)
        #expect(h.leases[holder] != nil)
    }

    /// HikariCP's housekeeper (every 30 s, first after 100 ms) closes idle connections above
    /// minIdle idle for longer than idleTimeout: on its run, not at the moment they qualify.
    @Test func idleConnectionsAboveMinIdleCloseOnTheHousekeepingRunAfterIdleTimeout() {
        var h = MachineHarness(Self.configuration(max: 3, minIdle: 1, idleTimeout: .seconds(10)))
        h.establishAll()
        let waiters = (0..<3).map { _ in h.acquire() }
        h.establishAll()
        #expect(h.leases.count == 3)
        for waiter in waiters { h.release(waiter) }
        #expect(h.machine.metrics.idle == 3)

        h.advance(by: .seconds(10) + .milliseconds(1))
        #expect(h.closes.isEmpty, "past idleTimeout, but the housekeeper ran at 0.1 s and runs next at 30.1 s")
        h.advance(by: .seconds(20) + .milliseconds(99))
        #expect(h.closes.map(\.reason) == [.idle, .idle], "closes down to minIdle on the run at 30.1 s")
        #expect(h.closes.map(\.connection) == [0, 1], "in creation order, as HikariCP's shared list")
        h.completeCloses()
        #expect(h.machine.metrics.idle == 1)
        #expect(h.pendingOpens.isEmpty, "minIdle still met: nothing reopened")
        h.advance(by: .seconds(60))
        #expect(h.closes.count == 2, "never below minIdle")
    }

    @Test func idleTimeoutNeverAppliesToAFixedSizePool() {
        var h = MachineHarness(Self.configuration(max: 2, minIdle: 2, idleTimeout: .seconds(1)))
        h.establishAll()
        h.advance(by: .seconds(10))
        #expect(h.closes.isEmpty)
        #expect(h.machine.metrics.idle == 2)
    }

    @Test func aFixedSizePoolStartsNoIdleTimerOnRelease() {
        var h = MachineHarness(Self.configuration(max: 2, minIdle: 2, idleTimeout: .seconds(1)))
        h.establishAll()
        let waiter = h.acquire()
        h.release(waiter)
        #expect(h.timers.isEmpty, "an idle timer could never close anything here")
    }

    @Test func maxLifetimeRetiresIdleConnectionsAndReplacesThem() {
        var h = MachineHarness(Self.configuration(max: 2, minIdle: 1, maxLifetime: .seconds(30)))
        h.establishAll()
        h.advance(by: .seconds(30))
        #expect(h.closes.map(\.reason) == [.lifetime])
        h.completeCloses()
        #expect(h.pendingOpens.count == 1, "replaced to keep minIdle")
        h.establishAll()
        #expect(h.machine.metrics.idle == 1)
    }

    @Test func maxLifetimeNeverClosesALeasedConnection() {
        var h = MachineHarness(Self.configuration(max: 1, minIdle: 1, maxLifetime: .seconds(30)))
        h.establishAll()
        let waiter = h.acquire()
        h.advance(by: .seconds(45))
        #expect(h.closes.isEmpty, "not under a caller")
        #expect(h.machine.metrics.active == 1)
        h.release(waiter)
        #expect(h.closes.map(\.reason) == [.lifetime], "closed as soon as it is released")
        h.completeCloses()
        h.establishAll()
        let next = h.acquire()
        #expect(h.leases[next]?.connection != h.leases[waiter]?.connection, "a fresh connection")
    }

    @Test func brokenConnectionIsClosedAndReplaced() {
        var h = MachineHarness(Self.configuration(max: 1, minIdle: 1))
        h.establishAll()
        let first = h.acquire()
        let second = h.acquire()
        h.release(first, broken: true)
        #expect(h.closes.map(\.reason) == [.broken])
        #expect(h.leases[second] == nil, "the broken connection is not handed on")
        h.completeCloses()
        h.establishAll()
        #expect(h.leases[second] != nil)
        #expect(h.leases[second]?.connection != h.leases[first]?.connection)
        #expect(h.machine.metrics.closed == [.broken: 1])
    }

    @Test func failedAttemptsAreRetriedWithExponentialBackoffNotInAHotLoop() {
        var h = MachineHarness(Self.configuration(max: 1, minIdle: 1))
        h.failNext()
        #expect(h.pendingOpens.isEmpty, "no immediate retry")
        h.advance(by: .milliseconds(9))
        #expect(h.pendingOpens.isEmpty)
        h.advance(by: .milliseconds(1))
        #expect(h.pendingOpens.count == 1, "retry after 10 ms")

        // Keep failing for 10 s of simulated time: 10, 20, …, 640 ms, then every 1 s.
        var attempts = 1
        let end = TestClock.Instant(offset: .seconds(10))
        while h.now < end {
            if !h.pendingOpens.isEmpty {
                h.failNext()
                attempts += 1
            }
            h.advance(by: .milliseconds(1))
        }
        // Attempts at 0, 10, 30, 70, 150, 310, 630, 1270 ms, then 2.27 s … 9.27 s.
        #expect(attempts == 16)
        #expect(h.machine.metrics.connectAttempts == 16, "nothing in flight until 10.27 s")
        #expect(h.machine.metrics.connectFailures == ["53300": 16])
        h.advance(by: .milliseconds(270))
        #expect(h.pendingOpens.count == 1)
        h.establishAll()
        let waiter = h.acquire()
        #expect(h.leases[waiter] != nil)
    }

    @Test func backoffResetsAfterASuccess() {
        var h = MachineHarness(Self.configuration(max: 2, minIdle: 2))
        h.failNext()
        h.advance(by: .milliseconds(10))
        h.failNext()
        h.advance(by: .milliseconds(20))
        h.establishNext()
        #expect(h.pendingOpens.count == 1, "after a success the next opens at once")
        h.failNext()
        h.advance(by: .milliseconds(10))
        #expect(h.pendingOpens.count == 1, "back to the initial 10 ms")
    }

    @Test func metricsCountWhatHappened() {
        var h = MachineHarness(Self.configuration(max: 2, acquireTimeout: .seconds(1), maxLifetime: .seconds(100)))
        let a = h.acquire()
        h.failNext("53300")
        h.advance(by: .milliseconds(10))
        h.failNext("28P01")
        h.advance(by: .milliseconds(20))
        h.establishNext()
        let b = h.acquire()
        h.advance(by: .milliseconds(5))
        h.establishNext()
        let c = h.acquire()
        h.advance(by: .seconds(1))
        h.release(a, broken: true)
        h.release(b)

        let m = h.machine.metrics
        #expect(m.connectAttempts == 4)
        #expect(m.connectFailures == ["53300": 1, "28P01": 1])
        #expect(m.acquires == 2)
        #expect(m.acquireTimeouts == 1)
        #expect(h.failures[c] != nil)
        #expect(m.closed == [.broken: 1])
        #expect(m.acquireWait.count == 2)
        #expect(m.acquireWait.maxMicroseconds == 30_000, "a waited 30 ms")
        #expect(m.total == 1 && m.idle == 1 && m.active == 0 && m.closing == 1 && m.pendingWaiters == 0)
    }

    @Test func shutdownFailsWaitersAndClosesEverythingOnceReleased() {
        var h = MachineHarness(Self.configuration(max: 3, minIdle: 1, maxLifetime: .seconds(60)))
        h.establishAll()
        let holder = h.acquire()
        h.establishAll()
        let second = h.acquire()
        let waiting = h.acquire()
        #expect(h.pendingOpens.count == 1)
        h.step { machine, _ in machine.shutdown() }
        if case .shutDown? = h.failures[waiting] {} else { Issue.record("waiter not failed with shutDown") }
        #expect(h.timers.isEmpty, "every timer cancelled")
        #expect(!h.shutdownCompleted)

        h.establishAll()
        #expect(h.closes.map(\.reason) == [.shutdown], "a connection opened during shutdown is closed")
        let late = h.acquire()
        if case .shutDown? = h.failures[late] {} else { Issue.record("acquire after shutdown must fail") }
        h.release(holder)
        h.release(second)
        #expect(h.closes.map(\.reason) == [.shutdown, .shutdown, .shutdown])
        #expect(!h.shutdownCompleted, "closes still in flight")
        h.completeCloses()
        #expect(h.shutdownCompleted)
        #expect(h.machine.slots.isEmpty)
    }

    @Test func cancelledWaiterIsFailedOnceAndSkipped() {
        var h = MachineHarness(Self.configuration(max: 1))
        let holder = h.acquire()
        h.establishAll()
        let cancelled = h.acquire()
        let next = h.acquire()
        h.cancel(cancelled)
        h.cancel(cancelled)
        if case .cancelled? = h.failures[cancelled] {} else { Issue.record("not cancelled") }
        h.release(holder)
        #expect(h.last.leasedWaiters == [next])
    }

    @Test func secondReleaseOfALeaseIsIgnored() {
        var h = MachineHarness(Self.configuration(max: 1))
        let first = h.acquire()
        h.establishAll()
        let second = h.acquire()
        h.release(first)
        #expect(h.leases[second] != nil)
        let connection = h.leases[first]!.connection
        let actions = h.step { $0.release(connection, leasedTo: first, broken: true, now: $1) }
        #expect(actions.isEmpty, "a stale release must not touch the second lease")
        #expect(h.machine.metrics.active == 1)
    }
}
