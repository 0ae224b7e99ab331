@testable import ConfgateCore

/// Settings as a test file `svc.conf` would give them, with the key lines below. The base
/// values fire no rule: usable 92 (100 − 3 − 0 − 5), steady 6 × 10 = 60, deploy 8 × 10 = 80
/// (87% of usable, under the 90% default max_utilization).
enum LintFixture {
    static let file = "svc.conf"

    /// The line each key is written on in the imaginary file; section headers by bare name.
    static let lines: [String: Int] = [
        "database": 1, "database.dsn": 2, "database.connect_timeout": 3, "database.statement_timeout": 4,
        "pool": 6, "pool.max_size": 7, "pool.min_idle": 8, "pool.acquire_timeout": 9,
        "pool.idle_timeout": 10, "pool.max_lifetime": 11,
        "fleet": 12, "fleet.instances": 13, "fleet.max_surge": 14, "fleet.request_timeout": 15,
        "server": 16, "server.max_connections": 17, "server.superuser_reserved_connections": 18,
        "server.reserved_connections": 19, "server.other_clients": 20,
    ]

    /// Keys the base file sets (min_idle and idle_timeout keep their defaults; no section
    /// header locations).
    static let setKeys = [
        "database.dsn", "database.connect_timeout", "database.statement_timeout",
        "pool.max_size", "pool.acquire_timeout", "pool.max_lifetime",
        "fleet.instances", "fleet.max_surge", "fleet.request_timeout",
        "server.max_connections", "server.superuser_reserved_connections",
        "server.reserved_connections", "server.other_clients",
    ]

    static func location(_ key: String) -> SourceLocation {
        SourceLocation(file: file, line: lines[key]!, column: 1)
    }

    static func origin(_ key: String, comment: String? = nil) -> KeyOrigin {
        let line = lines[key]!
        return KeyOrigin(
            key: SourceLocation(file: file, line: line, column: 1),
            value: SourceLocation(file: file, line: line, column: 20), comment: comment)
    }

    static let dsn = DSN(raw: "postgresql://auth@db.internal:5432/auth", parameters: [
        .init(keyword: "user", value: "auth"), .init(keyword: "host", value: "db.internal"),
        .init(keyword: "port", value: "5432"), .init(keyword: "dbname", value: "auth"),
    ])

    /// The clean base settings.
    static var base: Settings {
        Settings(
            database: .init(dsn: dsn, connectTimeout: .seconds(5), statementTimeout: .seconds(2)),
            pool: .init(maxSize: 10, acquireTimeout: .seconds(2)),
            fleet: .init(instances: 6, maxSurge: 2, requestTimeout: .seconds(10)),
            server: .init(maxConnections: 100, superuserReservedConnections: 3, otherClients: 5),
            origins: Dictionary(uniqueKeysWithValues: setKeys.map { ($0, origin($0)) }),
            file: file)
    }

    /// The base settings changed by `edit`.
    static func with(_ edit: (inout Settings) -> Void) -> Settings {
        var settings = base
        edit(&settings)
        return settings
    }

    /// Lint with the default gate; the test fails on a thrown error.
    static func lint(_ settings: Settings, gate: GateSettings = GateSettings()) throws -> [Finding] {
        try Linter.lint(settings, gate: gate)
    }

    /// The findings of one rule.
    static func findings(_ id: String, in settings: Settings, gate: GateSettings = GateSettings()) throws -> [Finding] {
        try lint(settings, gate: gate).filter { $0.ruleID == id }
    }
}
