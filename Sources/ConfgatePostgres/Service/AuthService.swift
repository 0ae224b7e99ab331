import ConfgateCore
import ConfgatePool
import Crypto
import Glibc
import Synchronization

/// One instance of the test auth service (design §6): its own connection pool, built
/// from one side's `[pool]` and `[database]` settings, and the login transaction; and a
/// pool for each `[pool.NAME]`, held beside it.
public final class AuthService: Sendable {
    public typealias ServicePool = ConnectionPool<PGConnectionFactory, PoolClock>

    /// `auth-service-3`: also the `application_name` of its connections.
    public let name: String
    /// The main `[pool]`: every login uses it.
    public let pool: ServicePool
    /// The `[pool.NAME]` pools, in file order: they open and hold their connections (their
    /// `min_idle`, retired at `max_lifetime`) against the same server, as a second datasource
    /// or a read-replica pool does; no login uses them.
    public let namedPools: [NamedServicePool]
    /// What HikariCP would change in the `[pool]` settings, and why (the pool runs with the
    /// changed values only when created with `hikariClamps: true`).
    public let clampNotes: [ClampNote]
    /// Extra server time per login, in seconds, as `pg_sleep` takes it; `nil` for none.
    let dbTimeSeconds: String?
    /// Calibration only: how long each login holds its connection on top, slept here to the
    /// microsecond (`GateSettings.Load.calibrationHold`); `nil` for none.
    let hold: Duration?
    private let inFlight = Mutex<(count: Int, drained: [CheckedContinuation<Void, Never>])>((0, []))
    /// Each started pool's background work, by its position in `allPools`.
    private let runTasks: Mutex<[Int: Task<Void, Never>]> = Mutex([:])

    /// `hikariClamps`: run the values HikariCP would use (`PoolConfiguration.hikariEffective`)
    /// instead of the ones written down; off by default for now (docs/pool.md: it changes
    /// fleet tests that use a 100 ms acquire timeout or a 1 s lifetime on purpose).
    public init(
        name: String, settings: Settings, parameters: [String: String], dbTime: SettingDuration,
        hold: SettingDuration? = nil, hikariClamps: Bool = false
    ) {
        self.name = name
        let (main, notes) = Self.makePool(settings.pool, name: name, parameters: parameters, hikariClamps: hikariClamps)
        pool = main
        clampNotes = notes
        namedPools = settings.namedPools.map { named in
            let pool = Self.makePool(named.pool, name: "\(name)/\(named.name)", parameters: parameters, hikariClamps: hikariClamps).pool
            return NamedServicePool(name: named.name, pool: pool)
        }
        dbTimeSeconds = dbTime.microseconds > 0 ? String(Double(dbTime.microseconds) / 1e6) : nil
        self.hold = hold.flatMap { $0.microseconds > 0 ? .microseconds($0.microseconds) : nil }
    }

    /// A pool built from one pool section, its connections named `applicationName`.
    private static func makePool(
        _ p: Settings.Pool, name applicationName: String, parameters: [String: String], hikariClamps: Bool
    ) -> (pool: ServicePool, notes: [ClampNote]) {
        var parameters = parameters
        parameters["application_name"] = applicationName
        // What HikariCP would change (validateNumerics), always noted; run only when asked.
        let (effective, notes) = PoolConfiguration.hikariEffective(
            maxSize: p.maxSize, minIdle: p.minIdle, connectionTimeout: p.acquireTimeout.duration,
            idleTimeout: p.idleTimeout.duration, maxLifetime: p.maxLifetime.duration)
        var configuration = hikariClamps ? effective : PoolConfiguration(
            maxSize: p.maxSize, minIdle: p.effectiveMinIdle, acquireTimeout: p.acquireTimeout.duration,
            idleTimeout: p.idleTimeout.duration, maxLifetime: p.maxLifetime.duration)
        // HikariCP's initializationFailTimeout: 1 ms (fail the start) or -1 (start lazily).
        configuration.startMode = p.effectiveStartFailure == .crash ? .hikariDefault : .lazy
        let pool = ServicePool(
            configuration: configuration, factory: PGConnectionFactory(parameters: parameters), clock: PoolClock())
        return (pool, notes)
    }

