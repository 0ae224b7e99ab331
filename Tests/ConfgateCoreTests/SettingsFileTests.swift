import Testing
@testable import ConfgateCore

@Suite("Settings file: values, units and defaults")
struct SettingsFileTests {
    private func parse(_ text: String) throws -> Settings { try SettingsFile.parse(text, file: "t.conf") }

    @Test func emptyFileHoldsEveryDefault() throws {
        let settings = try parse("# nothing set\n")
        #expect(settings.database.dsn == nil)
        #expect(settings.database.connectTimeout == nil)
        #expect(settings.database.statementTimeout == nil)
        #expect(settings.database.idleInTransactionSessionTimeout == nil)
        #expect(settings.pool.maxSize == 10)
        #expect(settings.pool.minIdle == nil)
        #expect(settings.pool.effectiveMinIdle == 10)
        #expect(settings.pool.acquireTimeout == .seconds(30))
        #expect(settings.pool.idleTimeout == .minutes(10))
        #expect(settings.pool.maxLifetime == .minutes(30))
        #expect(settings.fleet.instances == 1)
        #expect(settings.fleet.maxSurge == 0)
        #expect(settings.fleet.requestTimeout == .seconds(30))
        #expect(settings.server.maxConnections == 100)
        #expect(settings.server.superuserReservedConnections == 3)
        #expect(settings.server.reservedConnections == 0)
        #expect(settings.server.otherClients == 0)
        #expect(settings.origins.isEmpty)
        #expect(settings.file == "t.conf")
    }

    @Test func minIdleDefaultsToMaxSize() throws {
        #expect(try parse("[pool]\nmax_size = 7").pool.effectiveMinIdle == 7)
        #expect(try parse("[pool]\nmax_size = 7\nmin_idle = 2").pool.effectiveMinIdle == 2)
    }

    @Test func designExampleParses() throws {
        let settings = try parse("""
            # auth-service database connection settings
            [database]
            dsn = "postgresql://auth@db.internal:5432/auth?application_name=auth-service"
            connect_timeout = 5s                      # libpq connect_timeout; unset = wait forever
            statement_timeout = 2s                    # set per connection
            idle_in_transaction_session_timeout = 10s

            [pool]                                    # per service instance; defaults follow HikariCP
            max_size = 20                             # default 10
            min_idle = 20                             # default = max_size (a fixed-size pool)
            acquire_timeout = 30s                     # how long a request waits for a connection; default 30s
            idle_timeout = 10min                      # default 10min; no effect on a fixed-size pool
            max_lifetime = 30min                      # default 30min

            [fleet]
            instances = 6                             # service instances, each with its own pool
            max_surge = 2                             # extra instances during a rolling deploy; default 0
            request_timeout = 10s                     # what callers wait for a login; default 30s

            [server]                                  # the PostgreSQL server the fleet uses
            max_connections = 100                     # default 100
            superuser_reserved_connections = 3        # default 3
            reserved_connections = 0                  # PostgreSQL 16+; default 0
            other_clients = 10                        # connections other applications hold; default 0
            """)
        #expect(settings.database.dsn?["host"] == "db.internal")
        #expect(settings.database.dsn?["application_name"] == "auth-service")
        #expect(settings.database.connectTimeout == .seconds(5))
        #expect(settings.database.statementTimeout == .seconds(2))
        #expect(settings.database.idleInTransactionSessionTimeout == .seconds(10))
        #expect(settings.pool.maxSize == 20)
        #expect(settings.pool.minIdle == 20)
        #expect(settings.pool.acquireTimeout == .seconds(30))
        #expect(settings.fleet.instances == 6)
        #expect(settings.fleet.maxSurge == 2)
        #expect(settings.fleet.requestTimeout == .seconds(10))
        #expect(settings.server.otherClients == 10)
        #expect(settings.origins.count == 16)
        #expect(settings.sections["pool"] == ConfgateCore.SourceLocation(file: "t.conf", line: 8, column: 1))
    }

    @Test func originsRecordKeyValueCommentAndText() throws {
        let settings = try parse("[pool]\n  max_size =  20   # confgate: ignore CG101 -- reviewed\n")
        let origin = try #require(settings.origins["pool.max_size"])
        #expect(origin.key == ConfgateCore.SourceLocation(file: "t.conf", line: 2, column: 3))
        #expect(origin.value == ConfgateCore.SourceLocation(file: "t.conf", line: 2, column: 15))
        #expect(origin.comment == "confgate: ignore CG101 -- reviewed")
        #expect(origin.text == "20")
    }

