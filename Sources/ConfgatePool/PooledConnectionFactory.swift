/// Opens, checks and closes the connections a ``ConnectionPool`` hands out.
public protocol PooledConnectionFactory: Sendable {
    /// The pooled connection type.
    associatedtype Connection: Sendable

    /// Opens a new connection. A thrown error is kept by the pool as the last
    /// connection error (see ``PoolError/acquireTimeout(lastConnectError:)``) and
    /// counted in ``PoolMetrics/connectFailures`` under ``errorKey(for:)``.
    func makeConnection() async throws -> Connection

    /// Opens a new connection, giving up after `loginTimeout` when that is not `nil`
    /// (``PoolConfiguration/loginTimeout``, HikariCP's `DataSource.setLoginTimeout`).
    /// Default: ``makeConnection()``, without a limit.
    func makeConnection(loginTimeout: Duration?) async throws -> Connection

    /// One round trip to check that the connection still works, before a connection idle
    /// for longer than ``PoolConfiguration/aliveBypassWindow`` is handed out (HikariCP
    /// `isConnectionDead`). Default: true, without a round trip.
    func isAlive(_ connection: Connection) async -> Bool

    /// Closes a connection. Called once per connection the pool retires.
    func close(_ connection: Connection) async

    /// The key under which a failed connection attempt is counted in the metrics,
    /// e.g. its SQLSTATE (`"53300"`). Default: the error's type name.
    func errorKey(for error: any Error) -> String
}

extension PooledConnectionFactory {
    /// ``makeConnection()``: no limit.
    public func makeConnection(loginTimeout: Duration?) async throws -> Connection {
        try await makeConnection()
    }

    /// Always alive.
    public func isAlive(_ connection: Connection) async -> Bool { true }

    /// The error's type name.
    public func errorKey(for error: any Error) -> String {
        String(describing: type(of: error))
    }
}
