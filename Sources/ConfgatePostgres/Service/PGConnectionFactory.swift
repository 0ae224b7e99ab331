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

    /// Failed attempts are counted by SQLSTATE (`53300`), or `no-sqlstate`.
    public func errorKey(for error: any Error) -> String {
        (error as? PGError)?.sqlState ?? "no-sqlstate"
    }
}
