import Foundation
import Testing
@testable import ConfgateCore

@Suite("Sources: Compose files and .env")
struct ComposeSourceTests {
    private var root: String {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path + "/fixtures/sources/"
    }

    private func load(_ name: String) throws -> Settings {
        let base = root
        var options = SourceOptions()
        options.files = FileAccess(read: { path throws(ConfgateError) in try FileAccess.local.read(base + path) },
                                   exists: { FileManager.default.fileExists(atPath: base + $0) }, list: { _ in [] })
        return try SettingsFile.load(path: name, sources: options)
    }

    @Test func stringCommandAndMappingEnvironment() throws {
        let s = try load("compose/compose.yaml")
        #expect(s.server.maxConnections == 200)
        #expect(s.origins["server.max_connections"]?.value.short == "compose/compose.yaml:7:42")
        #expect(s.pool.maxSize == 20)
        #expect(s.origins["pool.max_size"]?.value.short == "compose/compose.yaml:19:49")
        #expect(s.fleet.instances == 3)
        #expect(s.origins["fleet.instances"]?.value.short == "compose/compose.yaml:21:17")
        #expect(s.fleet.maxSurge == 0)
        #expect(s.database.dsn?["host"] == "db")
        #expect(Derived(s).steadyDemand == 60)
    }

    @Test func execFormListEnvironmentAndTheDatabaseTheURLNames() throws {
        let s = try load("compose/compose-list.yaml")
        #expect(s.server.maxConnections == 150)
        #expect(s.origins["server.max_connections"]?.value.short == "compose/compose-list.yaml:7:50")
        #expect(s.pool.maxSize == 10)
        #expect(s.origins["pool.max_size"]?.value.short == "compose/compose-list.yaml:22:50")
        #expect(s.fleet.instances == 1)
        #expect(s.notes.contains { $0.message.contains("read db, the one worker's URL names") })
    }

    @Test func foldedCommandIsSplitAsAShellWould() throws {
        let words = ShellWords.split("postgres\n-c 'max_connections=60'\n-c work_mem=16MB")
        #expect(words == ["postgres", "-c", "max_connections=60", "-c", "work_mem=16MB"])
        let yaml = try YAMLFile(text: "command: >\n  postgres\n  -c 'max_connections=60'\n", file: "c.yaml")
        let located = yaml.words(try #require(yaml.documents.first?.value("command")))
        #expect(located[2].text == "max_connections=60")
        #expect(located[2].location.short == "c.yaml:3:7")
    }

    @Test func servicesOfOneImageAreInstancesAndStartFirstSurges() throws {
        let s = try MemoryFiles.settings(direct: "compose.yaml", ["compose.yaml": """
            services:
              api-a:
                image: shop/api:3
                environment:
                  DATABASE_URL: postgres://shop@db/shop?pool_max_conns=${POOL:-12}
                deploy:
                  replicas: 2
                  update_config:
                    order: start-first
                    parallelism: 2
              api-b:
                image: shop/api:3
              db:
                image: postgres:16
                command: ["postgres", "-c", "max_connections=${MAXCONN:-80}"]
            """, ".env": "# local settings\nexport MAXCONN=90\n"])
        #expect(s.fleet.instances == 3)
        #expect(s.fleet.maxSurge == 2)
        #expect(s.pool.maxSize == 12)
        #expect(s.server.maxConnections == 90)
        #expect(s.origins["pool.max_size"]?.text == "pool_max_conns=12")
    }

    @Test func dotenvDatabaseURLWithPrismaParameters() throws {
        let s = try MemoryFiles.settings(map: "[database]\nsource = \"dotenv:.env\"\n[pool]\nsource = \"dotenv:.env\"\n", [
            ".env": "NODE_ENV=production\nDATABASE_URL=\"postgresql://app:pw@db:5432/app?connection_limit=7&pool_timeout=5\"  # prisma\n",
        ])
        #expect(s.pool.maxSize == 7)
        #expect(s.pool.acquireTimeout == .seconds(5))
        #expect(s.origins["pool.max_size"]?.value.short == ".env:2:14")
        #expect(s.database.dsn?["host"] == "db")
        #expect(s.database.dsn?["password"] == "pw")
        #expect(s.origins.values.allSatisfy { !($0.text ?? "").contains("pw@") })
    }

    @Test func unsetComposeVariableWithoutDefaultIsBadInput() throws {
        let error = MemoryFiles.error {
            try MemoryFiles.settings(direct: "compose.yaml", ["compose.yaml": "services:\n  api:\n    image: a\n    environment:\n      DATABASE_URL: postgres://a@${DB_HOST}/a\n"])
        }
        #expect(error?.message.contains("`${DB_HOST}` has no value") == true)
        #expect(error?.location?.short == "compose.yaml:5:21")
    }
}
