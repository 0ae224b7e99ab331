import Foundation
import Testing
@testable import ConfgateCore

/// A second datasource in a Spring service's files: found by `confgate init` in the shapes
/// public services write (SpringDatasources), and read as `[pool.NAME]` wherever its pool keys
/// sit under its prefix (SpringSource.poolPrefix).
@Suite("Sources: further Spring datasources, found and read")
struct SpringDatasourcesTests {
    /// The datasources of one YAML file held in memory.
    static func survey(_ yaml: String, file: String = "application.yml") -> SpringDatasources {
        SpringDatasources(FleetMapDraft.springProperties(file, text: yaml), files: [file])
    }

    static func prefixes(_ survey: SpringDatasources) -> [String] { survey.named.map { "\($0.name)=\($0.prefix)" } }

    @Test func theOrdersFixturesFourPoolsAndNotItsDecoys() throws {
        let file = "named-pools/orders/src/main/resources/application.yml"
        let s = Self.survey(try String(contentsOfFile: Fixtures.path(file), encoding: .utf8), file: file)
        #expect(s.main == nil)  // spring.datasource is the main pool
        #expect(Self.prefixes(s) == ["read=spring.datasource.hikari.read", "reporting=app.datasource.reporting", "audit=app.datasource.audit"])
        #expect(s.named.first?.location.short == "\(file):14:9")
        // Flyway's url, the thread pool and the cache are not datasources; the MySQL one is said.
        #expect(s.remarks == ["app.datasource.legacy (\(file):35:17) is a jdbc:mysql datasource, another database's: not mapped"])
    }

    @Test func theDecoysFixtureHasOneReplica() throws {
        let file = "sources/spring/decoys/application.yml"
        let s = Self.survey(try String(contentsOfFile: Fixtures.path(file), encoding: .utf8), file: file)
        #expect(Self.prefixes(s) == ["replica=app.datasource.replica"])  // not cache.hazelcast, not data-source-properties
    }

    @Test func masterAndSlaveWithoutSpringsOwnMakeTheMasterTheMainPool() {
        let s = Self.survey("""
            spring:
              datasource:
                master:
                  hikari:
                    jdbc-url: jdbc:postgresql://primary:5432/app
                    maximum-pool-size: 20
                slave:
                  hikari:
                    jdbc-url: jdbc:postgresql://standby:5432/app
                    maximum-pool-size: 8
            """)
        #expect(s.main?.prefix == "spring.datasource.master")
        #expect(Self.prefixes(s) == ["slave=spring.datasource.slave"])
        #expect(s.remarks.isEmpty)
    }

    /// What init writes for that service: [database] and [pool] read the master, and the
    /// map read back gives both pools from the file.
    @Test func theDraftGivesTheMainPoolItsPrefix() throws {
        let path = "src/main/resources/application.yml"
        let yaml = """
            spring:
              datasource:
                master:
                  hikari:
                    jdbc-url: jdbc:postgresql://primary:5432/app
                    maximum-pool-size: 20
                slave:
                  hikari:
                    jdbc-url: jdbc:postgresql://standby:5432/app
                    maximum-pool-size: 8
            """
        let text = FleetMapDraft.discover(paths: [path]) { _ in yaml }.render()
        #expect(text.contains("[pool]\nsource = \"spring:\(path)\"\nprefix = \"spring.datasource.master\"\n"))
        #expect(text.contains("[database]\nsource = \"spring:\(path)\"\nprefix = \"spring.datasource.master\"\n"))
        #expect(text.contains("[pool.slave]\nsource = \"spring:\(path)\"\nprefix = \"spring.datasource.slave\"\n"))
        let settings = try MemoryFiles.settings(direct: "confgate.conf", ["confgate.conf": text, path: yaml])
        #expect(settings.pool.maxSize == 20 && settings.namedPool("slave")?.maxSize == 8)
        #expect(settings.database.dsn?["host"] == "primary")
    }

