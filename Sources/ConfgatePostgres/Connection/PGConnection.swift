import CLibPQ
import Foundation
import Synchronization

/// One libpq connection to PostgreSQL.
///
/// **Threading.** Statements use libpq's non-blocking API (`PQsetnonblocking`,
/// `PQsendQueryParams`, `PQconsumeInput`, `PQgetResult`) and wait for the socket on the
/// process's `EventLoop`, so no call ever blocks a thread of Swift's cooperative pool (it has
/// only as many threads as cores: two blocked logins would stall everything). A caller that
/// runs on the loop (`Task(executorPreference: connection.loop)`, as the load driver's logins
/// do) sends, waits and reads on that one thread: no hand-off between threads per statement
/// or per login, which is what a thread per connection cost (a wake-up to the connection's
/// thread and one back per login, measured at about twice pgbench's CPU per login). Callers
/// elsewhere work the same, resumed on Swift's global executor after each wait. The statement
/// path (`query`, `execute`, `transaction` and what they call, down to `EventLoop.wait`) is
/// `nonisolated(nonsending)`: it runs on its caller's executor, so the compiler emits no
/// executor switch on entry to each of its functions and after each call (a runtime call
/// that takes the task's status lock; a login made 35 of them, now 15).
///
/// One statement at a time per connection: a second caller gets an error, and `close()`
/// during a statement closes the connection when the statement ends.
///
/// **Connecting** is driven on the loop too, with libpq's documented non-blocking connect
/// (`PQconnectStartParams`, then `PQconnectPoll` each time the socket is ready as the last
/// call asked: `PGRES_POLLING_READING` or `_WRITING`): no thread per connect, and a surge
/// of connects (a deploy opening its pools) costs one `epoll_wait` per loop turn for all of
/// them. See `connect(parameters:loop:)` for what still blocks the loop's thread (host-name
/// resolution, the client side of password authentication). Only `cancel()` uses a thread
/// (`ConnectionThread.cancels`, one for the process), as libpq 15 has no non-blocking cancel.
///
/// **Errors.** Every failure is a `PGError` carrying the SQLSTATE (`PG_DIAG_SQLSTATE` for
/// statements); its text never contains the connection's password.
public final class PGConnection: @unchecked Sendable {
    /// Touched only by the one operation that holds `use` (or by `finish`, once).
    private var handle: OpaquePointer?
    let socket: Int32
    /// The loop its statements wait on.
    public let loop: EventLoop
    private let use = Mutex<(busy: Bool, closeRequested: Bool, closed: Bool)>((false, false, false))
    /// Set by `transaction` until its first statement, which then carries the `BEGIN`.
    private let beginPending = Atomic<Bool>(false)
    /// Exchanges with the server so far (a send and the wait for its results); for tests.
    private let exchanges = Atomic<Int>(0)
    private let password: String?
    /// libpq's cancel object (`PQgetCancel`): usable from any thread while a statement runs.
    private let cancelHandle: UnsafeHandle?
    /// The server process serving this connection (`pg_backend_pid()`).
    public let backendPID: Int32

    /// `socket` is the connection's own duplicate of libpq's socket, registered with `loop`
    /// (`WatchedSocket`): libpq closes its socket by itself when it reads end-of-file, and
    /// the kernel may hand that number to the next connection; the duplicate keeps this
    /// connection's number (and the loop's registration under it) its own until `finish()`
    /// closes it.
    private init(handle: OpaquePointer, socket: Int32, loop: EventLoop, password: String?) {
        self.handle = handle
        self.socket = socket
        self.loop = loop
        self.password = password
        self.backendPID = PQbackendPID(handle)
        self.cancelHandle = PQgetCancel(handle).map(UnsafeHandle.init(raw:))
        PQsetnonblocking(handle, 1)
    }

    deinit {
        if let cancelHandle { PQfreeCancel(cancelHandle.raw) }
        finish()
    }

