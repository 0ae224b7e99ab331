import CLibPQ
import Foundation

/// One libpq connection to PostgreSQL.
///
/// **Threading.** Every libpq call of a connection runs on that connection's own OS thread
/// (`ConnectionThread`), never on Swift's cooperative thread pool: the pool has only as many
/// threads as cores, and libpq's blocking calls (a login can take milliseconds, a query
/// seconds) would stall every other task. A dedicated thread per connection was chosen over
/// libpq's non-blocking API driven by one poll loop because it keeps each call a plain
/// blocking libpq call (easy to read and to get right), costs one parked thread per
/// connection (a fleet holds at most a few hundred), and needs no shared event loop whose
/// bugs would stall every connection. The `async` methods suspend the caller until their job
/// has run on the connection's thread. Calls on one connection run one at a time, in order.
/// A hot transaction can run whole on the thread (`transactionOnThread(_:)`): one hop to the
/// thread and back per transaction instead of one per statement.
///
/// **Connecting.** `connect(parameters:)` uses `PQconnectStartParams` with
/// `PQERRORS_VERBOSE` set before polling, so that a connection the server refuses
/// (`FATAL:  53300: sorry, too many clients already`) keeps its SQLSTATE; libpq's own
/// `connect_timeout` only applies to its blocking connect, so this poll loop enforces it.
///
/// **Errors.** Every failure is a `PGError` carrying the SQLSTATE (`PG_DIAG_SQLSTATE` for
/// statements); its text never contains the connection's password.
public final class PGConnection: @unchecked Sendable {
    // `handle` is only touched on `thread` (and in deinit, when no job can be pending).
    private var handle: OpaquePointer?
    private let thread: ConnectionThread
    private let password: String?
    /// libpq's cancel object (`PQgetCancel`): usable from any thread while the connection
    /// thread is busy in a query.
    private let cancelHandle: UnsafeHandle?
    /// The server process serving this connection (`pg_backend_pid()`).
    public let backendPID: Int32

    private init(handle: OpaquePointer, thread: ConnectionThread, password: String?) {
        self.handle = handle
        self.thread = thread
        self.password = password
        self.backendPID = PQbackendPID(handle)
        self.cancelHandle = PQgetCancel(handle).map(UnsafeHandle.init(raw:))
    }

    deinit {
        if let cancelHandle { PQfreeCancel(cancelHandle.raw) }
        if let handle { PQfinish(handle) }
        thread.shutdown()
    }

    /// Connects with libpq keyword/value `parameters` (e.g. `host`, `port`, `dbname`,
    /// `user`, `connect_timeout`, `application_name`, `options`). A non-numeric or absent
    /// `connect_timeout` means wait as long as libpq does (forever).
    public static func connect(parameters: [String: String]) async throws(PGError) -> PGConnection {
        let thread = ConnectionThread(name: "confgate-pg")
        let password = parameters["password"]
        let outcome = await thread.run { () -> Result<UnsafeHandle, PGError> in
            Self.connectBlocking(parameters, password: password)
        }
        switch outcome {
        case .success(let h)?:
            return PGConnection(handle: h.raw, thread: thread, password: password)
        case .failure(let error)?:
            thread.shutdown()
            throw error
        case nil:
            throw PGError(.connect, sqlState: nil, message: "connection thread stopped")
        }
    }

    /// Runs one statement with `$1...` parameters in text format (`nil` is SQL NULL).
    public func query(_ sql: String, _ params: [String?] = []) async throws(PGError) -> PGResult {
        let outcome = await thread.run { [self] in queryBlocking(sql, params) }
        guard let outcome else { throw closedError }
        return try outcome.get()
    }

    /// Runs `sql` with the simple query protocol; it may hold several statements (no parameters).
    public func execute(_ sql: String) async throws(PGError) {
        let outcome = await thread.run { [self] in executeBlocking(sql) }
        guard let outcome else { throw closedError }
        try outcome.get()
    }

    /// Runs `body` inside `BEGIN` … `COMMIT`; rolls back when it throws, and rethrows.
    public func transaction<T>(
        _ body: (PGConnection) async throws(PGError) -> T
    ) async throws(PGError) -> T {
        try await execute("BEGIN")
        do throws(PGError) {
            let value = try await body(self)
            try await execute("COMMIT")
            return value
        } catch {
            if error.kind != .connectionLost { try? await execute("ROLLBACK") }
            throw error
        }
    }