    /// Every pool of this service, the main one first: `name` is the pool's in its
    /// `application_name` (`auth-service-3`, `auth-service-3/replica`).
    public var allPools: [(name: String, pool: ServicePool)] {
        [(name, pool)] + namedPools.map { ("\(name)/\($0.name)", $0.pool) }
    }

    /// Starts the main pool's background work; its `min_idle` connections begin to open.
    /// `warm()` starts the named pools, one after another.
    public func start() { startPool(0) }

    /// Starts the background work of the pool at `index` in `allPools`, once.
    private func startPool(_ index: Int) {
        let pool = allPools[index].pool
        runTasks.withLock { tasks in
            if tasks[index] == nil { tasks[index] = Task { await pool.run() } }
        }
    }

    /// Warms the pools one after another, as a Spring context creates its datasources: the
    /// main pool until it holds `min_idle` connections or an attempt to open one failed (a
    /// full server: it keeps retrying in the background, as a real one does), then each named
    /// pool the same way. A fail-fast pool whose first connection is refused fails the
    /// instance's start, and the pools after it are never created.
    /// - Returns: `nil` when the instance is up; else why a pool's first connection failed
    ///   (the SQLSTATE or a pooler's reason): the instance takes no traffic.
    @discardableResult
    public func warm() async -> String? {
        for (index, (_, pool)) in allPools.enumerated() {
            startPool(index)
            if let reason = await Self.warm(pool) { return reason }
        }
        return nil
    }

    private static func warm(_ pool: ServicePool) async -> String? {
        let minIdle = pool.configuration.minIdle
        await pool.waitUntil { !$0.starting && ($0.startFailed || $0.total >= minIdle || $0.totalConnectFailures > 0) }
        let metrics = pool.metrics()
        guard metrics.startFailed else { return nil }
        return metrics.connectFailures.max { $0.value < $1.value }?.key ?? "no-sqlstate"
    }

    /// Logs `user` in with the right or a wrong password: one pooled connection from
    /// acquire to release, the transaction of design §6.
    nonisolated(nonsending) public func login(user: Int, badPassword: Bool) async -> Outcome {
        inFlight.withLock { $0.count += 1 }
        defer { finishOne() }
        let lease: ServicePool.Lease
        do {
            // A connection served by the loop this login runs on, when one is idle: its
            // statements then resume right here, with no hand-off between loops.
            let here = EventLoop.current
            lease = try await pool.lease(preferring: { here != nil && $0.loop === here })
        } catch let error as PoolError {
            if let connectError = error.lastConnectError as? PGError {
                let refusal = PoolerRefusal.recognise(connectError.message)
                return Outcome(refusal?.outcome ?? .connectFailed, sqlState: connectError.sqlState)
            }
            return Outcome(.poolTimeout)
        } catch {
            return Outcome(.poolTimeout)
        }
        let password = badPassword ? "wrong-\(user)" : AuthSchema.expectedPassword(forUser: user)
        let email = AuthSchema.email(forUser: user), dbTimeSeconds = dbTimeSeconds
        let connection = lease.connection
        do {
            // Away from the connection's loop (another loop, or none), the transaction runs
            // there: one move instead of a hand-off after every statement.
            let ok = connection.loop.inLoop
                ? try await Self.transaction(on: connection, email: email, password: password, dbTimeSeconds: dbTimeSeconds)
                : try await connection.loop.run { () async throws(PGError) -> Bool in
                    try await Self.transaction(on: connection, email: email, password: password, dbTimeSeconds: dbTimeSeconds)
                }
            if let hold {
                // Calibration: the connection stays leased, as through more server time.
                try? await Task.sleep(for: hold, tolerance: .zero)
            }
            lease.release()
            return ok ? .ok : .badPassword
        } catch {
            // A pooler that gave up on the wait (query_wait_timeout) closes the client: broken too.
            let refusal = PoolerRefusal.recognise(error.message)
            lease.release(broken: error.kind == .connectionLost || error.kind == .closed || refusal != nil)
            return Outcome(refusal?.outcome ?? .queryFailed, sqlState: error.sqlState)
        }
    }

    /// The login transaction on `connection`; true when the password matched.
    nonisolated(nonsending) private static func transaction(
        on connection: PGConnection, email: String, password: String, dbTimeSeconds: String?
    ) async throws(PGError) -> Bool {
        try await connection.transaction { conn throws(PGError) in
            try await Self.transaction(conn, email: email, password: password, dbTimeSeconds: dbTimeSeconds)
        }
    }

