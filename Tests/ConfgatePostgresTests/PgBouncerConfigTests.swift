import ConfgateCore
import Testing
@testable import ConfgatePostgres

/// The pure parts of the pooler tier: the generated files, `SHOW POOLS` parsing, how session
/// settings are taken out of `options`, the version line. Nothing is started.
@Suite("PgBouncer config (pure)")
struct PgBouncerConfigTests {
    static let upstream = ConnectionTarget(host: "/dev/shm/cg-up1234", port: 5432, database: "auth", user: "auth")

    func config(_ options: PgBouncerOptions = .init(), upstream: ConnectionTarget = upstream) -> PgBouncerConfig {
        PgBouncerConfig(options: options, upstream: upstream, directory: "/dev/shm/cg-pb5678", port: 6432,
                        serviceRole: "auth", adminRole: "confgate_pooler", adminPassword: "0123abcd")
    }

    /// `name = value` lines of the `[pgbouncer]` section.
    func settings(_ ini: String) -> [String: String] {
        var out: [String: String] = [:]
        var inSection = false
        for line in ini.split(separator: "\n") {
            if line.hasPrefix("[") { inSection = line == "[pgbouncer]"; continue }
            guard inSection, !line.hasPrefix(";"), let eq = line.firstIndex(of: "=") else { continue }
            out[line[..<eq].trimmingSpaces()] = line[line.index(after: eq)...].trimmingSpaces()
        }
        return out
    }

    @Test func iniHoldsTheUpstreamTheSocketAuthAndEveryOption() {
        let options = PgBouncerOptions.with {
            $0.poolMode = .transaction; $0.maxClientConn = 3; $0.defaultPoolSize = 2; $0.minPoolSize = 1
            $0.reservePoolSize = 4; $0.reservePoolTimeout = .milliseconds(250); $0.maxDbConnections = 7
            $0.maxUserConnections = 8; $0.serverIdleTimeout = .seconds(30); $0.serverLifetime = .seconds(90)
            $0.queryWaitTimeout = .seconds(0)
        }
        let ini = config(options).ini
        #expect(ini.contains("[databases]\nauth = host=/dev/shm/cg-up1234 port=5432 dbname=auth\n"))
        let s = settings(ini)
        #expect(s["listen_addr"] == "")
        #expect(s["listen_port"] == "6432")
        #expect(s["unix_socket_dir"] == "/dev/shm/cg-pb5678")
        #expect(s["pidfile"] == "/dev/shm/cg-pb5678/pgbouncer.pid")
        #expect(s["auth_type"] == "hba")
        #expect(s["auth_hba_file"] == "/dev/shm/cg-pb5678/hba.conf")
        #expect(s["auth_file"] == "/dev/shm/cg-pb5678/userlist.txt")
        #expect(s["admin_users"] == "confgate_pooler")
        #expect(s["stats_users"] == "confgate_pooler")
        #expect(s["ignore_startup_parameters"] == "extra_float_digits")
        #expect(s["logfile"] == nil)
        #expect(s["pool_mode"] == "transaction")
        #expect(s["max_client_conn"] == "4", "one more than asked: the held console connection counts")
        #expect(s["default_pool_size"] == "2")
        #expect(s["min_pool_size"] == "1")
        #expect(s["reserve_pool_size"] == "4")
        #expect(s["reserve_pool_timeout"] == "0.25")
        #expect(s["max_db_connections"] == "7")
        #expect(s["max_user_connections"] == "8")
        #expect(s["server_idle_timeout"] == "30")
        #expect(s["server_lifetime"] == "90")
        #expect(s["query_wait_timeout"] == "0")
        #expect(!ini.contains("0123abcd"), "the admin password is only in the auth file")
    }

    @Test func extraSettingsComeLastAndTcpUpstreamsWork() {
        let tcp = ConnectionTarget(host: "127.0.0.1", port: 15432, database: "my db", user: "auth")
        let ini = config(PgBouncerOptions(extraSettings: ["log_connections": "1"]), upstream: tcp).ini
        #expect(ini.contains("my db = host=127.0.0.1 port=15432 dbname='my db'"))
        let lines = ini.split(separator: "\n")
        #expect(lines.last == "log_connections = 1")
    }

    @Test func authAndHbaFiles() {
        let c = config(upstream: ConnectionTarget(host: "/x", port: 5432, database: "auth", user: "auth", password: "p\"w"))
        #expect(c.authFileText == "\"auth\" \"p\"\"w\"\n\"confgate_pooler\" \"0123abcd\"\n")
        #expect(c.hba == "local pgbouncer confgate_pooler scram-sha-256\nlocal auth auth trust\n")
        #expect(config().authFileText.hasPrefix("\"auth\" \"\"\n"))
    }

