import ConfgateCore

/// Where connections go: the scratch (or `--postgres`) server's address, database and role.
/// The user's DSN names production; confgate keeps its session parameters and points it here.
public struct ConnectionTarget: Hashable, Sendable {
    /// A Unix socket directory (starts with `/`) or a host name.
    public var host: String
    public var port: Int
    public var database: String
    public var user: String
    /// Only for `--postgres URL` servers that need one; scratch servers use trust on a
    /// private socket.
    public var password: String?

    public init(host: String, port: Int, database: String, user: String, password: String? = nil) {
        self.host = host
        self.port = port
        self.database = database
        self.user = user
        self.password = password
    }

    /// The libpq parameters of this target alone.
    public var parameters: [String: String] {
        var p = ["host": host, "port": String(port), "dbname": database, "user": user]
        if let password { p["password"] = password }
        return p
    }

    /// A libpq URI for people (psql, pgbench), with the password shown as `***` unless
    /// `revealPassword`.
    public func url(revealPassword: Bool = false) -> String {
        var auth = percentEncode(user)
        if let password { auth += ":" + (revealPassword ? percentEncode(password) : "***") }
        if host.hasPrefix("/") {
            return "postgresql://\(auth)@/\(percentEncode(database))?host=\(percentEncode(host))&port=\(port)"
        }
        return "postgresql://\(auth)@\(host):\(port)/\(percentEncode(database))"
    }
}

/// DSN keywords that say *where* and *as whom* to connect, or how to secure the link to
/// production: none of them applies to the scratch server, so they are dropped.
let targetKeywords: Set<String> = [
    "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "service", "servicefile",
    "sslmode", "sslcert", "sslkey", "sslrootcert", "sslcrl", "sslcrldir", "sslpassword", "sslsni",
    "sslcompression", "ssl_min_protocol_version", "ssl_max_protocol_version", "sslcertmode",
    "sslnegotiation", "gssencmode", "gsslib", "gssdelegation", "krbsrvname", "requirepeer",
    "require_auth", "channel_binding", "target_session_attrs", "load_balance_hosts",
]

/// The libpq parameters one pooled connection uses: the DSN's own parameters (e.g.
/// `application_name`, `options`, `connect_timeout`, `keepalives`) with host, port, dbname,
/// user and password replaced by `target`'s, the security keywords dropped (see
/// `targetKeywords`), and `database`'s session settings applied:
/// - `connect_timeout` from `[database] connect_timeout` (whole seconds, rounded up) when set;
/// - `statement_timeout` and `idle_in_transaction_session_timeout` appended to `options` as
///   `-c name=<ms>`, so the server applies them to the session before the first statement.
public func connectionParameters(
    dsn: DSN?, target: ConnectionTarget, database: Settings.Database = .init()
) -> [String: String] {
    var p: [String: String] = [:]
    for parameter in dsn?.parameters ?? [] where !targetKeywords.contains(parameter.keyword) {
        p[parameter.keyword] = parameter.value
    }
    p.merge(target.parameters) { _, new in new }
    if let timeout = database.connectTimeout {
        let seconds = (timeout.microseconds + 999_999) / 1_000_000
        p["connect_timeout"] = String(max(seconds, 1))
    }
    var options: [String] = p["options"].map { [$0] } ?? []
    if let t = database.statementTimeout { options.append("-c statement_timeout=\(milliseconds(t))") }
    if let t = database.idleInTransactionSessionTimeout {
        options.append("-c idle_in_transaction_session_timeout=\(milliseconds(t))")
    }
    if !options.isEmpty { p["options"] = options.joined(separator: " ") }
    return p
}

/// PostgreSQL takes these timeouts in whole milliseconds; a sub-millisecond value rounds up
/// (0 would mean "no limit").
private func milliseconds(_ d: SettingDuration) -> Int64 {
    d.microseconds <= 0 ? 0 : (d.microseconds + 999) / 1000
}

private func percentEncode(_ s: String) -> String {
    var out = ""
    for byte in s.utf8 {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"),
             UInt8(ascii: "."), UInt8(ascii: "~"):
            out.unicodeScalars.append(Unicode.Scalar(byte))
        default:
            let hex = Array("0123456789ABCDEF")
            out += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 15)])"
        }
    }
    return out
}
