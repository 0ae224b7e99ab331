/// Why a ``ConnectionPool`` could not give a connection.
public enum PoolError: Error, Sendable, CustomStringConvertible {
    /// No connection became available within `acquireTimeout`. Carries the error
    /// of the most recent failed connection attempt, if the latest attempt failed
    /// (HikariCP attaches it as the cause), so the caller can classify it
    /// (e.g. SQLSTATE 53300).
    case acquireTimeout(lastConnectError: (any Error)?)
    /// The pool is shutting down or shut down.
    case shutDown

    /// Whether this is an acquire timeout.
    public var isAcquireTimeout: Bool {
        if case .acquireTimeout = self { return true }
        return false
    }

    /// The last connection error carried by an acquire timeout, or `nil`.
    public var lastConnectError: (any Error)? {
        if case .acquireTimeout(let error) = self { return error }
        return nil
    }

    public var description: String {
        switch self {
        case .acquireTimeout(let error?):
            return "timed out waiting for a pooled connection (last connection error: \(error))"
        case .acquireTimeout(nil):
            return "timed out waiting for a pooled connection"
        case .shutDown:
            return "the connection pool is shut down"
        }
    }
}
