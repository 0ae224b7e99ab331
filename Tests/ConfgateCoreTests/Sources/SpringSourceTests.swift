import Testing
@testable import ConfgateCore

@Suite("Sources: Spring Boot application.yml and .properties")
struct SpringSourceTests {
    private func direct(_ text: String, name: String = "application.yml", more: [String: String] = [:],
                        options: SourceOptions = .init()) throws -> Settings {
        try MemoryFiles.settings(direct: name, more.merging([name: text]) { a, _ in a }, options: options)
    }

    @Test func nestedKebabKeysWithPositions() throws {
        let settings = try direct("""
            spring:
              datasource:
                url: jdbc:postgresql://db.internal:5432/auth?ApplicationName=auth&connectTimeout=5
                hikari:
                  maximum-pool-size: 20
                  minimum-idle: 5
                  connection-timeout: 2000
                  idle-timeout: 300_000
                  max-lifetime: "1800000"
            """)
        #expect(settings.pool.maxSize == 20)
        #expect(settings.pool.minIdle == 5)
        #expect(settings.pool.acquireTimeout == .milliseconds(2000))
        #expect(settings.pool.idleTimeout == .minutes(5))
        #expect(settings.pool.maxLifetime == .minutes(30))
        #expect(settings.origins["pool.max_size"]?.key.short == "application.yml:5:7")
        #expect(settings.origins["pool.max_size"]?.value.short == "application.yml:5:26")
        #expect(settings.origins["pool.idle_timeout"]?.text == "300_000")
        #expect(settings.origins["pool.max_lifetime"]?.value.short == "application.yml:9:21")
        #expect(settings.database.dsn?["host"] == "db.internal")
        #expect(settings.database.dsn?["dbname"] == "auth")
        #expect(settings.database.dsn?["application_name"] == "auth")
        #expect(settings.database.connectTimeout == .seconds(5))
    }

    @Test func flatDottedAndCamelCaseKeysBindAlike() throws {
        let flat = try direct("spring.datasource.hikari.maximum-pool-size: 12\n")
        let camel = try direct("spring:\n  datasource:\n    hikari:\n      maximumPoolSize: 13\n")
        let underscore = try direct("spring.datasource.hikari.maximum_pool_size: 14\n")
        #expect(flat.pool.maxSize == 12)
        #expect(flat.origins["pool.max_size"]?.key.short == "application.yml:1:1")
        #expect(camel.pool.maxSize == 13)
        #expect(underscore.pool.maxSize == 14)
    }

    @Test func decoysAreNotPoolKeys() throws {
        let settings = try direct("""
            spring:
              task:
                execution:
                  pool:
                    max-size: 64
              datasource:
                hikari:
                  data-source-properties:
                    maximumPoolSize: 99
            cache:
              maximumPoolSize: 77
            """)
        #expect(settings.pool.maxSize == 10)
        #expect(settings.origins["pool.max_size"] == nil)
        #expect(settings.notes.contains { $0.message.contains("HikariCP's default 10") })
    }

    @Test func laterDocumentForActiveProfileWins() throws {
        let text = """
            spring.datasource.hikari.maximum-pool-size: 10
            ---
            spring:
              config:
                activate:
                  on-profile: prod
              datasource.hikari.maximum-pool-size: 25
            ---
            spring:
              profiles: staging
              datasource.hikari.maximum-pool-size: 5
            """
        #expect(try direct(text).pool.maxSize == 10)
        let prod = try direct(text, options: .init(profiles: ["prod"]))
        #expect(prod.pool.maxSize == 25)
        #expect(prod.origins["pool.max_size"]?.value.short == "application.yml:7:40")
        #expect(try direct(text, options: .init(profiles: ["staging"])).pool.maxSize == 5)
    }

    @Test func profileFileOverridesTheBaseFile() throws {
        let settings = try direct(
            "spring.datasource.hikari.maximum-pool-size: 10\nspring.profiles.active: prod\n",
            more: ["application-prod.yml": "spring:\n  datasource:\n    hikari:\n      maximum-pool-size: 30\n"])
        #expect(settings.pool.maxSize == 30)
        #expect(settings.origins["pool.max_size"]?.value.short == "application-prod.yml:4:26")
        #expect(settings.origins["pool.max_size"]?.via == "profile prod")
    }

    @Test func placeholdersResolveFromEnvironmentThenDefault() throws {
        let text = "spring.datasource.hikari.maximum-pool-size: ${DB_POOL_SIZE:10}\n"
        let fallback = try direct(text)
        #expect(fallback.pool.maxSize == 10)
        #expect(fallback.origins["pool.max_size"]?.via?.contains("not set: its default `10`") == true)
        let fromEnv = try direct(text, options: .init(environment: ["DB_POOL_SIZE": "18"]))
        #expect(fromEnv.pool.maxSize == 18)
        #expect(fromEnv.origins["pool.max_size"]?.value.file == "--env")
    }

