@testable import ConfgatePool
import Testing

/// The HikariCP semantics that decide verdicts (issue #18), one test each, on the pure
/// state machine and the mock clock.
@Suite struct PoolHikariSemanticsTests {
    static func configuration(
        max: Int, minIdle: Int = 0, acquireTimeout: Duration = .seconds(2), idleTimeout: Duration = .zero,
        maxLifetime: Duration = .zero, order: PoolConfiguration.WaiterOrder = .barging,
        start: PoolConfiguration.StartMode = .lazy
    ) -> PoolConfiguration {
        PoolConfiguration(
            maxSize: max, minIdle: minIdle, acquireTimeout: acquireTimeout, idleTimeout: idleTimeout,
            maxLifetime: maxLifetime, waiterOrder: order, startMode: start)
    }

    // MARK: Back-off (HikariPool.PoolEntryCreator)

    @Test func failedAttemptsBackOff10MillisecondsDoublingUpTo5Seconds() {
        var h = MachineHarness(Self.configuration(max: 1, minIdle: 1))
        var gaps: [Duration] = []
        var lastAttempt = h.now
        for _ in 0..<12 {
            h.failNext()
            var waited = Duration.zero
            while h.pendingOpens.isEmpty {
                h.advance(by: .milliseconds(1))
                waited += .milliseconds(1)
            }
            gaps.append(lastAttempt.duration(to: h.now))
            lastAttempt = h.now
            #expect(waited == gaps.last)
        }
        #expect(gaps == [10, 20, 40, 80, 160, 320, 640, 1280, 2560, 5000, 5000, 5000].map { Duration.milliseconds($0) })
    }

    // MARK: Lifetime variance (HikariPool.createPoolEntry)

    @Test func maxLifetimeIsShortenedByUpTo2Point5PercentFromTheSeededSource() {
        func lifetimes(seed: UInt64) -> [Duration] {
            var h = MachineHarness(Self.configuration(max: 4, minIdle: 4, maxLifetime: .seconds(1800)), seed: seed)
            h.establishAll()
            return h.timers.values.sorted { $0.id < $1.id }.compactMap {
                if case .maxLifetime = $0.kind { $0.deadline.offset } else { nil }
            }
        }
        let first = lifetimes(seed: 7)
        #expect(first.count == 4)
        #expect(first.allSatisfy { $0 <= .seconds(1800) && $0 > .seconds(1800) - .seconds(45) }, "within maxLifetime / 40")
        #expect(Set(first).count == 4, "connections opened together retire apart")
        #expect(first == lifetimes(seed: 7), "the same seed, the same lifetimes")
        #expect(first != lifetimes(seed: 8))
    }

    @Test func noVarianceAtOrBelow10Seconds() {
        var h = MachineHarness(Self.configuration(max: 2, minIdle: 2, maxLifetime: .seconds(10)), seed: 3)
        h.establishAll()
        #expect(h.timers.values.allSatisfy { $0.deadline.offset == .seconds(10) })
    }

    // MARK: Housekeeping (HikariPool.HouseKeeper)

    @Test func idleRetirementWaitsForTheHousekeepingRun() {
        var configuration = Self.configuration(max: 2, idleTimeout: .seconds(10))
        configuration.housekeepingPeriod = .seconds(5)
        var h = MachineHarness(configuration)
        let waiter = h.acquire()
        h.establishAll()
        h.release(waiter)
        h.advance(by: .seconds(10) + .milliseconds(50))
        #expect(h.closes.isEmpty, "idle past idleTimeout since 10 s, but the housekeeper runs at 0.1, 5.1, 10.1 s")
        h.advance(by: .milliseconds(50))
        #expect(h.closes.map(\.reason) == [.idle], "closed on the run at 10.1 s")
    }

    @Test func aFixedSizePoolHasNoHousekeepingTimer() {
        let h = MachineHarness(Self.configuration(max: 2, minIdle: 2, idleTimeout: .seconds(10)))
        #expect(h.timers.isEmpty)
    }

    // MARK: Liveness check on borrow (HikariPool.getConnection, aliveBypassWindowMs)