    @Test func theDSNIsNeverCopiedIntoItsOrigin() throws {
        let settings = try parse("[database]\ndsn = 'host=h password=hunter2'")
        #expect(settings.origins["database.dsn"]?.text == nil)
    }

    @Test(arguments: SettingDuration.units.map(\.name))
    func everyUnitRoundTrips(unit: String) throws {
        let size = try #require(SettingDuration.units.first { $0.name == unit }).microseconds
        let value = try parse("[pool]\nidle_timeout = 7\(unit)").pool.idleTimeout
        #expect(value.microseconds == 7 * size)
        #expect(value.description == "7\(unit)")
        #expect(try parse("[pool]\nidle_timeout = \(value)").pool.idleTimeout == value)
    }

    @Test(arguments: [
        ("30s", 30_000_000), ("30000ms", 30_000_000), ("30 s", 30_000_000), ("0.5min", 30_000_000),
        ("1.5s", 1_500_000), ("250ms", 250_000), ("0.25ms", 250), ("1d", 86_400_000_000),
        ("2h", 7_200_000_000), ("0", 0), ("0s", 0), ("'30s'", 30_000_000), ("\"30s\"", 30_000_000),
    ] as [(String, Int64)])
    func durationsAreExact(text: String, microseconds: Int64) throws {
        #expect(try parse("[pool]\nacquire_timeout = \(text)").pool.acquireTimeout.microseconds == microseconds)
    }

    @Test func equalDurationsAreEqualWhateverTheUnit() throws {
        let a = try parse("[pool]\nacquire_timeout = 30s").pool.acquireTimeout
        let b = try parse("[pool]\nacquire_timeout = 30000ms").pool.acquireTimeout
        let c = try parse("[pool]\nacquire_timeout = 0.5min").pool.acquireTimeout
        #expect(a == b && b == c)
        #expect(a.description == "30s")
        #expect(SettingDuration(microseconds: 1_500_000).description == "1500ms")
    }

    @Test(arguments: ["off", "0", "0s", "0ms", "OFF"])
    func optionalTimeoutsSwitchOff(text: String) throws {
        let settings = try parse("[database]\nstatement_timeout = \(text)\nconnect_timeout = \(text)")
        #expect(settings.database.statementTimeout == nil)
        #expect(settings.database.connectTimeout == nil)
        #expect(settings.origins["database.statement_timeout"] != nil)
    }

