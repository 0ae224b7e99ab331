import Foundation

/// Connection URLs as services write them, turned into a libpq DSN plus the settings the
/// URL carries beside it: pgJDBC's `jdbc:postgresql:` URLs (Spring, HikariCP) and
/// `postgres://` URLs with pool parameters (pgx's `pool_max_conns`, Prisma's `connection_limit`).
enum ConnectionURL {
    /// What a URL says: a libpq DSN and our keys it sets besides.
    struct Reading {
        /// A `postgresql://` URI libpq accepts (credentials percent-encoded).
        var dsn: String
        /// Our keys set by URL parameters, in settings-file syntax (`pool.max_size` → `20`).
        var settings: [(path: String, text: String, parameter: String)] = []
        var notes: [String] = []
    }

    /// pgJDBC's own default `connectTimeout`, in seconds (applies when the URL sets none).
    static let pgJDBCConnectTimeout = 10

    /// Reads a `jdbc:postgresql:` URL. `user` and `password` come from separate keys when the
    /// URL has none (Spring's `username`/`password`). Throws `.badInput` at `value` for a URL of
    /// another database or one that is not a URL.
    static func jdbc(_ value: SourcedValue, user: String? = nil, password: String? = nil) throws(ConfgateError) -> Reading {
        let text = value.text
        guard text.lowercased().hasPrefix("jdbc:") else {
            throw ConfgateError(.badInput, "`\(value.name)` is not a JDBC URL (`jdbc:postgresql://host/db`)", at: value.location)
        }
        let rest = String(text.dropFirst(5))
        guard rest.lowercased().hasPrefix("postgresql:") else {
            let kind = rest.split(separator: ":").first.map(String.init) ?? rest
            throw ConfgateError(.badInput, "`\(value.name)` is a jdbc:\(kind) URL: confgate gates PostgreSQL connection settings",
                                at: value.location, details: ["point the reader at the PostgreSQL datasource's settings"])
        }
        var body = String(rest.dropFirst("postgresql:".count))
        var query = ""
        if let mark = body.firstIndex(of: "?") {
            query = String(body[body.index(after: mark)...])
            body = String(body[..<mark])
        }
        // `jdbc:postgresql:db`, `jdbc:postgresql:/`, `jdbc:postgresql://host:port/db`.
        var hosts = "localhost", database = ""
        if body.hasPrefix("//") {
            let hostAndPath = body.dropFirst(2)
            if let slash = hostAndPath.firstIndex(of: "/") {
                hosts = String(hostAndPath[..<slash])
                database = String(hostAndPath[hostAndPath.index(after: slash)...])
            } else {
                hosts = String(hostAndPath)
            }
        } else {
            database = body.hasPrefix("/") ? String(body.dropFirst()) : body
        }
        var reading = Reading(dsn: "")
        var parameters: [(String, String)] = []
        var urlUser = user, urlPassword = password
        var connectTimeout: String?
        for (key, raw) in Self.query(query) {
            let decoded = raw.removingPercentEncoding ?? raw
            switch key.lowercased() {
            case "user": urlUser = decoded
            case "password": urlPassword = decoded
            case "applicationname": parameters.append(("application_name", decoded))
            case "connecttimeout": connectTimeout = decoded
            case "sslmode": parameters.append(("sslmode", decoded))
            case "currentschema": parameters.append(("options", "-c search_path=\(decoded)"))
            case "options":
                for setting in decoded.components(separatedBy: "-c").map({ $0.trimmingBlanks }) where !setting.isEmpty {
                    let pair = setting.split(separator: "=", maxSplits: 1).map { String($0).trimmingBlanks }
                    guard pair.count == 2 else { continue }
                    switch pair[0] {
                    case "statement_timeout":
                        reading.settings.append(("database.statement_timeout", Self.serverDuration(pair[1]), "options=-c statement_timeout"))
                    case "idle_in_transaction_session_timeout":
                        reading.settings.append(("database.idle_in_transaction_session_timeout", Self.serverDuration(pair[1]),
                                                 "options=-c idle_in_transaction_session_timeout"))
                    default: break
                    }
                }
            default:
                reading.notes.append("JDBC URL parameter `\(key)` does not change the connection budget; not read")
            }
        }
        if let connectTimeout {
            // pgJDBC: seconds; 0 means wait forever (as libpq's 0).
            parameters.append(("connect_timeout", connectTimeout))
        } else {
            parameters.append(("connect_timeout", "\(pgJDBCConnectTimeout)"))
            reading.notes.append("the JDBC URL sets no connectTimeout: pgJDBC's default \(pgJDBCConnectTimeout) s applies")
        }
        reading.dsn = Self.uri(hosts: hosts, database: database, user: urlUser, password: urlPassword, parameters: parameters)
        return reading
    }