    /// Connects with libpq keyword/value `parameters` (e.g. `host`, `port`, `dbname`,
    /// `user`, `connect_timeout`, `application_name`, `options`). Its statements wait on `loop`.
    ///
    /// The connect runs on `loop`'s thread: `PQconnectStartParams`, then `PQconnectPoll`
    /// whenever the socket is readable or writable as the previous call asked, waiting with
    /// `EventLoop.wait(for:events:until:)` in between. libpq may change sockets during a
    /// connect (another address of the host, another host of a list, a retry without SSL),
    /// so the socket is checked after every `PQconnectPoll` and re-registered when it changed.
    /// `PQERRORS_VERBOSE` is set before polling, so that a connection the server refuses
    /// (`FATAL:  53300: sorry, too many clients already`) keeps its SQLSTATE, and stays set:
    /// a server that ends the session during a statement sends its error and closes at once,
    /// and libpq then reports it only as connection text (`FATAL:  08P01: query_wait_timeout`
    /// from PgBouncer, `57P01` for a terminated backend), not as a result with fields. The
    /// password never appears in an error.
    ///
    /// `connect_timeout` (whole seconds; 1 counts as 2, as in libpq; absent, non-numeric or
    /// 0 means no limit) bounds the whole connect, all hosts and addresses together. libpq
    /// enforces it only in its blocking connect, so this one does, as the deadline of its
    /// waits on the loop (no timer thread, no sleep): past it, the connect fails with
    /// `timeout expired`.
    ///
    /// **What still blocks the loop's thread.** libpq resolves host names synchronously
    /// (`getaddrinfo`, inside `PQconnectStartParams` and inside the `PQconnectPoll` that
    /// moves on to another host): a `host` that needs DNS stalls every connection of the loop
    /// for the lookup. The servers confgate connects to here are named by a Unix socket
    /// directory or a numeric address (scratch servers: a socket directory, or 127.0.0.1 for
    /// their TCP listener), which need no lookup; a `--postgres` URL with a host name pays one
    /// lookup per connect (give `hostaddr` as well to avoid it). Password authentication's
    /// client side (SCRAM's key derivation) also runs inside `PQconnectPoll`, a few
    /// milliseconds per connect; scratch servers use `trust`.
    public static func connect(
        parameters: [String: String], loop: EventLoop = .next()
    ) async throws(PGError) -> PGConnection {
        try await loop.run { () async -> Result<PGConnection, PGError> in
            await connectOnLoop(parameters, loop: loop)
        }.get()
    }

    /// Runs one statement with `$1...` parameters in text format (`nil` is SQL NULL).
    ///
    /// As a transaction's first statement it goes out with the `BEGIN` in one pipeline
    /// (libpq's pipeline mode: `BEGIN`, the statement, one Sync): one exchange with the
    /// server instead of two, as pgJDBC sends `BEGIN` with the first statement after
    /// `setAutoCommit(false)`. If `BEGIN` fails, the statement is not run and `BEGIN`'s error
    /// is the one thrown.
    nonisolated(nonsending) public func query(_ sql: String, _ params: [String?] = []) async throws(PGError) -> PGResult {
        try await statement(sql, params, read: PGResult.init(libpq:))
    }

    /// Runs one statement as `query` does and reads its first row with `read`, in place in
    /// libpq's result (`nil` when there is none): no `PGResult` is built, and a `bytea`
    /// value is decoded from libpq's own text. The login reads its user this way.
    nonisolated(nonsending) public func queryFirstRow<T>(
        _ sql: String, _ params: [String?] = [], _ read: (PGRow) -> T
    ) async throws(PGError) -> T? {
        try await statement(sql, params) { result in PQntuples(result) > 0 ? read(PGRow(result: result, row: 0)) : nil }
    }

    /// `query`'s statement, its result read with `read`.
    nonisolated(nonsending) private func statement<T>(
        _ sql: String, _ params: [String?], read: (OpaquePointer) -> T
    ) async throws(PGError) -> T {
        try await exclusively { handle in
            let send = {
                Self.withCStrings(params) { values in
                    PQsendQueryParams(handle, sql, Int32(params.count), nil, values, nil, nil, 0) == 1
                }
            }
            guard beginPending.exchange(false, ordering: .relaxed) else {
                return await finishStatement(handle, sent: send(), read: read)
            }
            guard PQenterPipelineMode(handle) == 1 else { return .failure(connectionError(handle)) }
            let sent = PQsendQueryParams(handle, "BEGIN", 0, nil, nil, nil, nil, 0) == 1 && send() && PQpipelineSync(handle) == 1
            let result = await finishStatement(handle, sent: sent, pipeline: true, read: read)
            guard PQexitPipelineMode(handle) == 1 else {
                // Results still pending (a send failed half-way): the connection cannot take
                // another statement, so it is lost to the pool, with the error that caused it.
                if case .failure(let error) = result {
                    return .failure(PGError(.connectionLost, sqlState: error.sqlState, message: error.message))
                }
                return .failure(connectionError(handle, lost: true))
            }
            return result
        }
    }

