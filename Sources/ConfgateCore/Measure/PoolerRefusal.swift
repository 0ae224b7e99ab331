/// Why PgBouncer refused or dropped a client. Its errors share SQLSTATE 08P01 (protocol
/// violation), so the message tells them apart; each is its own outcome so a verdict can say
/// which tier ran out.
public enum PoolerRefusal: String, Hashable, Sendable, Codable, CaseIterable {
    /// `no more connections allowed (max_client_conn)`: the client side is full.
    case maxClientConn = "max_client_conn"
    /// `query_wait_timeout`: a client waited that long for a server connection.
    case queryWaitTimeout = "query_wait_timeout"
    /// `server login has been failing, try again later (server_login_retry)`: the pooler
    /// cannot open server connections (the server refuses them, or is down).
    case serverLoginRetry = "server_login_retry"

    /// The text PgBouncer sends, as it appears in the error message.
    public var message: String {
        switch self {
        case .maxClientConn: "no more connections allowed (max_client_conn)"
        case .queryWaitTimeout: "query_wait_timeout"
        case .serverLoginRetry: "server login has been failing, try again later (server_login_retry)"
        }
    }

    /// The refusal an error `message` reports, or `nil` when it is not PgBouncer's.
    public static func recognise(_ message: String) -> PoolerRefusal? {
        if message.contains(Self.maxClientConn.message) { return .maxClientConn }
        if message.contains("server login has been failing") { return .serverLoginRetry }
        if message.contains(Self.queryWaitTimeout.message) { return .queryWaitTimeout }
        return nil
    }

    /// How a login that met this refusal ended.
    public var outcome: OutcomeClass { self == .queryWaitTimeout ? .poolerTimeout : .poolerRefused }
}
