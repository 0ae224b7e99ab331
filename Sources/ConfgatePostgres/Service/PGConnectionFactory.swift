import ConfgateCore
import ConfgatePool

/// Opens the libpq connections of one service instance's pool.
public struct PGConnectionFactory: PooledConnectionFactory {
    /// libpq parameters of every connection (see `connectionParameters(dsn:target:database:)`).
    public var parameters: [String: String]

    public init(parameters: [String: String]) { self.parameters = parameters }

    public func makeConnection() async throws -> PGConnection {
        try await PGConnection.connect(parameters: parameters)
    }

    /// Connects with the pool's login timeout as libpq's `connect_timeout` (whole seconds)
    /// when the parameters set none; HikariCP gives the driver the same limit
    /// (`DataSource.setLoginTimeout`). libpq (and `PGConnection`) counts a timeout of 1 as 2.
    public func makeConnection(loginTimeout: Duration?) async throws -> PGConnection {
        var parameters = parameters
        if parameters["connect_timeout"] == nil, let loginTimeout {
            parameters["connect_timeout"] = String(max(1, loginTimeout.components.seconds))
        }
        return try await PGConnection.connect(parameters: parameters)
    }

    /// One round trip with an empty query (what pgjdbc's `isValid` sends), no statement run.
    public func isAlive(_ connection: PGConnection) async -> Bool {
        do {
            try await connection.execute("")
            return true
        } catch {
            return false
        }
    }

    public func close(_ connection: PGConnection) async {
        await connection.close()
    }

    /// Failed attempts are counted by SQLSTATE (`53300`), by a pooler's reason when a pooler
    /// refused (`max_client_conn`: its errors all share 08P01), or `no-sqlstate`.
    public func errorKey(for error: any Error) -> String {
        guard let error = error as? PGError else { return "no-sqlstate" }
        return PoolerRefusal.recognise(error.message)?.rawValue ?? error.sqlState ?? "no-sqlstate"
    }
}
