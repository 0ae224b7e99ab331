import ConfgateCore
import Testing
@testable import ConfgatePostgres

/// The login transaction (design §6) as `AuthService` runs it on the connection's event
/// loop: what it writes, and that a failed statement rolls everything back.
@Suite("Auth service: the login transaction")
struct AuthServiceLoginTests {
    private func service(_ scratch: ScratchServer, statementTimeout: SettingDuration? = nil, dbTime: SettingDuration = .init(microseconds: 0),
                         hold: SettingDuration? = nil, acquireTimeout: SettingDuration = .seconds(5)) -> AuthService {
        var settings = Settings()
        settings.pool = .init(maxSize: 1, acquireTimeout: acquireTimeout)
        settings.database.statementTimeout = statementTimeout
        let parameters = connectionParameters(dsn: nil, target: scratch.serviceTarget, database: settings.database)
        return AuthService(name: "login-test", settings: settings, parameters: parameters, dbTime: dbTime, hold: hold)
    }

    /// The calibration hold (`verify --calibration-proposed-hold`) keeps the connection leased
    /// after the login committed, as more server time would: with a pool of one, a second
    /// login cannot get it and times out, and the first one still ends `ok`.
    @Test func theCalibrationHoldKeepsTheConnectionLeasedAfterTheCommit() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { scratch in
            let auth = service(scratch, hold: .seconds(3), acquireTimeout: .milliseconds(250))
            auth.start()
            await auth.warm()
            let check = try await PGConnection.connect(parameters: scratch.superuserTarget.parameters)
            let first = Task { await auth.login(user: 11, badPassword: false) }
            // The first login's session is committed before its hold begins.
            while try await counts(check, user: 11).sessions != "1" { await Task.yield() }
            #expect(await auth.login(user: 12, badPassword: false) == Outcome(.poolTimeout))
            #expect(await first.value == .ok)
            #expect(try await counts(check, user: 12).sessions == "0")
            await check.close()
            await auth.stop()
        }
    }

    private func counts(_ conn: PGConnection, user: Int) async throws -> (sessions: String?, failed: String?, loggedIn: String?) {
        let sessions = try await conn.query("SELECT count(*) FROM sessions WHERE user_id = $1", [String(user)]).scalar
        let row = try await conn.query("SELECT failed_attempts, last_login_at IS NOT NULL FROM users WHERE id = $1", [String(user)]).rows.first
        return (sessions, row?[0] ?? nil, row?[1] ?? nil)
    }

    @Test func rightPasswordWritesASessionAndWrongPasswordCountsAFailure() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { scratch in
            let auth = service(scratch)
            auth.start()
            let check = try await PGConnection.connect(parameters: scratch.superuserTarget.parameters)
            #expect(await auth.login(user: 7, badPassword: true) == .badPassword)
            #expect(try await counts(check, user: 7) == ("0", "1", "f"))
            #expect(await auth.login(user: 7, badPassword: false) == .ok)
            #expect(try await counts(check, user: 7) == ("1", "0", "t"))
            await check.close()
            await auth.stop()
        }
    }

    /// A caller off the loops (a test, a tool) gets its outcome back off the loops: the
    /// transaction ran on the connection's loop, the caller's code after it does not.
    @Test func aLoginLeavesItsCallerWhereItRan() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { scratch in
            let auth = service(scratch)
            auth.start()
            await auth.warm()
            #expect(await auth.login(user: 3, badPassword: false) == .ok)
            #expect(EventLoop.current == nil)
            let loop = EventLoop.all.last!
            let onLoop = await Task(executorPreference: loop) { () -> (Outcome, Bool) in
                let outcome = await auth.login(user: 4, badPassword: false)
                return (outcome, loop.inLoop)
            }.value
            #expect(onLoop == (.ok, true))
            await auth.stop()
        }
    }

    @Test func statementTimeoutIsQueryFailed57014AndRollsTheLoginBack() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { scratch in
            let auth = service(scratch, statementTimeout: .milliseconds(100), dbTime: .milliseconds(400))
            auth.start()
            let check = try await PGConnection.connect(parameters: scratch.superuserTarget.parameters)
            #expect(await auth.login(user: 9, badPassword: false) == Outcome(.queryFailed, sqlState: "57014"))
            // The INSERT and UPDATE before pg_sleep were rolled back.
            #expect(try await counts(check, user: 9) == ("0", "0", "f"))
            // The connection went back to the pool usable: the next login runs on it again.
            #expect(await auth.login(user: 9, badPassword: false) == Outcome(.queryFailed, sqlState: "57014"))
            let m = auth.pool.metrics()
            #expect(m.total == 1)
            #expect(m.connectAttempts == 1)
            #expect(m.closed.values.reduce(0, +) == 0)
            await check.close()
            await auth.stop()
        }
    }

    /// Session tokens take their random part from batches read from the kernel: every value
    /// is new, across the end of a batch too.
    @Test func tokenNoncesAreNewAcrossBatches() {
        let nonces = TokenNonces()
        let drawn = (0..<1_100).map { _ in nonces.next() }
        #expect(Set(drawn).count == drawn.count)
    }
}