    /// Calls `body` with `params` as C strings (`nil` for SQL NULL), valid during the call:
    /// each string's own UTF-8 through `withCString` (no copy for a native string, which is
    /// stored NUL-terminated; a short one is copied to the stack), the pointers in a
    /// temporary allocation (on the stack): no `malloc` per statement or parameter.
    private static func withCStrings<R>(
        _ params: [String?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R
    ) -> R {
        withUnsafeTemporaryAllocation(of: UnsafePointer<CChar>?.self, capacity: params.count) { pointers in
            func from(_ i: Int) -> R {
                guard i < params.count else { return body(UnsafePointer(pointers.baseAddress)) }
                guard let param = params[i] else {
                    pointers[i] = nil
                    return from(i + 1)
                }
                return param.withCString { pointer in
                    pointers[i] = pointer
                    return from(i + 1)
                }
            }
            return from(0)
        }
    }

    /// Runs `sql` with the simple query protocol; it may hold several statements (no
    /// parameters). As a transaction's first statement it is sent as `BEGIN; sql`.
    nonisolated(nonsending) public func execute(_ sql: String) async throws(PGError) {
        _ = try await exclusively { handle in
            let text = beginPending.exchange(false, ordering: .relaxed) ? "BEGIN; \(sql)" : sql
            // withCString: a short string (`COMMIT`) is copied to the stack, where passing it
            // as a C string argument allocates a copy.
            return await finishStatement(handle, sent: text.withCString { PQsendQuery(handle, $0) } == 1) { _ in () }
        }
    }

    /// Runs `sql` with the simple query protocol and returns its last result: for servers
    /// that speak no other, such as PgBouncer's admin console (`SHOW POOLS`).
    nonisolated(nonsending) public func simpleQuery(_ sql: String) async throws(PGError) -> PGResult {
        try await exclusively { handle in
            await finishStatement(handle, sent: PQsendQuery(handle, sql) == 1, read: PGResult.init(libpq:))
        }
    }

    /// Runs `body` inside `BEGIN` … `COMMIT`; rolls back when it throws, and rethrows.
    /// `BEGIN` goes out with the body's first statement (see `query`), so a transaction of
    /// n statements is n + 1 exchanges with the server; a body that runs none sends nothing.
    nonisolated(nonsending) public func transaction<T>(
        _ body: nonisolated(nonsending) (PGConnection) async throws(PGError) -> T
    ) async throws(PGError) -> T {
        beginPending.store(true, ordering: .relaxed)
        do throws(PGError) {
            let value = try await body(self)
            if beginPending.exchange(false, ordering: .relaxed) { return value }
            try await execute("COMMIT")
            return value
        } catch {
            let began = !beginPending.exchange(false, ordering: .relaxed)
            if began && error.kind != .connectionLost { try? await execute("ROLLBACK") }
            throw error
        }
    }

    /// How many exchanges with the server (a send, then the wait for its results) this
    /// connection's statements have made.
    var exchangeCount: Int { exchanges.load(ordering: .relaxed) }

    /// Whether libpq still considers the connection good (false after the server dropped it).
    public var isUsable: Bool {
        get async {
            (try? await exclusively { handle in .success(PQstatus(handle) == CONNECTION_OK) }) ?? false
        }
    }

    /// Asks the server to cancel the statement this connection is running (`PQcancel`, a
    /// separate short connection); the statement then fails with SQLSTATE 57014. Does
    /// nothing when no statement runs. Returns whether the request was sent.
    ///
    /// `PQcancel` blocks (it connects, sends the request and waits for the server to close),
    /// and libpq 15 has no non-blocking cancel (`PQcancelStart`/`PQcancelPoll` came in 17),
    /// nor a way to read the key a cancel request carries to send it ourselves. So every
    /// cancel of the process runs on one shared thread, in order (`ConnectionThread.cancels`):
    /// no thread per call, never on a loop or on Swift's cooperative pool. Cancels are rare
    /// (nothing in confgate's own paths calls this today; tests do); one that hangs (an
    /// unreachable host) delays the ones queued after it.
    @discardableResult
    public func cancel() async -> Bool {
        guard let cancelHandle else { return false }
        return await ConnectionThread.cancels.run {
            var buffer = [CChar](repeating: 0, count: 256)
            return PQcancel(cancelHandle.raw, &buffer, Int32(buffer.count)) == 1
        } ?? false
    }

    /// Closes the connection (`PQfinish`); during a statement, as soon as it ends. Safe to
    /// call more than once.
    public func close() async {
        let now = use.withLock { u -> Bool in
            if u.closed { return false }
            if u.busy { u.closeRequested = true; return false }
            u.closed = true
            return true
        }
        if now { finish() }
    }

    private var closedError: PGError { PGError(.closed, sqlState: nil, message: "the connection is closed") }

    /// Runs `body` as the connection's only operation; closes afterwards if asked meanwhile.
    nonisolated(nonsending) private func exclusively<T>(
        _ body: nonisolated(nonsending) (OpaquePointer) async -> Result<T, PGError>
    ) async throws(PGError) -> T {
        let admitted = use.withLock { u -> PGError? in
            if u.closed || u.closeRequested { return closedError }
            if u.busy { return PGError(.query, sqlState: nil, message: "the connection is busy with another statement") }
            u.busy = true
            return nil
        }
        if let admitted { throw admitted }
        let handle = handle!
        var result = await body(handle)
        // A statement that failed half-way (an I/O error libpq did not call fatal) leaves the
        // connection busy or in an unknown state: every later statement on it would fail.
        // Report it as lost, so that the pool replaces it instead of handing it out again.
        if case .failure(let error) = result, error.kind != .connectionLost {
            let state = PQtransactionStatus(handle)
            if state == PQTRANS_ACTIVE || state == PQTRANS_UNKNOWN {
                result = .failure(PGError(.connectionLost, sqlState: error.sqlState, message: error.message))
            }
        }
        let closeNow = use.withLock { u -> Bool in
            u.busy = false
            guard u.closeRequested, !u.closed else { return false }
            u.closed = true
            return true
        }
        if closeNow { finish() }
        return try result.get()
    }

    private func finish() {
        guard let handle else { return }
        if socket >= 0 {
            loop.deregister(socket)
            Glibc.close(socket)
        }
        PQfinish(handle)
        self.handle = nil
    }

    /// Flushes a sent statement, waits for its results on the loop and reads them: the last
    /// result (with `read`), or the first error (as `PQexec` reports). With `pipeline`, the
    /// statements sent in pipeline mode and their Sync: results are read up to the Sync, and
    /// the first error is kept (the statements after it report only `PGRES_PIPELINE_ABORTED`).
    nonisolated(nonsending) private func finishStatement<T>(
        _ handle: OpaquePointer, sent: Bool, pipeline: Bool = false, read: (OpaquePointer) -> T
    ) async -> Result<T, PGError> {
        exchanges.add(1, ordering: .relaxed)
        guard sent else { return .failure(connectionError(handle)) }
        // Failing to write or read is always a lost connection, whatever libpq's status says
        // (it stays CONNECTION_OK after some read errors, e.g. a keepalive timeout).
        while true {
            let flushed = PQflush(handle)
            if flushed == 0 { break }
            if flushed < 0 { return .failure(connectionError(handle, lost: true)) }
            guard await loop.wait(for: socket, events: [.readable, .writable]),
                  PQconsumeInput(handle) == 1 else { return .failure(connectionError(handle, lost: true)) }
        }
        var kept: OpaquePointer?
        var keptIsError = false
        defer { if let kept { PQclear(kept) } }
        while true {
            while PQisBusy(handle) == 1 {
                guard await loop.wait(for: socket, events: .readable),
                      PQconsumeInput(handle) == 1 else { return .failure(connectionError(handle, lost: true)) }
            }
            guard let result = PQgetResult(handle) else {
                // In a pipeline, NULL ends one statement's results; the Sync ends them all.
                if pipeline && PQstatus(handle) != CONNECTION_BAD { continue }
                break
            }
            if pipeline && PQresultStatus(result) == PGRES_PIPELINE_SYNC {
                PQclear(result)
                break
            }
            let isError = !Self.succeeded(result)
            if keptIsError && (!isError || pipeline) {
                PQclear(result)
            } else {
                if let kept { PQclear(kept) }
                kept = result
                keptIsError = isError
            }
        }
        guard let result = kept else { return .failure(connectionError(handle)) }
        kept = nil
        return collect(result, handle: handle, read: read)
    }

    private static func succeeded(_ result: OpaquePointer) -> Bool {
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: true
        default: false
        }
    }