    @Test func secondsAsPgBouncerReadsThem() {
        #expect(PgBouncerConfig.seconds(.seconds(5)) == "5")
        #expect(PgBouncerConfig.seconds(.milliseconds(1500)) == "1.5")
        #expect(PgBouncerConfig.seconds(.microseconds(1)) == "0.000001")
        #expect(PgBouncerConfig.seconds(.zero) == "0")
    }

    @Test func versionLineAndStopSignal() {
        #expect(PgBouncerInstallation.parseVersion("PgBouncer 1.18.0\nlibevent 2.1.12-stable\n") == "1.18.0")
        #expect(PgBouncerInstallation.parseVersion("pgbouncer version 1.7") == nil)
        func signal(_ v: String) -> String { PgBouncerInstallation(path: "/x", version: v, foundBy: "").stopSignal }
        #expect(signal("1.18.0") == "TERM")
        #expect(signal("1.22.1") == "TERM")
        #expect(signal("1.23.0") == "QUIT")
        #expect(signal("2.0") == "QUIT")
    }
}

@Suite("SHOW POOLS parsing")
struct PgBouncerPoolRowTests {
    /// PgBouncer 1.18's columns, as psql showed them on this machine.
    static let columns = ["database", "user", "cl_active", "cl_waiting", "cl_active_cancel_req", "cl_waiting_cancel_req",
                          "sv_active", "sv_active_cancel", "sv_being_canceled", "sv_idle", "sv_used", "sv_tested",
                          "sv_login", "maxwait", "maxwait_us", "pool_mode"]

    @Test func readsRowsByColumnName() throws {
        let rows: [[String?]] = [
            ["auth", "auth", "1", "2", "0", "0", "1", "0", "0", "0", "0", "0", "0", "1", "424132", "session"],
            ["pgbouncer", "pgbouncer", "1", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "0", "statement"],
        ]
        let pools = try PgBouncerPoolRow.parse(columns: Self.columns, rows: rows)
        #expect(pools.count == 2)
        #expect(pools[0] == PgBouncerPoolRow(
            database: "auth", user: "auth", clActive: 1, clWaiting: 2, svActive: 1, svIdle: 0, svUsed: 0,
            svTested: 0, svLogin: 0, maxwait: 1, maxwaitUs: 424132, poolMode: "session"))
        #expect(pools[0].maxWait == .microseconds(1_424_132))
        #expect(pools[0].serverConnections == 1)
        #expect(pools[1].poolMode == "statement")
    }

    @Test func missingColumnsAndBadNumbersAreErrors() throws {
        #expect(throws: PgBouncerPoolRow.ParseError.self) {
            try PgBouncerPoolRow.parse(columns: ["database", "user"], rows: [["a", "b"]])
        }
        var row: [String?] = Array(repeating: "0", count: Self.columns.count)
        row[0] = "auth"; row[1] = "auth"; row[15] = "session"; row[2] = "many"
        #expect(throws: PgBouncerPoolRow.ParseError.self) { try PgBouncerPoolRow.parse(columns: Self.columns, rows: [row]) }
        #expect(try PgBouncerPoolRow.parse(columns: Self.columns, rows: []) == [])
    }
}

@Suite("Pooled session settings")
struct PooledSessionSettingsTests {
    @Test func optionsBecomeRoleDefaults() throws {
        let target = ConnectionTarget(host: "/pb", port: 6432, database: "auth", user: "auth")
        let db = Settings.Database(statementTimeout: .milliseconds(1500), idleInTransactionSessionTimeout: .seconds(10))
        let split = try PooledSessionSettings.split(connectionParameters(dsn: nil, target: target, database: db))
        #expect(split.parameters["options"] == nil)
        #expect(split.parameters["host"] == "/pb")
        #expect(split.settings == [.init(name: "statement_timeout", value: "1500"),
                                   .init(name: "idle_in_transaction_session_timeout", value: "10000")])
        #expect(split.roleDefaultsSQL(role: "auth", database: "auth") == [
            "ALTER ROLE auth IN DATABASE auth RESET ALL",
            "ALTER ROLE auth IN DATABASE auth SET statement_timeout = '1500'",
            "ALTER ROLE auth IN DATABASE auth SET idle_in_transaction_session_timeout = '10000'",
        ])
    }

    @Test func everyOptionsSpellingAndNone() throws {
        let split = try PooledSessionSettings.split(["options": "-c a=1 -cb=x --work-mem=4MB -c search_path='s'"])
        #expect(split.settings.map(\.name) == ["a", "b", "work_mem", "search_path"])
        #expect(split.settings.last?.value == "'s'")
        #expect(try PooledSessionSettings.split(["user": "auth"]).settings.isEmpty)
    }

    @Test func otherOptionsAreBadInput() {
        #expect(throws: ConfgateError.self) { try PooledSessionSettings.split(["options": "-c statement_timeout=1 -e"]) }
        #expect(throws: ConfgateError.self) { try PooledSessionSettings.split(["options": "-c =1"]) }
    }
}