    /// Runs `body` on the connection's own thread, where `PGSession`'s calls are plain
    /// synchronous libpq calls: several statements (a whole login transaction) cost one
    /// hop between the caller's task and the connection thread instead of one per statement.
    /// `body` must not wait for other tasks; CPU work (e.g. hashing a password) is fine.
    public func withSession<T: Sendable>(
        _ body: @escaping @Sendable (PGSession) throws(PGError) -> T
    ) async throws(PGError) -> T {
        let outcome = await thread.run { [self] () -> Result<T, PGError> in
            do throws(PGError) {
                return .success(try body(PGSession(connection: self)))
            } catch {
                return .failure(error)
            }
        }
        guard let outcome else { throw closedError }
        return try outcome.get()
    }

    /// Runs `body` inside `BEGIN` … `COMMIT` as one job on the connection's thread (see
    /// `withSession`): the same statements, round trips and rollback rule as `transaction(_:)`,
    /// with no hop between threads in between. For short, hot transactions (the auth
    /// service's login), where a hop per statement costs more CPU than the statement.
    public func transactionOnThread<T: Sendable>(
        _ body: @escaping @Sendable (PGSession) throws(PGError) -> T
    ) async throws(PGError) -> T {
        try await withSession { session throws(PGError) -> T in
            try session.execute("BEGIN")
            do throws(PGError) {
                let value = try body(session)
                try session.execute("COMMIT")
                return value
            } catch {
                if error.kind != .connectionLost { try? session.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Whether libpq still considers the connection good (false after the server dropped it).
    public var isUsable: Bool {
        get async {
            await thread.run { [self] in handle.map { PQstatus($0) == CONNECTION_OK } ?? false } ?? false
        }
    }

    /// Asks the server to cancel the statement this connection is running (`PQcancel`, a
    /// separate short connection, made on a thread of its own); the statement then fails
    /// with SQLSTATE 57014. Does nothing when no statement runs. Returns whether the request
    /// was sent.
    @discardableResult
    public func cancel() async -> Bool {
        guard let cancelHandle else { return false }
        let thread = ConnectionThread(name: "confgate-pg-cancel")
        defer { thread.shutdown() }
        return await thread.run {
            var buffer = [CChar](repeating: 0, count: 256)
            return PQcancel(cancelHandle.raw, &buffer, Int32(buffer.count)) == 1
        } ?? false
    }

    /// Closes the connection (`PQfinish`) and stops its thread. Safe to call more than once.
    public func close() async {
        _ = await thread.run { [self] in
            if let handle { PQfinish(handle) }
            handle = nil
        }
        thread.shutdown()
    }

    private var closedError: PGError { PGError(.closed, sqlState: nil, message: "the connection is closed") }

    // MARK: - Blocking parts, run on `thread` only

    private static func connectBlocking(_ parameters: [String: String], password: String?) -> Result<UnsafeHandle, PGError> {
        let keys = Array(parameters.keys)
        var keyPointers = keys.map { UnsafePointer<CChar>(strdup($0)) } + [nil]
        var valuePointers = keys.map { UnsafePointer<CChar>(strdup(parameters[$0]!)) } + [nil]
        defer {
            for p in keyPointers { free(UnsafeMutablePointer(mutating: p)) }
            for p in valuePointers { free(UnsafeMutablePointer(mutating: p)) }
        }
        guard let conn = PQconnectStartParams(&keyPointers, &valuePointers, 0) else {
            return .failure(PGError(.connect, sqlState: nil, message: "libpq could not allocate a connection"))
        }
        PQsetErrorVerbosity(conn, PQERRORS_VERBOSE)
        func fail(_ text: String? = nil) -> Result<UnsafeHandle, PGError> {
            let message = text ?? String(cString: PQerrorMessage(conn))
            PQfinish(conn)
            return .failure(PGError.fromMessage(.connect, message, password: password))
        }
        if PQstatus(conn) == CONNECTION_BAD { return fail() }

        let timeout = parameters["connect_timeout"].flatMap(Int.init).flatMap { $0 > 0 ? max($0, 2) : nil }
        let deadline = timeout.map { ContinuousClock.now + .seconds($0) }
        var state = PGRES_POLLING_WRITING
        while true {
            switch state {
            case PGRES_POLLING_OK:
                PQsetErrorVerbosity(conn, PQERRORS_DEFAULT)
                return .success(UnsafeHandle(raw: conn))
            case PGRES_POLLING_FAILED:
                return fail()
            default:
                var fd = pollfd(fd: PQsocket(conn), events: Int16(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), revents: 0)
                var waitMs: Int32 = -1
                if let deadline {
                    let left = deadline - ContinuousClock.now
                    if left <= .zero { return fail("timeout expired (connect_timeout = \(timeout!)s)") }
                    let (s, atto) = left.components
                    waitMs = Int32(clamping: s * 1000 + atto / 1_000_000_000_000_000 + 1)
                }
                let ready = poll(&fd, 1, waitMs)
                if ready < 0 && errno != EINTR { return fail("poll failed: errno \(errno)") }
                if ready == 0 { continue }  // re-check the deadline
            }
            state = PQconnectPoll(conn)
        }
    }

    fileprivate func queryBlocking(_ sql: String, _ params: [String?]) -> Result<PGResult, PGError> {
        guard let handle else { return .failure(closedError) }
        let cParams = params.map { (p: String?) -> UnsafePointer<CChar>? in p.flatMap { UnsafePointer(strdup($0)) } }
        defer { for p in cParams { free(UnsafeMutablePointer(mutating: p)) } }
        let result = cParams.withUnsafeBufferPointer { values in
            PQexecParams(handle, sql, Int32(params.count), nil, values.baseAddress, nil, nil, 0)
        }
        return collect(result, handle: handle)
    }

    fileprivate func executeBlocking(_ sql: String) -> Result<Void, PGError> {
        guard let handle else { return .failure(closedError) }
        return collect(PQexec(handle, sql), handle: handle).map { _ in () }
    }

    private func collect(_ result: OpaquePointer?, handle: OpaquePointer) -> Result<PGResult, PGError> {
        guard let result else {
            let kind: PGError.Kind = PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .query
            return .failure(PGError.fromMessage(kind, String(cString: PQerrorMessage(handle)), password: password))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            let columnCount = PQnfields(result)
            let columns = (0..<columnCount).map { String(cString: PQfname(result, $0)) }
            var rows: [[String?]] = []
            rows.reserveCapacity(Int(PQntuples(result)))
            for r in 0..<PQntuples(result) {
                rows.append((0..<columnCount).map { c in
                    PQgetisnull(result, r, c) == 1 ? nil : String(cString: PQgetvalue(result, r, c))
                })
            }
            return .success(PGResult(columns: columns, rows: rows, commandTag: String(cString: PQcmdStatus(result))))
        default:
            let field = { (code: UInt8) -> String? in
                PQresultErrorField(result, Int32(code)).map { String(cString: $0) }
            }
            let sqlState = field(UInt8(ascii: "C"))
            let severity = field(UInt8(ascii: "S")) ?? "ERROR"
            let primary = field(UInt8(ascii: "M")) ?? String(cString: PQresultErrorMessage(result))
            let kind: PGError.Kind = PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .query
            return .failure(PGError.fromMessage(kind, "\(severity):  \(primary)", sqlState: sqlState, password: password))
        }
    }
}

/// A libpq handle moved between threads; only ever used by one thread at a time.
struct UnsafeHandle: @unchecked Sendable {
    let raw: OpaquePointer
}

/// Synchronous access to a connection, valid only inside `PGConnection.withSession`
/// (it runs on the connection's thread; it must not escape).
public struct PGSession {
    fileprivate let connection: PGConnection

    /// As `PGConnection.query`, synchronously.
    public func query(_ sql: String, _ params: [String?] = []) throws(PGError) -> PGResult {
        try connection.queryBlocking(sql, params).get()
    }

    /// As `PGConnection.execute`, synchronously.
    public func execute(_ sql: String) throws(PGError) {
        try connection.executeBlocking(sql).get()
    }
}

@available(*, unavailable)
extension PGSession: Sendable {}