    /// The connection's own error (no result to read it from): lost when libpq says so, or
    /// when `lost` (a failed read or write).
    private func connectionError(_ handle: OpaquePointer, lost: Bool = false) -> PGError {
        let kind: PGError.Kind = lost || PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .query
        return PGError.fromMessage(kind, String(cString: PQerrorMessage(handle)), password: password)
    }

    // MARK: - Connecting (on the loop) and reading results

    /// The connect itself; runs on `loop` (see `connect(parameters:loop:)`).
    private static func connectOnLoop(_ parameters: [String: String], loop: EventLoop) async -> Result<PGConnection, PGError> {
        let password = parameters["password"]
        let keys = Array(parameters.keys)
        var keyPointers = keys.map { UnsafePointer<CChar>(strdup($0)) } + [nil]
        var valuePointers = keys.map { UnsafePointer<CChar>(strdup(parameters[$0]!)) } + [nil]
        let started = PQconnectStartParams(&keyPointers, &valuePointers, 0)
        for p in keyPointers { free(UnsafeMutablePointer(mutating: p)) }
        for p in valuePointers { free(UnsafeMutablePointer(mutating: p)) }
        guard let conn = started else {
            return .failure(PGError(.connect, sqlState: nil, message: "libpq could not allocate a connection"))
        }
        PQsetErrorVerbosity(conn, PQERRORS_VERBOSE)
        var watched: WatchedSocket?
        func fail(_ text: String? = nil) -> Result<PGConnection, PGError> {
            let message = text ?? String(cString: PQerrorMessage(conn))
            watched?.close(on: loop)
            PQfinish(conn)
            return .failure(PGError.fromMessage(.connect, message, password: password))
        }
        if PQstatus(conn) == CONNECTION_BAD { return fail() }

        let timeout = parameters["connect_timeout"].flatMap(Int.init).flatMap { $0 > 0 ? max($0, 2) : nil }
        let deadline = timeout.map { ContinuousClock.now + .seconds($0) }
        var state = PGRES_POLLING_WRITING
        while true {
            if state == PGRES_POLLING_FAILED { return fail() }
            // libpq's socket now; a different one than watched (or none yet) is watched instead.
            let fd = PQsocket(conn)
            if watched?.isDuplicate(of: fd) != true {
                watched?.close(on: loop)
                watched = WatchedSocket(duplicating: fd, on: loop)
                if watched == nil { return fail("cannot watch the connection's socket (errno \(errno))") }
            }
            if state == PGRES_POLLING_OK {
                return .success(PGConnection(handle: conn, socket: watched!.fd, loop: loop, password: password))
            }
            let events: EventLoop.Events = state == PGRES_POLLING_READING ? .readable : .writable
            while true {
                switch await loop.wait(for: watched!.fd, events: events, until: deadline) {
                case .ready: break
                case .timedOut: return fail("timeout expired (connect_timeout = \(timeout!)s)")
                case .gone: return fail("the connection's socket is no longer watched")
                }
                // PQconnectPoll must only be called once the socket is ready as asked (a
                // write-ready socket is how it learns that a TCP connect completed): a wake
                // for another reason waits again.
                if watched!.isReady(for: events) { break }
            }
            state = PQconnectPoll(conn)
        }
    }