    @Test func unresolvablePlaceholderIsBadInputAtTheValue() throws {
        let error = MemoryFiles.error { try direct("spring.datasource.hikari.maximum-pool-size: ${DB_POOL_SIZE}\n") }
        #expect(error?.kind == .badInput)
        #expect(error?.location?.short == "application.yml:1:45")
        #expect(error?.message.contains("`${DB_POOL_SIZE}`") == true)
    }

    @Test func selfReferencingPlaceholderIsBadInput() throws {
        let error = MemoryFiles.error { try direct("pool.size: ${pool.size}\nspring.datasource.hikari.maximum-pool-size: ${pool.size}\n") }
        #expect(error?.message.contains("refers to itself") == true)
    }

    @Test func environmentVariableOverridesTheFile() throws {
        let settings = try direct("spring.datasource.hikari.maximum-pool-size: 10\n",
                                  options: .init(environment: ["SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE": "40"]))
        #expect(settings.pool.maxSize == 40)
    }

    @Test func misSplitEnvironmentVariableIsNoted() throws {
        let settings = try direct("spring.datasource.hikari.connection-timeout: 30000\n",
                                  options: .init(environment: ["SPRING_DATASOURCE_HIKARI_CONNECTION_TIMEOUT": "2000"]))
        #expect(settings.pool.acquireTimeout == .seconds(30))
        #expect(settings.notes.contains { $0.message.contains("SPRING_DATASOURCE_HIKARI_CONNECTIONTIMEOUT") })
    }

    @Test func wrongTypeIsBadInputNamingTheSpringKey() throws {
        let error = MemoryFiles.error { try direct("spring:\n  datasource:\n    hikari:\n      maximum-pool-size: ten\n") }
        #expect(error?.location?.short == "application.yml:4:26")
        #expect(error?.message == "`maximum-pool-size` expects a whole number, got `ten`")
        let ms = MemoryFiles.error { try direct("spring.datasource.hikari.connection-timeout: 30s\n") }
        #expect(ms?.message.contains("milliseconds") == true)
    }

    @Test func jdbcURLOfAnotherDatabaseIsBadInput() throws {
        let error = MemoryFiles.error { try direct("spring.datasource.url: jdbc:mysql://db/auth\n") }
        #expect(error?.message.contains("jdbc:mysql") == true)
        #expect(error?.location?.short == "application.yml:1:24")
    }

    @Test func jdbcURLGivesDSNStatementTimeoutAndPgJDBCDefaults() throws {
        let settings = try direct("""
            spring:
              datasource:
                url: jdbc:postgresql://db:5433/auth?options=-c%20statement_timeout=2000
                username: auth
                password: s3cret
            """)
        let dsn = try #require(settings.database.dsn)
        #expect(dsn["port"] == "5433")
        #expect(dsn["user"] == "auth")
        #expect(dsn["password"] == "s3cret")
        #expect(settings.database.statementTimeout == .seconds(2))
        #expect(settings.database.connectTimeout == .seconds(10))
        #expect(settings.origins["database.statement_timeout"]?.text == "options=-c statement_timeout=2000ms")
        #expect(settings.origins.values.allSatisfy { !($0.text ?? "").contains("s3cret") })
    }

    @Test func mergeKeysAndAnchors() throws {
        let settings = try direct("""
            defaults: &pool
              maximum-pool-size: 8
              minimum-idle: 2
            spring:
              datasource:
                hikari:
                  <<: *pool
                  minimum-idle: 4
            """)
        #expect(settings.pool.maxSize == 8)
        #expect(settings.pool.minIdle == 4)
        #expect(settings.origins["pool.max_size"]?.value.short == "application.yml:2:22")
    }

    @Test func propertiesFileWithContinuationAndComments() throws {
        let settings = try direct("""
            ! a comment
            # another
            spring.datasource.url=jdbc:postgresql://db/auth?\\
                ApplicationName=auth
            spring.datasource.hikari.maximum-pool-size : 16
            spring.datasource.hikari.minimumIdle 4
            #spring.datasource.hikari.maximum-pool-size=99
            """, name: "application.properties")
        #expect(settings.pool.maxSize == 16)
        #expect(settings.pool.minIdle == 4)
        #expect(settings.origins["pool.max_size"]?.value.short == "application.properties:5:46")
        #expect(settings.database.dsn?["application_name"] == "auth")
    }

    @Test func yamlSyntaxErrorIsBadInputWithTheLibraryMark() throws {
        let error = MemoryFiles.error { try direct("spring:\n  datasource:\n    hikari: [unclosed\n") }
        #expect(error?.kind == .badInput)
        #expect(error?.location?.file == "application.yml")
        #expect(error?.message.hasPrefix("invalid YAML") == true)
    }

    @Test func plainHikariPropertiesWithPrefix() throws {
        let settings = try MemoryFiles.settings(map: """
            [pool]
            source = "hikari:db.properties"
            prefix = "jdbc."
            """, ["db.properties": "jdbc.jdbcUrl=jdbc:postgresql://db/auth\njdbc.maximumPoolSize=9\njdbc.dataSource.maximumPoolSize=50\n"])
        #expect(settings.pool.maxSize == 9)
        #expect(settings.origins["pool.max_size"]?.value.short == "db.properties:2:22")
    }
}