    @Test func quotingAndComments() throws {
        let document = try ConfDocument.parse(#"""
            [s]
            a = "x \"y\" # not a comment"   # a comment
            b = 'it''s'
            c = plain value with spaces  # trailing
            d = ''
            e = "back\\slash"
            """#, file: "t.conf")
        let entries = document.entries
        #expect(entries.map(\.value) == [#"x "y" # not a comment"#, "it's", "plain value with spaces", "", #"back\slash"#])
        #expect(entries.map(\.comment) == ["a comment", nil, "trailing", nil, nil])
        #expect(entries.map(\.quoted) == [true, true, false, true, true])
        #expect(entries.allSatisfy { $0.section == "s" })
    }

    @Test func repeatedSectionsMerge() throws {
        let settings = try parse("[pool]\nmax_size = 4\n[fleet]\ninstances = 2\n[pool]\nmin_idle = 1")
        #expect(settings.pool.maxSize == 4 && settings.pool.minIdle == 1 && settings.fleet.instances == 2)
        #expect(settings.sections["pool"]?.line == 1)
    }

    @Test func aConnectTimeoutInTheDSNCounts() throws {
        let settings = try parse("[database]\ndsn = \"postgresql://h/db?connect_timeout=10\"")
        #expect(settings.database.connectTimeout == .seconds(10))
        #expect(settings.origins["database.connect_timeout"]?.value.line == 2)
        let agreeing = try parse("[database]\ndsn = 'host=h connect_timeout=10'\nconnect_timeout = 10s")
        #expect(agreeing.database.connectTimeout == .seconds(10))
    }

    @Test func fixturesParse() throws {
        for name in ["current", "outage", "deploy-overflow", "harmless", "pool-shrink"] {
            let settings = try SettingsFile.load(path: Fixtures.path("\(name).conf"))
            #expect(settings.fleet.instances == 6)
            #expect(settings.server.maxConnections == 100)
        }
    }
}

@Suite("Gate file: values and defaults")
struct GateFileTests {
    @Test func emptyFileHoldsEveryDefault() throws {
        let gate = try GateFile.parse("", file: "g.gate")
        #expect(gate.load == GateSettings.Load())
        #expect(gate.load.rate == 400)
        #expect(gate.load.duration == .seconds(10))
        #expect(gate.load.warmup == .seconds(2))
        #expect(gate.load.spike == GateSettings.Spike(multiplier: 3, duration: .seconds(4)))
        #expect(gate.load.deploy == true)
        #expect(gate.load.users == 10_000)
        #expect(gate.load.badPasswordRatio == 0.05)
        #expect(gate.load.dbTime == .milliseconds(5))
        #expect(gate.load.trials == 3)
        #expect(gate.load.seed == 1)
        #expect(gate.gate.maxFailedLogins == 0)
        #expect(gate.gate.latencyTolerance == 0.10)
        #expect(gate.gate.confidence == 0.95)
        #expect(gate.gate.maxUtilization == 0.90)
        #expect(gate.lint.ignore.isEmpty)
    }

    @Test func fixtureGateIsTheDefaults() throws {
        let gate = try GateFile.load(path: Fixtures.path("confgate.gate"))
        #expect(gate.load == GateSettings.Load())
        #expect(gate.gate == GateSettings.Gate())
        #expect(gate.lint.ignore.isEmpty)
        #expect(gate.origins.count == 15)
    }

    @Test func everyKeyIsRead() throws {
        let gate = try GateFile.parse("""
            [load]
            rate = 90/min
            duration = 1min
            warmup = 0
            spike = off
            deploy = no
            users = 500
            bad_password_ratio = 2.5%
            db_time = 0
            trials = 5
            seed = 18446744073709551615
            [gate]
            max_failed_logins = 3
            latency_tolerance = 25%
            confidence = 99%
            max_utilization = 100%
            [lint]
            ignore = cg110,  CG111 # both reviewed
            """, file: "g.gate")
        #expect(gate.load.rate == 1.5)
        #expect(gate.load.duration == .minutes(1))
        #expect(gate.load.warmup.microseconds == 0)
        #expect(gate.load.spike == nil)
        #expect(gate.load.deploy == false)
        #expect(gate.load.users == 500)
        #expect(gate.load.badPasswordRatio == 0.025)
        #expect(gate.load.dbTime.microseconds == 0)
        #expect(gate.load.trials == 5)
        #expect(gate.load.seed == UInt64.max)
        #expect(gate.gate.maxFailedLogins == 3)
        #expect(gate.gate.latencyTolerance == 0.25)
        #expect(gate.gate.confidence == 0.99)
        #expect(gate.gate.maxUtilization == 1)
        #expect(gate.lint.ignore == ["CG110", "CG111"])
        #expect(gate.origins["lint.ignore"]?.comment == "both reviewed")
    }

    @Test(arguments: ["on", "off", "true", "false", "yes", "no", "1", "0", "ON", "Yes"])
    func booleans(text: String) throws {
        let gate = try GateFile.parse("[load]\ndeploy = \(text)", file: "g.gate")
        #expect(gate.load.deploy == ["on", "true", "yes", "1"].contains(text.lowercased()))
    }

    @Test func spikeReadsMultiplierAndDuration() throws {
        let gate = try GateFile.parse("[load]\nspike = 2.5x for 1500ms", file: "g.gate")
        #expect(gate.load.spike == GateSettings.Spike(multiplier: 2.5, duration: .milliseconds(1500)))
        #expect(gate.load.spike?.description == "2.5x for 1500ms")
    }

    @Test func resolveFallsBackToDefaults() throws {
        let gate = try GateFile.resolve(path: nil, directory: "/nonexistent-confgate-dir")
        #expect(gate == GateSettings())
    }
}

/// Flags take `m` for minutes (`run --duration 10m`, `canary --duration 10m`); files keep
/// postgresql.conf's `min`, and `ms` stays milliseconds.
@Suite struct FlagDurationTests {
    @Test func flagsSpellMinutesAsMAndFilesAsMin() throws {
        #expect(SettingDuration.flagSpelling("10m") == "10min")
        #expect(SettingDuration.flagSpelling(" 10m ") == "10min")
        for same in ["10min", "500ms", "90s", "2h", "off"] {
            #expect(SettingDuration.flagSpelling(same) == same)
        }
        var o = LoadOverrides()
        o.set("duration", SettingDuration.flagSpelling("2m"))
        #expect(try o.apply(to: GateSettings()).load.duration == .minutes(2))
    }
}
