import ConfgatePool

/// A connection handed out by ``MockFactory``: just a serial number.
struct MockConnection: Sendable, Hashable {
    var serial: Int
}

/// A connection error with a SQLSTATE, as libpq's would carry.
struct MockConnectError: Error, Hashable {
    var sqlState: String
}

/// A factory whose connection attempts wait until the test decides them (or are
/// decided automatically by `mode`), counting attempts, opens and closes.
final class MockFactory: PooledConnectionFactory, Sendable {
    typealias Connection = MockConnection

    enum Mode: Sendable {
        /// Attempts wait for ``succeedNext()`` / ``failNext(_:)``.
        case manual
        /// Attempts succeed at once.
        case succeed
        /// Attempts fail at once with this error.
        case fail(MockConnectError)
        /// Every `n`th attempt fails with this error, the others succeed at once.
        case failEvery(Int, MockConnectError)
    }

    struct State: Sendable {
        var mode: Mode
        var pending: [CheckedContinuation<MockConnection, any Error>] = []
        var attempts = 0
        var opened = 0
        var failed = 0
        var closed: [MockConnection] = []
        var nextSerial = 0
        /// Attempts in flight plus open connections: the server slots in use.
        var live = 0
        var peakLive = 0
    }

    let state: Observed<State>

    init(mode: Mode = .succeed) {
        state = Observed(State(mode: mode))
    }

    var attempts: Int { state.read { $0.attempts } }
    var opened: Int { state.read { $0.opened } }
    var closed: [MockConnection] { state.read { $0.closed } }
    var pendingAttempts: Int { state.read { $0.pending.count } }
    var peakLive: Int { state.read { $0.peakLive } }

    func setMode(_ mode: Mode) {
        state.mutate { $0.mode = mode }
    }

    func makeConnection() async throws -> MockConnection {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<MockConnection, any Error>) in
            let immediate = state.mutate { state -> Result<MockConnection, any Error>? in
                state.attempts += 1
                state.live += 1
                state.peakLive = max(state.peakLive, state.live)
                switch state.mode {
                case .manual:
                    state.pending.append(continuation)
                    return nil
                case .succeed:
                    state.opened += 1
                    state.nextSerial += 1
                    return .success(MockConnection(serial: state.nextSerial))
                case .fail(let error):
                    state.failed += 1
                    state.live -= 1
                    return .failure(error)
                case .failEvery(let n, let error):
                    if state.attempts % n == 0 {
                        state.failed += 1
                        state.live -= 1
                        return .failure(error)
                    }
                    state.opened += 1
                    state.nextSerial += 1
                    return .success(MockConnection(serial: state.nextSerial))
                }
            }
            if let immediate { continuation.resume(with: immediate) }
        }
    }

    func close(_ connection: MockConnection) async {
        state.mutate {
            $0.closed.append(connection)
            $0.live -= 1
        }
    }

    func errorKey(for error: any Error) -> String {
        (error as? MockConnectError)?.sqlState ?? "other"
    }

    /// Suspends until `count` attempts wait for a decision.
    func waitForPending(_ count: Int) async {
        await state.wait { $0.pending.count >= count }
    }

    /// Suspends until `count` attempts were made in all.
    func waitForAttempts(_ count: Int) async {
        await state.wait { $0.attempts >= count }
    }

    /// Suspends until `count` connections were closed in all.
    func waitForCloses(_ count: Int) async {
        await state.wait { $0.closed.count >= count }
    }

    /// Lets the oldest pending attempt succeed.
    func succeedNext() {
        let (continuation, connection) = state.mutate { state -> (CheckedContinuation<MockConnection, any Error>, MockConnection) in
            state.opened += 1
            state.nextSerial += 1
            return (state.pending.removeFirst(), MockConnection(serial: state.nextSerial))
        }
        continuation.resume(returning: connection)
    }

    /// Fails the oldest pending attempt.
    func failNext(_ error: MockConnectError) {
        let continuation = state.mutate { state in
            state.failed += 1
            state.live -= 1
            return state.pending.removeFirst()
        }
        continuation.resume(throwing: error)
    }
}
