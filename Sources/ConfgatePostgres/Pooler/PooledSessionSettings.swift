import ConfgateCore

/// How a session's settings (`statement_timeout`, `idle_in_transaction_session_timeout`, and
/// any `-c name=value` of the DSN's `options`) reach the server when connections go through
/// PgBouncer.
///
/// Directly, confgate sends them in the startup packet's `options` (see
/// `connectionParameters(dsn:target:database:)`). PgBouncer 1.18 refuses that parameter
/// (`unsupported startup parameter: options`), and ignoring it would drop the settings
/// silently; a `connect_query` `SET` would be undone by the `DISCARD ALL` PgBouncer runs
/// between session-mode clients. So the settings become defaults of the service role in the
/// upstream database (`ALTER ROLE … IN DATABASE … SET`): every server connection PgBouncer
/// opens starts with them, `DISCARD ALL` (`RESET ALL`) returns to them, and they hold in every
/// pool mode. All the service's connections get the same settings, which is what one trial's
/// fleet has.
public struct PooledSessionSettings: Hashable, Sendable {
    /// The connection's libpq parameters without `options`: what to send to PgBouncer.
    public var parameters: [String: String]
    /// `name = value` settings taken out of `options`, to apply as role defaults.
    public var settings: [Setting]

    public struct Setting: Hashable, Sendable {
        public var name: String
        public var value: String
        public init(name: String, value: String) {
            self.name = name
            self.value = value
        }
    }

    /// Splits `parameters` (as `connectionParameters` builds them): `options` is read as
    /// `-c name=value`, `-cname=value` or `--name=value` items; anything else there is
    /// `.badInput`, as it could not reach the server through the pooler.
    public static func split(_ parameters: [String: String]) throws(ConfgateError) -> PooledSessionSettings {
        var rest = parameters
        guard let options = rest.removeValue(forKey: "options") else {
            return PooledSessionSettings(parameters: rest, settings: [])
        }
        var settings: [Setting] = []
        var words = options.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)[...]
        while let word = words.popFirst() {
            var item: String
            if word == "-c", let next = words.popFirst() { item = next }
            else if word.hasPrefix("--") { item = String(word.dropFirst(2)) }
            else if word.hasPrefix("-c") { item = String(word.dropFirst(2)) }
            else { item = "" }
            guard let eq = item.firstIndex(of: "="), isSettingName(item[..<eq]) else {
                throw ConfgateError(.badInput, "options \"\(options)\": only -c name=value settings can go through PgBouncer (as role defaults); \"\(word)\" cannot")
            }
            settings.append(Setting(name: String(item[..<eq]).replacingAll("-", with: "_"), value: String(item[item.index(after: eq)...])))
        }
        return PooledSessionSettings(parameters: rest, settings: settings)
    }

    /// The statements that make `settings` defaults of `role` in `database` (run as a
    /// superuser on the upstream server), after clearing earlier ones.
    public func roleDefaultsSQL(role: String, database: String) -> [String] {
        ["ALTER ROLE \(role) IN DATABASE \(database) RESET ALL"]
            + settings.map { "ALTER ROLE \(role) IN DATABASE \(database) SET \($0.name) = \(Self.literal($0.value))" }
    }

    /// Applies them with a short superuser connection to the upstream server.
    public func applyAsRoleDefaults(role: String, superuser: ConnectionTarget) async throws(ConfgateError) {
        let connection: PGConnection
        do { connection = try await PGConnection.connect(parameters: superuser.parameters) } catch {
            throw ConfgateError(.environment, "cannot connect to set the pooled sessions' settings: \(error)")
        }
        do {
            for sql in roleDefaultsSQL(role: role, database: superuser.database) { try await connection.execute(sql) }
        } catch {
            await connection.close()
            throw ConfgateError(.environment, "cannot set the pooled sessions' settings: \(error)")
        }
        await connection.close()
    }

    private static func isSettingName(_ s: Substring) -> Bool {
        !s.isEmpty && s.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_" || $0 == "." || $0 == "-") }
    }

    private static func literal(_ v: String) -> String { "'" + v.replacingAll("'", with: "''") + "'" }
}