    /// The body of the login transaction; true when the password matched. The digests are
    /// compared and sent from their own bytes (`withUnsafeBytes`): iterating a swift-crypto
    /// digest copies it into a new array first.
    nonisolated(nonsending) private static func transaction(
        _ conn: PGConnection, email: String, password: String, dbTimeSeconds: String?
    ) async throws(PGError) -> Bool {
        let user = try await conn.queryFirstRow(
            "SELECT id, salt, password_hash, failed_attempts FROM users WHERE email = $1", [email]
        ) { row in (id: row.text(0), salt: row.bytea(1), hash: row.bytea(2)) }
        guard let user, let id = user.id, let salt = user.salt, let hash = user.hash else {
            throw PGError(.query, sqlState: nil, message: "no seeded user \(email)")
        }
        let computed = SHA256.hash(data: AuthSchema.passwordHashInput(salt: salt, password: password))
        let matched = computed.withUnsafeBytes { $0.elementsEqual(hash) }
        if matched {
            var nonce = "\(id)-\(TokenNonces.shared.next())"
            let token = nonce.withUTF8 { SHA256.hash(data: UnsafeRawBufferPointer($0)) }
            _ = try await conn.query(
                "INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, now(), now() + interval '1 hour')",
                [id, token.withUnsafeBytes { PGBytea.encode($0) }])
            _ = try await conn.query("UPDATE users SET last_login_at = now(), failed_attempts = 0 WHERE id = $1", [id])
        } else {
            _ = try await conn.query("UPDATE users SET failed_attempts = failed_attempts + 1 WHERE id = $1", [id])
        }
        if let dbTimeSeconds {
            _ = try await conn.query("SELECT pg_sleep($1)", [dbTimeSeconds])
        }
        return matched
    }

    private func finishOne() {
        let waiters = inFlight.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.count -= 1
            guard state.count == 0 else { return [] }
            defer { state.drained = [] }
            return state.drained
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Waits for in-flight logins to finish (the router must have stopped sending here),
    /// then closes the pool.
    public func drainAndStop() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = inFlight.withLock { state -> Bool in
                if state.count == 0 { return true }
                state.drained.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
        await stop()
    }

    /// Closes the started pools (failing any waiter) and ends their background work.
    public func stop() async {
        let tasks = runTasks.withLock { $0 }
        for (index, task) in tasks.sorted(by: { $0.key < $1.key }) {
            await allPools[index].pool.shutdown()
            await task.value
        }
    }

    /// The pools now, for the timeline: the main one as `auth-service-3`, a named one as
    /// `auth-service-3/replica`.
    public func samples() -> [PoolSample] {
        allPools.map { name, pool in
            let m = pool.metrics()
            return PoolSample(instance: name, active: m.active, idle: m.idle, pending: m.pendingWaiters, total: m.total)
        }
    }
}

/// The random part of session tokens: the kernel's CSPRNG, as `UInt64.random` reads it, but
/// 512 values per read of `/dev/urandom` instead of one `getrandom(2)` system call per login
/// (about 1 % of a login's CPU in bench-login). Falls back to `UInt64.random` if the device
/// cannot be read.
final class TokenNonces: Sendable {
    static let shared = TokenNonces()
    private static let batch = 512
    private let device = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    private let state = Mutex<(values: [UInt64], next: Int)>(([], 0))

    func next() -> UInt64 {
        state.withLock { s -> UInt64 in
            if s.next == s.values.count {
                s.values = Array(repeating: 0, count: Self.batch)
                s.next = 0
                let wanted = Self.batch * MemoryLayout<UInt64>.size
                let got = s.values.withUnsafeMutableBytes { device >= 0 ? read(device, $0.baseAddress, wanted) : -1 }
                if got != wanted {
                    for i in s.values.indices { s.values[i] = UInt64.random(in: 0...UInt64.max) }
                }
            }
            defer { s.next += 1 }
            return s.values[s.next]
        }
    }
}

/// One `[pool.NAME]` pool of a service.
public struct NamedServicePool: Sendable {
    /// `replica` for `[pool.replica]`.
    public let name: String
    public let pool: AuthService.ServicePool
}