    /// Reads a `postgres://` or `postgresql://` URL as a service's driver would, taking pgx's and
    /// Prisma's pool parameters out (libpq refuses them) into our keys.
    static func postgres(_ value: SourcedValue) throws(ConfgateError) -> Reading {
        let text = value.text
        guard let scheme = text.range(of: "://"), ["postgres", "postgresql"].contains(text[..<scheme.lowerBound].lowercased()) else {
            throw ConfgateError(.badInput, "`\(value.name)` is not a PostgreSQL URL (`postgres://user@host/db`)", at: value.location)
        }
        var base = "postgresql" + text[scheme.lowerBound...]
        var query = ""
        if let mark = base.firstIndex(of: "?") {
            query = String(base[base.index(after: mark)...])
            base = String(base[..<mark])
        }
        var reading = Reading(dsn: "")
        var kept: [String] = []
        for (key, raw) in Self.query(query) {
            let decoded = raw.removingPercentEncoding ?? raw
            switch key {
            case "pool_max_conns": reading.settings.append(("pool.max_size", decoded, key))
            case "pool_min_conns": reading.settings.append(("pool.min_idle", decoded, key))
            case "pool_max_conn_lifetime": reading.settings.append(("pool.max_lifetime", Self.goDuration(decoded), key))
            case "pool_max_conn_idle_time": reading.settings.append(("pool.idle_timeout", Self.goDuration(decoded), key))
            case "connection_limit": reading.settings.append(("pool.max_size", decoded, key))
            case "pool_timeout": reading.settings.append(("pool.acquire_timeout", decoded.allSatisfy(\.isASCIIDigit) ? "\(decoded)s" : decoded, key))
            case "pool_health_check_period", "pool_max_conn_lifetime_jitter", "schema", "pgbouncer", "socket_timeout", "statement_cache_size":
                reading.notes.append("URL parameter `\(key)` belongs to the driver, not libpq; not read")
            default: kept.append("\(key)=\(raw)")
            }
        }
        reading.dsn = base + (kept.isEmpty ? "" : "?" + kept.joined(separator: "&"))
        return reading
    }

    private static func query(_ query: String) -> [(String, String)] {
        query.split(separator: "&").compactMap { pair in
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard let key = parts.first, !key.isEmpty else { return nil }
            return (key, parts.count > 1 ? parts[1] : "")
        }
    }

    /// A server setting's value in settings-file syntax: a bare number is milliseconds, as the
    /// server reads `statement_timeout`.
    static func serverDuration(_ text: String) -> String {
        text.allSatisfy(\.isASCIIDigit) ? "\(text)ms" : text
    }

    /// Go's `time.ParseDuration` forms confgate reads (`1h`, `30m`, `45s`, `500ms`) in
    /// settings-file syntax; anything else is passed on for the key reader to reject.
    static func goDuration(_ text: String) -> String {
        if text.hasSuffix("m"), !text.hasSuffix("ms") { return String(text.dropLast()) + "min" }
        return text
    }

    private static func uri(hosts: String, database: String, user: String?, password: String?,
                            parameters: [(String, String)]) -> String {
        let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
        func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        var credentials = ""
        if let user {
            credentials = encode(user) + (password.map { ":" + encode($0) } ?? "") + "@"
        }
        let query = parameters.map { "\($0.0)=\(encode($0.1))" }.joined(separator: "&")
        return "postgresql://\(credentials)\(hosts)/\(encode(database))" + (query.isEmpty ? "" : "?" + query)
    }
}