    @Test func aConnectionIdleOver500MillisecondsIsValidatedBeforeTheLease() {
        var h = MachineHarness(Self.configuration(max: 1, minIdle: 1))
        h.autoValidate = nil
        h.establishAll()
        h.advance(by: .milliseconds(500))
        let fresh = h.acquire()
        #expect(h.leases[fresh] != nil && h.validated.isEmpty, "idle exactly 500 ms: no check")
        h.release(fresh)
        h.advance(by: .milliseconds(501))
        let waiter = h.acquire()
        #expect(h.validated == [0], "one round trip first")
        #expect(h.leases[waiter] == nil)
        #expect(h.machine.metrics.active == 1, "counted active while validated, as HikariCP's borrowed entry")
        h.completeValidation(alive: true)
        #expect(h.leases[waiter]?.connection == 0)
    }

    @Test func aDeadConnectionIsClosedAndTheCallerBorrowsAgain() {
        var h = MachineHarness(Self.configuration(max: 2, minIdle: 1))
        h.autoValidate = nil
        h.establishAll()
        h.advance(by: .seconds(1))
        let waiter = h.acquire()
        #expect(h.validated == [0])
        h.completeValidation(alive: false)
        #expect(h.closes.map(\.reason) == [.dead])
        #expect(h.leases[waiter] == nil && h.failures[waiter] == nil, "the caller waits for another connection")
        #expect(h.machine.pendingWaiters == 1)
        h.establishAll()
        #expect(h.leases[waiter] != nil, "served by a new connection, without a check")
        #expect(h.validated == [0])
    }

    @Test func aDeadConnectionPastTheCallersDeadlineFailsItWithATimeout() {
        var h = MachineHarness(Self.configuration(max: 1, minIdle: 1, acquireTimeout: .seconds(1)))
        h.autoValidate = nil
        h.establishAll()
        h.advance(by: .seconds(1))
        let waiter = h.acquire()
        h.advance(by: .seconds(2))
        #expect(h.failures[waiter] == nil, "no timeout while the check runs")
        h.completeValidation(alive: false)
        guard case .timeout? = h.failures[waiter] else {
            Issue.record("expected a timeout")
            return
        }
    }

    @Test func aReturnedConnectionHandedStraightToAWaiterIsNotValidated() {
        var h = MachineHarness(Self.configuration(max: 1))
        let holder = h.acquire()
        h.establishAll()
        let waiter = h.acquire()
        h.advance(by: .milliseconds(1500))
        h.release(holder)
        #expect(h.leases[waiter] != nil)
        #expect(h.validated.isEmpty, "lastAccessed is the release, just now")
    }

    // MARK: Login timeout (PoolBase.setLoginTimeout)

    @Test func eachConnectAttemptCarriesTheLoginTimeout() {
        var h = MachineHarness(Self.configuration(max: 2, minIdle: 2, acquireTimeout: .milliseconds(1500)))
        h.establishAll()
        #expect(h.loginTimeouts == [.seconds(2), .seconds(2)], "(1.5 s + 0.5 s) in whole seconds")
    }

    // MARK: Waiter order (ConcurrentBag borrow/requite)

    @Test func aNewCallerTakesAReturnedConnectionBeforeTheWokenWaiterRuns() {
        var h = MachineHarness(Self.configuration(max: 1), autoClaim: false)
        let holder = h.acquire()
        h.establishAll()
        h.claimNext()
        #expect(h.leases[holder] != nil)
        let waiter = h.acquire()
        h.release(holder)
        #expect(h.last.offeredWaiters == [waiter], "woken, not served yet")
        #expect(h.machine.metrics.idle == 1 && h.machine.metrics.handingOff == 1)
        let barger = h.acquire()
        #expect(h.leases[barger] != nil, "arrived before the waiter ran: takes the connection")
        h.claimNext()
        #expect(h.leases[waiter] == nil, "lost the race: waits again, at the end of the queue")
        let late = h.acquire()
        h.release(barger)
        #expect(h.last.offeredWaiters == [waiter], "still ahead of those who came after")
        h.claimNext()
        #expect(h.leases[waiter] != nil)
        #expect(h.leases[late] == nil)
    }

