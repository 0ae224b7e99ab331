/// Opens and closes the connections a ``ConnectionPool`` hands out.
public protocol PooledConnectionFactory: Sendable {
    /// The pooled connection type.
    associatedtype Connection: Sendable

    /// Opens a new connection. A thrown error is kept by the pool as the last
    /// connection error (see ``PoolError/acquireTimeout(lastConnectError:)``) and
    /// counted in ``PoolMetrics/connectFailures`` under ``errorKey(for:)``.
    func makeConnection() async throws -> Connection

    /// Closes a connection. Called once per connection the pool retires.
    func close(_ connection: Connection) async

    /// The key under which a failed connection attempt is counted in the metrics,
    /// e.g. its SQLSTATE (`"53300"`). Default: the error's type name.
    func errorKey(for error: any Error) -> String
}

extension PooledConnectionFactory {
    /// The error's type name.
    public func errorKey(for error: any Error) -> String {
        String(describing: type(of: error))
    }
}