    /// A successful result read with `read`, or the error it carries; clears it.
    private func collect<T>(_ result: OpaquePointer?, handle: OpaquePointer, read: (OpaquePointer) -> T) -> Result<T, PGError> {
        guard let result else {
            let kind: PGError.Kind = PQstatus(handle) == CONNECTION_BAD ? .connectionLost : .query
            return .failure(PGError.fromMessage(kind, String(cString: PQerrorMessage(handle)), password: password))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return .success(read(result))
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

/// A connection's own duplicate of libpq's socket (`F_DUPFD_CLOEXEC`), registered with a
/// loop, and which socket it duplicates (device and inode: libpq may close its socket and
/// open another that gets the same number).
struct WatchedSocket {
    let fd: Int32
    private let device: UInt64
    private let inode: UInt64

    /// Duplicates `socket` and registers the duplicate with `loop`; `nil` (errno set) when
    /// `socket` is -1 or either step fails.
    init?(duplicating socket: Int32, on loop: EventLoop) {
        guard socket >= 0 else { return nil }
        let fd = fcntl(socket, F_DUPFD_CLOEXEC, 0)
        guard fd >= 0 else { return nil }
        var info = stat()
        guard fstat(fd, &info) == 0, loop.register(fd) else {
            let saved = errno
            Glibc.close(fd)
            errno = saved
            return nil
        }
        self.fd = fd
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    /// Whether `socket` is the socket this one duplicates.
    func isDuplicate(of socket: Int32) -> Bool {
        var info = stat()
        guard socket >= 0, fstat(socket, &info) == 0 else { return false }
        return UInt64(info.st_dev) == device && UInt64(info.st_ino) == inode
    }

    /// Whether the socket is ready for `events` now, or has an error or a hang-up (`poll`
    /// without waiting).
    func isReady(for events: EventLoop.Events) -> Bool {
        var p = pollfd(fd: fd, events: Int16(events.contains(.readable) ? POLLIN : POLLOUT), revents: 0)
        return poll(&p, 1, 0) != 0  // an error of poll itself: let libpq see it
    }

    func close(on loop: EventLoop) {
        loop.deregister(fd)
        Glibc.close(fd)
    }
}
