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