    @Test func anOvertakenWaiterTimesOutAtItsOriginalDeadline() {
        var h = MachineHarness(Self.configuration(max: 1, acquireTimeout: .seconds(1)), autoClaim: false)
        var holder = h.acquire()
        h.establishAll()
        h.claimNext()
        let waiter = h.acquire()
        // Every 300 ms the holder returns the connection and a new caller takes it first.
        for _ in 0..<3 {
            h.advance(by: .milliseconds(300))
            h.release(holder)
            holder = h.acquire()
            h.claimNext()
        }
        #expect(h.failures[waiter] == nil)
        h.advance(by: .milliseconds(100))
        guard case .timeout? = h.failures[waiter] else {
            Issue.record("expected the waiter to time out after 1 s, got \(String(describing: h.failures[waiter]))")
            return
        }
        #expect(h.machine.metrics.acquireTimeouts == 1)
        #expect(h.machine.metrics.acquires == 4, "the holder and three callers who came later")
    }

    @Test func fifoOrderNeverLetsANewCallerPassAWaiter() {
        var h = MachineHarness(Self.configuration(max: 1, order: .fifo), autoClaim: false)
        let holder = h.acquire()
        h.establishAll()
        let waiter = h.acquire()
        h.release(holder)
        #expect(h.leases[waiter] != nil, "handed over directly")
        #expect(h.pendingOffers.isEmpty)
        let late = h.acquire()
        #expect(h.leases[late] == nil)
    }

    @Test func aWaiterCancelledWhileOfferedPassesTheOfferOnAndHearsAtItsClaim() {
        var h = MachineHarness(Self.configuration(max: 1), autoClaim: false)
        let holder = h.acquire()
        h.establishAll()
        h.claimNext()
        let first = h.acquire(), second = h.acquire()
        h.release(holder)
        h.cancel(first)
        #expect(h.last.offeredWaiters == [second], "the offer passes on")
        #expect(h.failures[first] == nil, "told when it runs")
        h.claimNext()
        if case .cancelled? = h.failures[first] {} else { Issue.record("first not cancelled") }
        h.claimNext()
        #expect(h.leases[second] != nil)
    }

    // MARK: Start (HikariPool.checkFailFast, initializationFailTimeout)

    @Test func failFastStartTriesOneConnectionFirst() {
        var h = MachineHarness(Self.configuration(max: 5, minIdle: 3, start: .hikariDefault))
        #expect(h.pendingOpens.count == 1 && h.machine.phase == .starting)
        #expect(h.machine.metrics.starting)
        h.establishNext()
        #expect(h.machine.phase == .running)
        #expect(!h.machine.metrics.starting && !h.machine.metrics.startFailed)
        #expect(h.machine.metrics.idle == 1, "the check connection joins the pool")
        #expect(h.pendingOpens.count == 1, "then fills minIdle in the background")
    }

    @Test func failFastStartFailsOneSecondAfterARefusedAttempt() {
        var h = MachineHarness(Self.configuration(max: 5, minIdle: 3, start: .hikariDefault))
        h.failNext("53300")
        #expect(!h.startFailed && h.pendingOpens.isEmpty, "HikariCP sleeps 1 s before deciding")
        #expect(h.machine.metrics.starting && !h.machine.metrics.startFailed)
        h.advance(by: .seconds(1))
        #expect(h.startFailed)
        #expect(h.machine.metrics.startFailed && !h.machine.metrics.starting, "the metrics say the pool did not start")
        #expect(h.shutdownCompleted)
        #expect(h.machine.metrics.connectAttempts == 1)
    }

    @Test func failFastWithZeroTimeoutStartsAnyway() {
        var h = MachineHarness(Self.configuration(max: 5, minIdle: 1, start: .failFast(timeout: .zero)))
        h.failNext()
        h.advance(by: .seconds(1))
        #expect(!h.startFailed && h.machine.phase == .running)
        #expect(h.pendingOpens.count == 1, "fills minIdle as a lazy pool would")
    }

    @Test func failFastWithMinIdleZeroClosesTheCheckConnection() {
        var h = MachineHarness(Self.configuration(max: 5, minIdle: 0, start: .hikariDefault))
        h.establishNext()
        #expect(h.closes.map(\.reason) == [.startCheck])
    }

    @Test func lazyStartOpensInTheBackgroundAndNeverFails() {
        var h = MachineHarness(Self.configuration(max: 5, minIdle: 1))
        h.failNext()
        h.advance(by: .seconds(5))
        #expect(!h.startFailed && h.machine.phase == .running)
    }
}