    @Test func namedDatasourcesWithoutSpringsOwnSayThatPoolCountsTheDefault() {
        let s = Self.survey("""
            spring:
              datasource:
                db0:
                  url: jdbc:postgresql://a:5432/x
                db1:
                  url: ${DB1_URL}
            """)
        #expect(s.main == nil)
        #expect(Self.prefixes(s) == ["db0=spring.datasource.db0", "db1=spring.datasource.db1"])
        #expect(s.remarks.first?.contains("HikariCP's default 10") == true)
    }

    @Test func namesComeFromThePrefixAsWrittenAndStayUnique() {
        let s = Self.survey("""
            spring:
              datasource:
                url: jdbc:postgresql://a:5432/x
              replica:
                datasource:
                  url: jdbc:postgresql://r1:5432/x
              datasource-replica:
                hikari:
                  maximum-pool-size: 3
            app:
              readReplica:
                datasource:
                  jdbcUrl: jdbc:postgresql://r2:5432/x
            """)
        #expect(Self.prefixes(s) == ["replica=spring.replica.datasource", "replica_2=spring.datasource-replica",
                                     "readreplica=app.readReplica.datasource"])
    }

    @Test func aPropertiesFileAndAProfileFileCountToo() {
        let main = "application.properties", prod = "application-prod.yml"
        var properties = FleetMapDraft.springProperties(main, text: """
            spring.datasource.url=jdbc:postgresql://a:5432/x
            app.datasource.reporting.jdbc-url=jdbc:postgresql://b:5432/x
            app.datasource.reporting.maximum-pool-size=4
            """)
        properties.overlay(FleetMapDraft.springProperties(prod, text: """
            app:
              datasource:
                archive:
                  configuration:
                    maximum-pool-size: 2
            """))
        let s = SpringDatasources(properties, files: [main, prod])
        #expect(Self.prefixes(s) == ["reporting=app.datasource.reporting", "archive=app.datasource.archive"])
    }

    // MARK: - Reading the pool at the prefix init writes

    @Test func poolKeysAreReadWhereverThePrefixKeepsThem() throws {
        let map = """
            [pool]
            source = "spring:application.yml"
            [pool.read]
            source = "spring:application.yml"
            prefix = "spring.datasource.hikari.read"
            [pool.reporting]
            source = "spring:application.yml"
            prefix = "app.datasource.reporting"
            [pool.audit]
            source = "spring:application.yml"
            prefix = "app.datasource.audit"
            """
        let s = try FixtureShapesTests.map(in: "../named-pools/orders/src/main/resources", map)
        let f = "../named-pools/orders/src/main/resources/application.yml"
        #expect(s.pool.maxSize == 12 && FixtureShapesTests.at(s, "pool.max_size") == "\(f):11:26")
        #expect(s.namedPool("read")?.maxSize == 5 && FixtureShapesTests.at(s, "pool.read.max_size") == "\(f):15:28")
        #expect(s.namedPool("reporting")?.maxSize == 4 && FixtureShapesTests.at(s, "pool.reporting.max_size") == "\(f):27:26")
        #expect(s.namedPool("reporting")?.minIdle == 1)
        #expect(s.namedPool("audit")?.maxSize == 3 && FixtureShapesTests.at(s, "pool.audit.max_size") == "\(f):32:28")
        #expect(s.namedPool("audit")?.acquireTimeout == .seconds(2))
        // Keys beside a custom prefix's url are its pool's, not misplaced ones.
        #expect(!s.notes.contains { $0.message.contains("does not bind") })
        #expect(s.maxSizeText == "(12 + 5 + 4 + 3)")
    }

    @Test func theHikariKeysWinOverKeysBesideTheURL() throws {
        let reading = try SpringSource(prefix: "app.datasource.replica").read("application.yml", files: MemoryFiles.access([
            "application.yml": """
                app:
                  datasource:
                    replica:
                      url: jdbc:postgresql://r:5432/x
                      maximum-pool-size: 9
                      hikari:
                        maximum-pool-size: 4
                """,
        ]))
        #expect(reading.bindings.first { $0.path == "pool.max_size" }?.text == "4")
    }
}
