import Foundation
import Testing
@testable import ConfgateCore

/// The real-world shapes in `fixtures/sources/`, read through the real readers, checked against
/// what `fixtures/sources/README.md` says a correct reader must extract: the winning value, its
/// line:column, and that decoys and overridden candidates did not win.
///
/// Paths in expectations are relative to `fixtures/sources/` (the file access below prefixes it),
/// so a location reads `spring/nested-kebab/application.yml:18:26` as in the README.
///
/// Values embedded in a larger scalar (a JDBC URL parameter) are reported by the readers at the
/// scalar's start; the README points at the embedded value. There only the line is asserted, or
/// the scalar's start where that is what the reader means.
///
/// Not covered here: `compose/compose.yaml`, `compose/compose-list.yaml`; `pgbouncer/pgbouncer.ini`
/// (+ `pgbouncer-extra.ini`) has its own suite, `PgBouncerIniSourceTests`. `helm/orders-api/Chart.yaml` is a companion
/// file with nothing to extract.
@Suite("Sources: fixtures/sources real-world shapes")
struct FixtureShapesTests {
    // MARK: - Reading the fixtures

    /// `fixtures/sources` on disk, plus files held in memory (fleet maps, a minimal Spring file
    /// for a manifest's environment to feed), under paths relative to `fixtures/sources`.
    static func files(_ extra: [String: String] = [:]) -> FileAccess {
        let root = Fixtures.path("sources")
        return FileAccess(
            read: { path throws(ConfgateError) in
                if let text = extra[path] { return text }
                return try InputFile.read(root + "/" + path)
            },
            exists: { path in extra[path] != nil || FileManager.default.fileExists(atPath: root + "/" + path) },
            list: { directory in
                let onDisk = (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + directory)) ?? []
                let inMemory = extra.keys.filter { $0.hasPrefix(directory + "/") && !$0.dropFirst(directory.count + 1).contains("/") }
                    .map { String($0.dropFirst(directory.count + 1)) }
                return onDisk + inMemory
            })
    }

    /// A fixture named directly (`confgate check spring/…/application.yml`).
    static func load(_ path: String, profiles: [String] = [], environment: [String: String] = [:]) throws -> Settings {
        try SettingsFile.load(path: path, sources: SourceOptions(files: files(), profiles: profiles, environment: environment))
    }

    /// A fleet map written beside the fixtures (`directory/map.conf`), with other in-memory files.
    static func map(in directory: String, _ text: String, extra: [String: String] = [:],
                    profiles: [String] = [], environment: [String: String] = [:]) throws -> Settings {
        let mapPath = directory + "/map.conf"
        let access = files(extra.merging([mapPath: text]) { a, _ in a })
        return try SettingsFile.load(path: mapPath, sources: SourceOptions(files: access, profiles: profiles, environment: environment))
    }

    /// The error reading throws, or `nil`.
    static func error(_ body: () throws -> Settings) -> ConfgateError? {
        do { _ = try body(); return nil } catch let error as ConfgateError { return error } catch { return nil }
    }

    /// Where `key`'s winning value was written.
    static func at(_ settings: Settings, _ key: String) -> String? { settings.origins[key]?.value.short }

    /// Connections a fleet may hold at its peak: (instances + surge) × pool.
    static func peak(_ settings: Settings) -> Int {
        (settings.fleet.instances + settings.fleet.maxSurge) * settings.pool.maxSize
    }

    /// Connections ordinary roles may open: max_connections − both reservations.
    static func usable(_ settings: Settings) -> Int {
        settings.server.maxConnections - settings.server.superuserReservedConnections - settings.server.reservedConnections
    }

    /// A minimal Spring file for a manifest's container environment to feed (the pool size
    /// comes from `SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE` in the manifest).
    static let bareSpring = "spring.application.name: from-manifest\n"

    /// A fleet map: `[fleet]` from Kubernetes manifests, `[database]` and `[pool]` from a Spring file.
    static func fleetAndSpring(_ manifests: String, spring: String = "spring.yml", workload: String? = nil) -> String {
        """
        [fleet]
        source = "kubernetes:\(manifests)"
        \(workload.map { "workload = \"\($0)\"" } ?? "")
        [database]
        source = "spring:\(spring)"
        [pool]
        source = "spring:\(spring)"
        """
    }

    // MARK: - Spring Boot

    @Test func springNestedKebab() throws {
        let f = "spring/nested-kebab/application.yml"
        let s = try Self.load(f)
        #expect(s.pool.maxSize == 20)
        #expect(Self.at(s, "pool.max_size") == "\(f):18:26")  // trailing spaces after 20 are not part of it
        #expect(s.origins["pool.max_size"]?.key.short == "\(f):18:7")
        #expect(s.origins["pool.max_size"]?.text == "20")
        #expect(s.pool.minIdle == 5)
        #expect(Self.at(s, "pool.min_idle") == "\(f):19:21")
        #expect(s.origins["pool.min_idle"]?.comment == "keep a few warm")
        #expect(s.pool.acquireTimeout == .milliseconds(30000))
        #expect(Self.at(s, "pool.acquire_timeout") == "\(f):20:27")
        // The commented-out `# maximum-pool-size: 50` (line 17) is not read.
        #expect(s.origins["pool.max_size"]?.value.line != 17)
        // URL at 11:10; port (11:40), ApplicationName (11:68), connectTimeout (11:94) are embedded in it.
        #expect(Self.at(s, "database.dsn") == "\(f):11:10")
        #expect(s.database.dsn?["host"] == "db.internal")
        #expect(s.database.dsn?["port"] == "5432")
        #expect(s.database.dsn?["dbname"] == "orders")
        #expect(s.database.dsn?["application_name"] == "orders-api")
        #expect(s.database.connectTimeout == .seconds(5))  // pgJDBC: seconds
        #expect(s.origins["database.connect_timeout"]?.value.line == 11)
    }

    @Test func springFlatDotted() throws {
        let f = "spring/flat-dotted/application.yml"
        let s = try Self.load(f)
        #expect(s.pool.maxSize == 20)
        #expect(Self.at(s, "pool.max_size") == "\(f):7:45")
        #expect(s.origins["pool.max_size"]?.key.short == "\(f):7:1")
        #expect(s.pool.acquireTimeout == .milliseconds(5000))
        #expect(Self.at(s, "pool.acquire_timeout") == "\(f):8:46")
        #expect(s.pool.minIdle == 4)  // partially dotted: `spring.datasource:` → `hikari.minimum-idle`
        #expect(Self.at(s, "pool.min_idle") == "\(f):11:24")
        #expect(Self.at(s, "database.dsn") == "\(f):5:24")  // the opening quote
        #expect(s.database.dsn?["host"] == "pg-primary.billing.svc")
        #expect(s.database.dsn?["port"] == "5432")
        #expect(s.database.dsn?["sslmode"] == "require")
    }

    @Test func springCamelCase() throws {
        let f = "spring/camel-case/application.yml"
        let s = try Self.load(f)
        #expect(s.pool.maxSize == 25)
        #expect(Self.at(s, "pool.max_size") == "\(f):12:24")
        #expect(s.pool.minIdle == 25)
        #expect(Self.at(s, "pool.min_idle") == "\(f):13:20")
        #expect(s.pool.acquireTimeout == .milliseconds(20000))
        #expect(Self.at(s, "pool.acquire_timeout") == "\(f):14:26")
        #expect(Self.at(s, "database.dsn") == "\(f):7:10")
        #expect(s.database.dsn?["host"] == "10.0.3.17")
        #expect(s.database.dsn?["port"] == "5432")  // 7:38, inside the URL
        #expect(s.database.dsn?["dbname"] == "inventory")
    }

    @Test func springPlaceholdersDefaults() throws {
        let f = "spring/placeholders/application.yml"
        // DB_MAX_LIFETIME has no default (see the next test); DB_USER neither (see the disabled one).
        let s = try Self.load(f, environment: ["DB_MAX_LIFETIME": "1800000", "DB_USER": "payments"])
        // Pool: placeholder at 11:26, default 10 (11:41) — "10 unless DB_POOL_SIZE is set".
        #expect(s.pool.maxSize == 10)
        #expect(Self.at(s, "pool.max_size") == "\(f):11:26")
        #expect(s.origins["pool.max_size"]?.via?.contains("DB_POOL_SIZE") == true)
        #expect(s.origins["pool.max_size"]?.via?.contains("default `10`") == true)
        // Nested default ${DB_POOL_MIN_IDLE:${DB_POOL_SIZE:10}}.
        #expect(s.pool.minIdle == 10)
        #expect(Self.at(s, "pool.min_idle") == "\(f):12:21")
        #expect(s.pool.acquireTimeout == .milliseconds(30000))
        #expect(Self.at(s, "pool.acquire_timeout") == "\(f):13:27")
        #expect(s.origins["pool.acquire_timeout"]?.via?.contains("DB_CONNECT_TIMEOUT_MS") == true)
        // max-lifetime came from --env; its via names the placeholder at 14:21.
        #expect(s.pool.maxLifetime == .milliseconds(1_800_000))
        #expect(s.origins["pool.max_lifetime"]?.via?.contains("\(f):14:21") == true)
        // URL host/port/db from their defaults.
        #expect(Self.at(s, "database.dsn") == "\(f):7:10")
        #expect(s.database.dsn?["host"] == "localhost")
        #expect(s.database.dsn?["port"] == "5432")
        #expect(s.database.dsn?["dbname"] == "payments")
    }

    @Test func springPlaceholdersFromEnvironment() throws {
        let f = "spring/placeholders/application.yml"
        let s = try Self.load(f, environment: ["DB_MAX_LIFETIME": "1800000", "DB_USER": "payments", "DB_POOL_SIZE": "24"])
        #expect(s.pool.maxSize == 24)
        #expect(s.pool.minIdle == 24)  // the nested default follows DB_POOL_SIZE
        #expect(s.origins["pool.max_size"]?.via?.contains("\(f):11:26") == true)
    }

    @Test func springPlaceholderWithoutDefaultIsAnError() {
        let f = "spring/placeholders/application.yml"
        let error = Self.error { try Self.load(f, environment: ["DB_USER": "payments"]) }
        #expect(error?.kind == .badInput)
        #expect(error?.location?.short == "\(f):14:21")
        #expect(error?.message.contains("DB_MAX_LIFETIME") == true)
    }

    @Test
    func springPlaceholderUsernameDoesNotBlockReading() throws {
        let f = "spring/placeholders/application.yml"
        let s = try Self.load(f, environment: ["DB_MAX_LIFETIME": "1800000"])
        #expect(s.pool.maxSize == 10)
        #expect(Self.at(s, "pool.max_size") == "\(f):11:26")
        #expect(s.notes.contains { $0.location?.short == "\(f):8:15" && $0.message.contains("DB_USER") })
    }

    @Test func springMultiDocumentProfiles() throws {
        let f = "spring/multi-document/application.yml"
        let none = try Self.load(f)
        #expect(none.pool.maxSize == 10)
        #expect(Self.at(none, "pool.max_size") == "\(f):10:26")
        #expect(none.database.dsn?["host"] == "localhost")

        let prod = try Self.load(f, profiles: ["prod"])
        #expect(prod.pool.maxSize == 30)
        #expect(Self.at(prod, "pool.max_size") == "\(f):19:26")
        #expect(prod.database.dsn?["host"] == "shop-db.prod.internal")
        #expect(prod.origins["database.dsn"]?.value.line == 17)

        let prodEU = try Self.load(f, profiles: ["prod", "eu"])
        #expect(prodEU.pool.maxSize == 40)
        #expect(Self.at(prodEU, "pool.max_size") == "\(f):28:45")

        // Boot 2.4–2.7 semantics for the legacy `spring.profiles` document.
        let staging = try Self.load(f, profiles: ["staging"])
        #expect(staging.pool.maxSize == 15)
        #expect(Self.at(staging, "pool.max_size") == "\(f):25:26")

        // The profile conditions, where each document is limited.
        let documents = try SpringSource.documents(f, files: Self.files())
        #expect(documents.count == 4)
        #expect(documents.map { $0.activation?.expression } == [nil, "prod", "staging", "prod & eu"])
        #expect(documents.map { $0.activation?.at.short } == [nil, "\(f):15:19", "\(f):22:13", "\(f):27:36"])
    }

    @Test
    func springLegacyProfilesKeyIsReported() throws {
        let f = "spring/multi-document/application.yml"
        let staging = try Self.load(f, profiles: ["staging"])
        #expect(staging.notes.contains { $0.location?.short == "\(f):22:13" && $0.message.contains("spring.config.activate.on-profile") })
    }

    @Test func springAnchorsAndMergeKeys() throws {
        let f = "spring/anchors/application.yml"
        let s = try Self.load(f)
        #expect(s.pool.maxSize == 20)  // explicit "20" beats the merged 12
        #expect(Self.at(s, "pool.max_size") == "\(f):16:26")  // the opening quote
        #expect(s.origins["pool.max_size"]?.text == "20")
        #expect(s.pool.minIdle == 2)
        #expect(Self.at(s, "pool.min_idle") == "\(f):7:17")  // via the merge key
        #expect(s.pool.maxLifetime == .milliseconds(300_000))
        #expect(Self.at(s, "pool.max_lifetime") == "\(f):8:17")
        #expect(s.origins["pool.max_lifetime"]?.text == "300_000")
        #expect(s.pool.acquireTimeout == .milliseconds(10_000))
        #expect(Self.at(s, "pool.acquire_timeout") == "\(f):9:23")
        #expect(s.pool.idleTimeout == .milliseconds(60_000))
        #expect(Self.at(s, "pool.idle_timeout") == "\(f):17:21")
        #expect(s.database.dsn?["dbname"] == "ledger")
    }

    @Test func springAnchorsAliasedSecondPool() throws {
        let s = try Self.map(in: "spring/anchors", """
            [database]
            source = "spring:application.yml"
            prefix = "app.datasource.audit"
            [pool]
            source = "spring:application.yml"
            prefix = "app.datasource.audit"
            """)
        let f = "spring/anchors/application.yml"
        #expect(s.pool.maxSize == 12)  // `hikari: *hikari-defaults` (23:15): the anchor's value
        #expect(Self.at(s, "pool.max_size") == "\(f):6:22")
        #expect(s.pool.minIdle == 2)
        #expect(s.database.dsn?["dbname"] == "audit")
        #expect(Self.at(s, "database.dsn") == "\(f):22:12")
    }

    @Test func springDecoys() throws {
        let f = "spring/decoys/application.yml"
        let s = try Self.load(f)
        #expect(s.pool.maxSize == 18)
        #expect(Self.at(s, "pool.max_size") == "\(f):12:26")
        #expect(s.database.dsn?["host"] == "primary.db.internal")
        // Not pools of this database: thread pool (8:19), driver property (14:26), Redis (20:23), cache (24:22).
        let decoys = ["\(f):8:19", "\(f):14:26", "\(f):20:23", "\(f):24:22", "\(f):31:28"]
        for key in ["pool.max_size", "pool.min_idle"] {
            #expect(!decoys.contains(Self.at(s, key) ?? ""))
        }
    }

    @Test func springDecoysReplicaDatasource() throws {
        let f = "spring/decoys/application.yml"
        let s = try Self.map(in: "spring/decoys", """
            [database]
            source = "spring:application.yml"
            prefix = "app.datasource.replica"
            [pool]
            source = "spring:application.yml"
            prefix = "app.datasource.replica"
            """)
        #expect(s.pool.maxSize == 8)
        #expect(Self.at(s, "pool.max_size") == "\(f):31:28")
        #expect(s.database.dsn?["host"] == "replica.db.internal")
        #expect(Self.at(s, "database.dsn") == "\(f):29:12")
    }

    @Test func springMisplacedKeysDoNotBind() throws {
        let f = "spring/misplaced/application.yml"
        let s = try Self.load(f)
        #expect(s.pool.maxSize == 10)  // HikariCP's default
        #expect(s.origins["pool.max_size"] == nil)
        #expect(s.origins["pool.min_idle"] == nil)  // spring.hikari.minimum-idle (12) does not bind either
        #expect(s.notes.contains { $0.message.contains("default 10") })
        #expect(s.database.dsn?["host"] == "db")
    }

    @Test
    func springMisplacedCandidatesAreReportedAsIgnored() throws {
        let f = "spring/misplaced/application.yml"
        let s = try Self.load(f)
        #expect(s.notes.contains { $0.location?.short == "\(f):9:24" })
        #expect(s.notes.contains { $0.location?.short == "\(f):11:24" })
    }

    @Test func springProfileFilesBase() throws {
        let f = "spring/profile-files/application.yml"
        let s = try Self.load(f)  // spring.profiles.active defaults to `local`: no application-local.yml
        #expect(s.pool.maxSize == 10)
        #expect(Self.at(s, "pool.max_size") == "\(f):8:26")
        #expect(s.database.dsn?["host"] == "localhost")
    }

    @Test(arguments: [false, true])
    func springProfileFilesProd(fromEnvironment: Bool) throws {
        let base = "spring/profile-files/application.yml", prod = "spring/profile-files/application-prod.yml"
        let s = fromEnvironment
            ? try Self.load(base, environment: ["SPRING_PROFILES_ACTIVE": "prod"])
            : try Self.load(base, profiles: ["prod"])
        #expect(s.pool.maxSize == 25)
        #expect(Self.at(s, "pool.max_size") == "\(prod):7:26")
        #expect(s.origins["pool.max_size"]?.via == "profile prod")
        #expect(s.pool.acquireTimeout == .milliseconds(3000))
        #expect(Self.at(s, "pool.acquire_timeout") == "\(prod):8:27")
        #expect(Self.at(s, "database.dsn") == "\(prod):5:10")
        #expect(s.database.dsn?["host"] == "accounts-db.prod.internal")
        #expect(s.database.connectTimeout == .seconds(3))
        #expect(s.pool.minIdle == 2)  // still from the base file
        #expect(Self.at(s, "pool.min_idle") == "\(base):9:21")
    }

    @Test func springPropertiesSyntax() throws {
        let f = "spring/properties/application.properties"
        let s = try Self.load(f)
        #expect(s.pool.minIdle == 5)  // whitespace separator
        #expect(Self.at(s, "pool.min_idle") == "\(f):10:39")
        #expect(s.pool.acquireTimeout == .milliseconds(30000))  // ` = `
        #expect(Self.at(s, "pool.acquire_timeout") == "\(f):11:47")
        // URL continued over lines 6–7, leading blanks of continuation lines dropped.
        #expect(Self.at(s, "database.dsn") == "\(f):5:23")
        #expect(s.database.dsn?["host"] == "reports-db.internal")
        #expect(s.database.dsn?["dbname"] == "reports")
        #expect(s.database.dsn?["application_name"] == "reports-api")
        #expect(s.database.connectTimeout == .seconds(5))  // embedded at 7:21; the reader points at the URL's start
        #expect(s.origins["database.connect_timeout"]?.value.short == "\(f):5:23")
        // Not the comment (12) nor the driver property (13:65).
        #expect(s.pool.maxSize != 50 && s.pool.maxSize != 99)
        #expect(s.origins["pool.max_size"]?.value.line != 13)
    }

    @Test func springPropertiesProdDocument() throws {
        let f = "spring/properties/application.properties"
        let s = try Self.load(f, profiles: ["prod"])
        #expect(s.pool.maxSize == 35)
        #expect(Self.at(s, "pool.max_size") == "\(f):16:44")
    }

    @Test
    func springPropertiesDefaultDocument() throws {
        let f = "spring/properties/application.properties"
        let s = try Self.load(f)
        #expect(s.pool.maxSize == 20)
        #expect(Self.at(s, "pool.max_size") == "\(f):9:45")
        let documents = try SpringSource.documents(f, files: Self.files())
        #expect(documents.count == 2)
        #expect(documents.last?.activation?.expression == "prod")
        #expect(documents.last?.activation?.at.short == "\(f):15:35")
    }

    // MARK: - Plain HikariCP

    @Test func hikariProperties() throws {
        let f = "hikari/hikari.properties"
        let s = try Self.load(f)
        #expect(s.pool.maxSize == 15)
        #expect(Self.at(s, "pool.max_size") == "\(f):8:17")
        #expect(s.pool.minIdle == 5)
        #expect(Self.at(s, "pool.min_idle") == "\(f):9:13")
        #expect(s.pool.acquireTimeout == .milliseconds(20000))
        #expect(Self.at(s, "pool.acquire_timeout") == "\(f):10:19")
        #expect(Self.at(s, "database.dsn") == "\(f):5:9")
        #expect(s.database.dsn?["host"] == "db.internal")
        #expect(s.database.dsn?["port"] == "5432")
        #expect(s.database.dsn?["dbname"] == "warehouse")
        #expect(s.database.connectTimeout == .seconds(10))
        #expect(s.origins["database.connect_timeout"]?.value.line == 5)
        // `dataSource.maximumPoolSize=99` (15:28) is a driver property.
        #expect(s.origins["pool.max_size"]?.value.line != 15)
    }

    @Test func hikariPrefixed() throws {
        let f = "hikari/jdbc-prefixed.properties"
        let s = try Self.map(in: "hikari", """
            [database]
            source = "hikari:jdbc-prefixed.properties"
            prefix = "jdbc."
            [pool]
            source = "hikari:jdbc-prefixed.properties"
            prefix = "jdbc."
            """)
        #expect(s.pool.maxSize == 12)
        #expect(Self.at(s, "pool.max_size") == "\(f):9:22")
        #expect(s.pool.minIdle == 12)
        #expect(Self.at(s, "pool.min_idle") == "\(f):10:18")
        #expect(Self.at(s, "database.dsn") == "\(f):7:14")
        #expect(s.database.dsn?["host"] == "ledger-db")
        #expect(s.database.dsn?["dbname"] == "ledger")
    }

    @Test func hikariPrefixedWithoutPrefixDoesNotGuess() throws {
        let s = try Self.load("hikari/jdbc-prefixed.properties")
        #expect(s.origins["pool.max_size"] == nil)
        #expect(s.origins["pool.min_idle"] == nil)
        #expect(s.origins["database.dsn"] == nil)
        #expect(!s.notes.isEmpty)  // not silent
    }

    // MARK: - Kubernetes

    @Test func k8sAppEnvBeatsEnvFromAndHPAOwnsScale() throws {
        let f = "k8s/app.yaml"
        // The Spring file names another host: DATABASE_URL (38:22) is not what Spring reads.
        let spring = "spring.datasource.url: jdbc:postgresql://spring-db.internal:5432/orders\n"
        let s = try Self.map(in: "k8s", Self.fleetAndSpring("app.yaml"), extra: ["k8s/spring.yml": spring])
        #expect(s.pool.maxSize == 20)
        #expect(Self.at(s, "pool.max_size") == "\(f):36:22")  // env, not the ConfigMap's "12" at 9:45
        #expect(s.origins["pool.max_size"]?.via?.contains("container env") == true)
        #expect(s.fleet.instances == 10)
        #expect(Self.at(s, "fleet.instances") == "\(f):58:16")  // HPA maxReplicas, not spec.replicas at 16:13
        #expect(s.origins["fleet.instances"]?.via?.contains("minReplicas 4") == true)  // 57:16
        #expect(s.fleet.maxSurge == 2)
        #expect(Self.at(s, "fleet.max_surge") == "\(f):20:17")
        #expect(Self.peak(s) == 240)
        #expect(s.database.dsn?["host"] == "spring-db.internal")
    }

    @Test func k8sAppEnvironment() throws {
        let f = "k8s/app.yaml"
        let result = try KubernetesSource().read([f], files: Self.files())
        #expect(result.environment["SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE"]?.text == "20")
        #expect(result.environment["SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE"]?.location.short == "\(f):36:22")
        #expect(result.environment["SPRING_PROFILES_ACTIVE"]?.location.short == "\(f):8:27")
        #expect(result.environment["DATABASE_URL"]?.location.short == "\(f):38:22")
    }

    /// One Deployment of `k8s/deployment-surge-percent.yaml` and what the README says of it.
    struct SurgeCase: Sendable, CustomTestStringConvertible {
        var workload: String
        var replicas: Int, replicasAt: String
        var surge: Int, surgeAt: String?
        var pool: Int, poolAt: String
        var peak: Int
        var testDescription: String { workload }
    }

    @Test(arguments: [
        SurgeCase(workload: "search-api", replicas: 6, replicasAt: "10:13", surge: 2, surgeAt: "14:17", pool: 8, poolAt: "27:22", peak: 64),
        SurgeCase(workload: "search-indexer", replicas: 3, replicasAt: "34:13", surge: 1, surgeAt: nil, pool: 5, poolAt: "46:22", peak: 20),
    ])
    func k8sSurgePercent(_ c: SurgeCase) throws {
        let f = "k8s/deployment-surge-percent.yaml"
        let s = try Self.map(in: "k8s", Self.fleetAndSpring("deployment-surge-percent.yaml", workload: c.workload),
                             extra: ["k8s/spring.yml": Self.bareSpring])
        #expect(s.fleet.instances == c.replicas)
        #expect(Self.at(s, "fleet.instances") == "\(f):\(c.replicasAt)")
        #expect(s.fleet.maxSurge == c.surge)  // 25% rounded up
        if let surgeAt = c.surgeAt {
            #expect(Self.at(s, "fleet.max_surge") == "\(f):\(surgeAt)")
        } else {
            #expect(s.origins["fleet.max_surge"]?.via?.contains("default maxSurge 25%") == true)
        }
        #expect(s.pool.maxSize == c.pool)
        #expect(Self.at(s, "pool.max_size") == "\(f):\(c.poolAt)")
        #expect(Self.peak(s) == c.peak)
    }

    @Test func k8sTwoWorkloadsNeedAName() {
        let error = Self.error { try Self.map(in: "k8s", Self.fleetAndSpring("deployment-surge-percent.yaml"),
                                              extra: ["k8s/spring.yml": Self.bareSpring]) }
        #expect(error?.kind == .badInput)
        #expect(error?.message.contains("search-indexer") == true)
    }

    @Test func k8sRecreate() throws {
        let f = "k8s/deployment-recreate.yaml"
        let s = try Self.map(in: "k8s", Self.fleetAndSpring("deployment-recreate.yaml"), extra: ["k8s/spring.yml": Self.bareSpring])
        #expect(s.fleet.instances == 2)
        #expect(Self.at(s, "fleet.instances") == "\(f):8:13")
        #expect(s.fleet.maxSurge == 0)
        #expect(Self.at(s, "fleet.max_surge") == "\(f):10:11")
        #expect(s.pool.maxSize == 30)
        #expect(Self.at(s, "pool.max_size") == "\(f):24:22")
        #expect(Self.peak(s) == 60)
        #expect(Self.at(s, "database.dsn") == "\(f):22:22")  // SPRING_DATASOURCE_URL from env
        #expect(s.database.dsn?["dbname"] == "scheduler")
    }

    @Test func k8sStatefulSetScale() throws {
        let f = "k8s/statefulset.yaml"
        let s = try Self.map(in: "k8s", Self.fleetAndSpring("statefulset.yaml"), extra: ["k8s/spring.yml": Self.bareSpring])
        #expect(s.fleet.instances == 3)
        #expect(Self.at(s, "fleet.instances") == "\(f):18:13")
        #expect(s.fleet.maxSurge == 0)
        #expect(s.origins["fleet.max_surge"]?.via?.contains("StatefulSet") == true)
    }

    @Test
    func k8sStatefulSetConfigMapKeyRef() throws {
        let f = "k8s/statefulset.yaml"
        let s = try Self.map(in: "k8s", Self.fleetAndSpring("statefulset.yaml"), extra: ["k8s/spring.yml": Self.bareSpring])
        #expect(s.pool.maxSize == 16)
        #expect(Self.at(s, "pool.max_size") == "\(f):9:14")
        #expect(Self.peak(s) == 48)
        #expect(Self.at(s, "database.dsn") == "\(f):10:13")
        #expect(s.database.dsn?["dbname"] == "ledger")
    }

    @Test func k8sRenderedHelm() throws {
        let f = "k8s/rendered-helm.yaml"
        let s = try Self.map(in: "k8s", Self.fleetAndSpring("rendered-helm.yaml"), extra: ["k8s/spring.yml": Self.bareSpring])
        #expect(s.fleet.instances == 8)  // no spec.replicas: the HPA's maxReplicas
        #expect(Self.at(s, "fleet.instances") == "\(f):47:16")
        #expect(s.origins["fleet.instances"]?.via?.contains("minReplicas 3") == true)  // 46:16
        #expect(s.fleet.maxSurge == 2)  // default 25% of 8
        #expect(s.pool.maxSize == 15)
        #expect(Self.at(s, "pool.max_size") == "\(f):34:22")
        #expect(Self.peak(s) == 150)
    }

    @Test func k8sList() throws {
        let f = "k8s/list.yaml"
        let s = try Self.map(in: "k8s", Self.fleetAndSpring("list.yaml"), extra: ["k8s/spring.yml": Self.bareSpring])
        #expect(s.fleet.instances == 2)
        #expect(Self.at(s, "fleet.instances") == "\(f):11:17")
        #expect(s.fleet.maxSurge == 1)  // ceil(25% of 2)
        #expect(s.pool.maxSize == 6)
        #expect(Self.at(s, "pool.max_size") == "\(f):23:26")
        #expect(Self.peak(s) == 18)
    }

    // MARK: - Helm

    @Test func helmValuesAutoscalingWins() throws {
        let f = "helm/orders-api/values.yaml"
        let s = try Self.load(f)
        #expect(s.fleet.instances == 8)
        #expect(Self.at(s, "fleet.instances") == "\(f):19:16")  // not replicaCount 2 at 5:15
        #expect(s.origins["fleet.instances"]?.via?.contains("autoscaling") == true)
    }

    @Test
    func helmValuesSurge() throws {
        let f = "helm/orders-api/values.yaml"
        let s = try Self.load(f)
        #expect(s.fleet.maxSurge == 1)
        #expect(Self.at(s, "fleet.max_surge") == "\(f):13:15")
    }

    @Test
    func helmValuesEnvironmentFeedsSpring() throws {
        let f = "helm/orders-api/values.yaml"
        let s = try Self.map(in: "helm/orders-api", Self.fleetAndSpring("values.yaml"),
                             extra: ["helm/orders-api/spring.yml": Self.bareSpring])
        #expect(s.pool.maxSize == 15)
        #expect(Self.at(s, "pool.max_size") == "\(f):23:45")
        #expect(s.fleet.instances == 8)
        #expect(s.fleet.maxSurge == 1)
        #expect(Self.peak(s) == 135)
    }

    @Test(arguments: [("helm/orders-api/templates/deployment.yaml", "6:9"), ("helm/orders-api/templates/hpa.yaml", "1:1")])
    func helmUnrenderedTemplatesAreRefused(path: String, at: String) {
        let error = Self.error { try Self.load(path) }
        #expect(error?.kind == .badInput)
        #expect(error?.location?.short == "\(path):\(at)")  // the first `{{` outside a YAML comment
        #expect(error?.message.contains("unrendered Helm template") == true)
    }

    // MARK: - PostgreSQL

    @Test func postgresConfLastSettingWins() throws {
        let f = "postgres/postgresql.conf"
        let s = try Self.load(f)
        // 200 (12:19) → include extra.conf 300 (3:19) → MAX_CONNECTIONS = '250' (29:19).
        #expect(s.server.maxConnections == 250)
        #expect(Self.at(s, "server.max_connections") == "\(f):29:19")
        #expect(s.origins["server.max_connections"]?.text == "250")
        #expect(s.server.superuserReservedConnections == 5)
        #expect(Self.at(s, "server.superuser_reserved_connections") == "\(f):14:34")
        #expect(s.server.reservedConnections == 2)
        #expect(Self.at(s, "server.reserved_connections") == "postgres/extra.conf:4:24")
        #expect(Self.usable(s) == 243)
        // The commented `#max_connections = 100` (11:20) is never a candidate.
        #expect(!s.notes.contains { $0.location?.short == "\(f):11:20" })
        // Both overridden candidates are noted at the line that overrides them.
        #expect(s.notes.contains { $0.location?.short == "postgres/extra.conf:3:19" && $0.message.contains("200") })
        #expect(s.notes.contains { $0.location?.short == "\(f):29:19" && $0.message.contains("300") })
    }

    @Test func postgresAutoConfWins() throws {
        let s = try Self.map(in: "postgres", """
            [server]
            source = "postgresql:postgresql.conf, postgresql.auto.conf"
            """)
        #expect(s.server.maxConnections == 400)
        #expect(Self.at(s, "server.max_connections") == "postgres/postgresql.auto.conf:4:19")
        #expect(Self.usable(s) == 393)
    }

    @Test func postgresCloudNativePGCluster() throws {
        let f = "postgres/cnpg-cluster.yaml"
        let s = try Self.load(f)
        #expect(s.server.maxConnections == 300)
        #expect(Self.at(s, "server.max_connections") == "\(f):14:24")  // the opening quote of "300"
        #expect(s.server.superuserReservedConnections == 5)
        #expect(Self.at(s, "server.superuser_reserved_connections") == "\(f):16:39")
        #expect(Self.usable(s) == 295)
        // spec.instances (9:14) counts PostgreSQL pods, not the application's.
        #expect(s.origins["fleet.instances"] == nil)
        #expect(s.fleet.instances == 1)
    }
}
