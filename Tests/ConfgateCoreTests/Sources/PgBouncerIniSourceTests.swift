import Testing
@testable import ConfgateCore

/// `pgbouncer.ini` as a source of `[pooler]`: the `[pgbouncer]` settings with their places,
/// seconds read as durations, `%include`, and the service's `[databases]` entry winning.
@Suite("Sources: pgbouncer.ini")
struct PgBouncerIniSourceTests {
    private typealias F = FixtureShapesTests

    @Test("the fixture named directly: a pooler, its limits where the file sets them, %include read in place")
    func fixtureDirect() throws {
        let s = try F.load("pgbouncer/pgbouncer.ini")
        let pooler = try #require(s.pooler)
        #expect(pooler.poolMode == .transaction)
        #expect(pooler.maxClientConn == 2000 && F.at(s, "pooler.max_client_conn") == "pgbouncer/pgbouncer.ini:20:19")
        #expect(pooler.reservePoolSize == 5 && F.at(s, "pooler.reserve_pool_size") == "pgbouncer/pgbouncer.ini:23:21")
        #expect(pooler.maxDbConnections == 80 && F.at(s, "pooler.max_db_connections") == "pgbouncer/pgbouncer.ini:24:22")
        // Two named databases: their own pool sizes are not the fleet's until one is named;
        // the %include's 25 wins over 20 (read later), and the commented 50 is no setting.
        #expect(pooler.defaultPoolSize == 25 && F.at(s, "pooler.default_pool_size") == "pgbouncer/pgbouncer-extra.ini:4:21")
        #expect(s.notes.contains { $0.message.hasPrefix("several [databases] entries (auth, orders)") })
        #expect(s.origins["pooler.kind"]?.value.short == "pgbouncer/pgbouncer.ini:13:1")
    }

    @Test("a fleet map naming the service's database: its pool_size wins, located inside the connect string")
    func fixtureThroughMap() throws {
        let s = try F.map(in: "pgbouncer", """
            [pooler]
            source = "pgbouncer:pgbouncer.ini"
            workload = "auth"
            instances = 2
            """)
        let pooler = try #require(s.pooler)
        #expect(pooler.defaultPoolSize == 30 && F.at(s, "pooler.default_pool_size") == "pgbouncer/pgbouncer.ini:6:48")
        #expect(s.origins["pooler.default_pool_size"]?.via == "[databases] auth pool_size, which wins over [pgbouncer] default_pool_size")
        #expect(pooler.instances == 2)
        #expect(Derived(s).pooler?.serverConnections == 2 * 35)
    }

    @Test("PgBouncer's seconds become durations; a bad one is exit 2 at its value")
    func seconds() throws {
        let ini = "[pgbouncer]\nquery_wait_timeout = 30\nserver_lifetime = 0.5\nreserve_pool_timeout = 3\n"
        let s = try MemoryFiles.settings(direct: "pgbouncer.ini", ["pgbouncer.ini": ini])
        #expect(s.pooler?.queryWaitTimeout == .seconds(30))
        #expect(s.pooler?.serverLifetime == .milliseconds(500))
        #expect(s.pooler?.reservePoolTimeout == .seconds(3))
        let error = MemoryFiles.error { try MemoryFiles.settings(direct: "pgbouncer.ini", ["pgbouncer.ini": "[pgbouncer]\nmax_client_conn = lots\n"]) }
        #expect(error?.kind == .badInput && error?.location?.short == "pgbouncer.ini:2:19")
        let mode = MemoryFiles.error { try MemoryFiles.settings(direct: "pgbouncer.ini", ["pgbouncer.ini": "[pgbouncer]\npool_mode = sesion\n"]) }
        #expect(mode?.location?.short == "pgbouncer.ini:2:13" && mode?.message.contains("did you mean `session`?") == true)
    }

    @Test("a file with only the section is a pooler with PgBouncer's defaults; detection by name or content")
    func defaultsAndDetection() throws {
        let s = try MemoryFiles.settings(direct: "pgbouncer.ini", ["pgbouncer.ini": "[pgbouncer]\nlisten_port = 6432\n"])
        #expect(s.pooler == Settings.Pooler())
        #expect(SourceFormat.detect("conf/bouncer.ini") { "[PgBouncer]\n" } == .pgbouncer)
        #expect(SourceFormat.detect("conf/other.ini") { "[section]\n" } == nil)
    }

    @Test("confgate init finds a pgbouncer.ini and maps it under [pooler]")
    func initFindsIt() {
        let draft = FleetMapDraft.discover(paths: ["deploy/pgbouncer.ini", "src/main/resources/application.yml"]) { path in
            path.hasSuffix(".ini") ? "[pgbouncer]\n" : "spring:\n  datasource:\n    url: jdbc:postgresql://db/auth\n"
        }
        #expect(draft.sources.contains { $0.section == "pooler" && $0.source == "pgbouncer:deploy/pgbouncer.ini" })
        #expect(draft.render().contains("[pooler]\nsource = \"pgbouncer:deploy/pgbouncer.ini\""))
    }
}
