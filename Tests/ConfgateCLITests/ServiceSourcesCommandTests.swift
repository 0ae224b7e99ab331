import Foundation
import Testing

/// The commands on a service's own files (fixtures/service: Spring, Kubernetes, PostgreSQL,
/// and a fleet map), as a user runs them, and the outage replayed as a git change.
@Suite("CLI: settings read from a service's own files")
struct ServiceSourcesCommandTests {
    @Test func lintReadsTheFleetMapAndPointsIntoTheYAML() async throws {
        let r = try await ConfgateRunner.run(["lint", "--format", "github", "fixtures/service/confgate.conf"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("::warning file=fixtures/service/src/main/resources/application.yml,line=29,col=7,title=CG103"))
    }

    @Test func lintReadsASpringFileDirectly() async throws {
        let r = try await ConfgateRunner.run(["lint", "fixtures/service/src/main/resources/application.yml", "--profile", "prod"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("fixtures/service/src/main/resources/application.yml:14:7: warning[CG105]"))
    }

    @Test func envFlagFeedsPlaceholdersAndWins() async throws {
        let r = try await ConfgateRunner.run(["diff", "--current", "fixtures/service/confgate.conf", "--proposed", "fixtures/service/confgate.conf",
                                        "--env", "SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE=40"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("proposed: steady demand 240 (6 instances × max_size 40)"))
    }

    @Test func badValueInTheServiceFileIsExitTwoAtItsLine() async throws {
        let directory = try TemporaryRepository.copyOfServiceFixture()
        defer { directory.remove() }
        try directory.replace("maximum-pool-size: 15 ", with: "maximum-pool-size: ten ", in: "src/main/resources/application.yml")
        let r = try await ConfgateRunner.run(["lint", "confgate.conf"], directory: directory.url)
        #expect(r.status == 2)
        #expect(r.stderr.contains("src/main/resources/application.yml:29:26: error: `maximum-pool-size` expects a whole number, got `ten`"))
    }

    @Test func unrenderedHelmTemplateIsExitTwo() async throws {
        let directory = try TemporaryRepository.copyOfServiceFixture()
        defer { directory.remove() }
        try directory.replace("replicas: 4", with: "replicas: {{ .Values.replicaCount }}", in: "deploy/auth-service.yaml")
        let r = try await ConfgateRunner.run(["lint", "confgate.conf"], directory: directory.url)
        #expect(r.status == 2)
        #expect(r.stderr.contains("deploy/auth-service.yaml:9:13: error: deploy/auth-service.yaml is an unrendered Helm template"))
        #expect(r.stderr.contains("helm template"))
    }

    /// The outage as a pull request: a base commit, then a commit on a branch that raises the
    /// prod pool in application.yml from 15 to 20. `verify` with no --current compares with the
    /// merge base, runs both sides, and blocks with the finding on the YAML line.
    @Test func verifyBlocksTheOutageAsAGitChange() async throws {
        let repo = try TemporaryRepository.copyOfServiceFixture()
        defer { repo.remove() }
        try repo.git("init", "-q", "-b", "main")
        try repo.git("add", "-A")
        try repo.git("commit", "-q", "-m", "the auth service as it runs")
        try repo.git("checkout", "-q", "-b", "raise-pool")
        try repo.git("branch", "-q", "--set-upstream-to=main")
        try repo.replace("maximum-pool-size: 15 ", with: "maximum-pool-size: 20 ", in: "src/main/resources/application.yml")
        try repo.git("commit", "-q", "-am", "more connections, fewer pool timeouts")

        let diff = try await ConfgateRunner.run(["diff", "--against", "main", "--proposed", "confgate.conf"], directory: repo.url)
        #expect(diff.status == 0)
        #expect(diff.stdout.contains("pool.max_size   15 → 20"))
        #expect(diff.stdout.contains("at src/main/resources/application.yml:29:26"))

        let r = try await ConfgateRunner.run(["verify", "--proposed", "confgate.conf", "--quick"], directory: repo.url)
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("[quick] BLOCKED: exhaustion"))
        #expect(r.stdout.contains("auth-service-6 did not start: its first connection was refused (53300)"), "\(r.stdout)")
        #expect(r.stdout.contains("- rule: src/main/resources/application.yml:29:7: CG101 steady demand 6 × 20 = 120 > usable 97"))
        #expect(r.stdout.contains("src/main/resources/application.yml:29:7: error[CG101]"))
        #expect(r.stderr.contains("confgate: comparing with the merge base with main"))
    }

    @Test func verifyOutsideGitWithoutCurrentIsExitTwo() async throws {
        let directory = try TemporaryRepository.copyOfServiceFixture()
        defer { directory.remove() }
        let r = try await ConfgateRunner.run(["verify", "--proposed", "confgate.conf", "--lint-only"],
                                       environment: ["GIT_CEILING_DIRECTORIES": directory.url.deletingLastPathComponent().path],
                                       directory: directory.url)
        #expect(r.status == 2)
        #expect(r.stderr.contains("not inside a git repository"))
        #expect(r.stderr.contains("--current FILE"))
    }
}

/// A temporary copy of fixtures/service, removed by the test.
struct TemporaryRepository {
    let url: URL

    static func copyOfServiceFixture() throws -> TemporaryRepository {
        try copy(of: "fixtures/service")
    }

    /// A temporary copy of a directory of the package (e.g. `fixtures/named-pools/spring`).
    static func copy(of directory: String) throws -> TemporaryRepository {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-service-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: ConfgateRunner.packageRoot.appendingPathComponent(directory), to: url)
        return TemporaryRepository(url: url)
    }

    func append(_ text: String, to path: String) throws {
        let file = url.appendingPathComponent(path)
        try (try String(contentsOf: file, encoding: .utf8) + text).write(to: file, atomically: true, encoding: .utf8)
    }

    func replace(_ old: String, with new: String, in path: String) throws {
        let file = url.appendingPathComponent(path)
        let text = try String(contentsOf: file, encoding: .utf8)
        precondition(text.contains(old), "\(path) has no `\(old)`")
        try text.replacingOccurrences(of: old, with: new).write(to: file, atomically: true, encoding: .utf8)
    }

    func git(_ arguments: String...) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-c", "user.name=confgate test", "-c", "user.email=test@confgate.invalid",
                             "-c", "commit.gpgsign=false"] + arguments
        process.currentDirectoryURL = url
        try process.run()
        process.waitUntilExit()
        precondition(process.terminationStatus == 0, "git \(arguments) failed")
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}

@Suite("CLI: confgate init")
struct InitCommandTests {
    @Test func initWritesAMapThatLintJudgesAsTheHandWrittenOne() async throws {
        let repo = try TemporaryRepository.copyOfServiceFixture()
        defer { repo.remove() }
        try FileManager.default.removeItem(at: repo.url.appendingPathComponent("confgate.conf"))
        let written = try await ConfgateRunner.run(["init"], directory: repo.url)
        #expect(written.status == 0)
        let map = try String(contentsOf: repo.url.appendingPathComponent("confgate.conf"), encoding: .utf8)
        #expect(map.contains("[pool]\nsource = \"spring:src/main/resources/application.yml\""))
        #expect(map.contains("[fleet]\nsource = \"kubernetes:deploy/auth-service.yaml\""))
        #expect(map.contains("[server]\nsource = \"postgresql:db/postgresql.conf\""))
        #expect(map.contains("#   max_size = 15    ← src/main/resources/application.yml:29:26"))
        #expect(map.contains("#   instances = 6    ← deploy/auth-service.yaml:60:16"))

        let lint = try await ConfgateRunner.run(["lint", "confgate.conf"], directory: repo.url)
        #expect(lint.status == 0)
        #expect(lint.stdout.contains("src/main/resources/application.yml:29:7: warning[CG103]: deploy demand (6 + 0) × 15 = 90"))

        let again = try await ConfgateRunner.run(["init"], directory: repo.url)
        #expect(again.status == 2)
        #expect(again.stderr.contains("--force"))
    }

    @Test func initOnAComposeLayoutReadsTheFleetTheServerAndTheEnvironment() async throws {
        let layout = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-compose-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: layout, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: layout) }
        try FileManager.default.copyItem(at: ConfgateRunner.packageRoot.appendingPathComponent("fixtures/sources/compose/compose.yaml"),
                                         to: layout.appendingPathComponent("compose.yaml"))
        let written = try await ConfgateRunner.run(["init"], directory: layout)
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.contains("[fleet]\nsource = \"compose:compose.yaml\""))
        #expect(written.stdout.contains("[server]\nsource = \"compose:compose.yaml\""))
        #expect(written.stdout.contains("#   max_size = 20    ← compose.yaml:19:49"))
        let lint = try await ConfgateRunner.run(["lint", "confgate.conf"], directory: layout)
        #expect(lint.status == 0)
        #expect(lint.stdout.contains("0 errors"))
    }

    /// The named-pools fixture without its hand-written map: init maps the replica as
    /// [pool.replica] with its prefix, and once the user says how many instances run and the
    /// server's limit, lint counts both pools as it does for the hand-written map.
    @Test func initMapsASecondDatasourceAsANamedPool() async throws {
        let repo = try TemporaryRepository.copy(of: "fixtures/named-pools/spring")
        defer { repo.remove() }
        try FileManager.default.removeItem(at: repo.url.appendingPathComponent("map.conf"))
        let written = try await ConfgateRunner.run(["init"], directory: repo.url)
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.contains("""
            [pool.replica]
            source = "spring:application.yml"
            prefix = "app.datasource.replica"
            #   max_size = 5    ← application.yml:16:28
            #   min_idle = 2    ← application.yml:17:23
            """))
        try repo.replace("instances = 1 ", with: "instances = 6 ", in: "confgate.conf")
        try repo.append("max_connections = 130\n", to: "confgate.conf")  // the last section is [server]
        let lint = try await ConfgateRunner.run(["lint", "confgate.conf"], directory: repo.url)
        #expect(lint.status == 0)
        #expect(lint.stdout.contains("application.yml:8:7: warning[CG103]: deploy demand (6 + 0) × (15 + 5) = 120 leaves 7 of usable 127"))
    }

    /// fixtures/named-pools/orders: four PostgreSQL datasources bound three different ways, a
    /// MySQL one and decoys; init maps the four and lint counts them all.
    @Test func initFindsEveryPostgresDatasourceAndLintCountsThem() async throws {
        let repo = try TemporaryRepository.copy(of: "fixtures/named-pools/orders")
        defer { repo.remove() }
        let written = try await ConfgateRunner.run(["init"], directory: repo.url)
        #expect(written.status == 0, "\(written.stderr)")
        for (name, prefix, at) in [("read", "spring.datasource.hikari.read", "15:28"), ("reporting", "app.datasource.reporting", "27:26"),
                                   ("audit", "app.datasource.audit", "32:28")] {
            #expect(written.stdout.contains("[pool.\(name)]\nsource = \"spring:src/main/resources/application.yml\"\nprefix = \"\(prefix)\"\n"
                + "#   max_size = ") && written.stdout.contains("← src/main/resources/application.yml:\(at)"))
        }
        #expect(!written.stdout.contains("legacy") && !written.stdout.contains("hazelcast"))
        #expect(written.stderr.contains("confgate init: app.datasource.legacy (src/main/resources/application.yml:35:17) is a jdbc:mysql datasource"))
        let lint = try await ConfgateRunner.run(["lint", "confgate.conf"], directory: repo.url)
        #expect(lint.status == 0)
        #expect(lint.stdout.contains("src/main/resources/application.yml:11:7: warning[CG103]: deploy demand (4 + 1) × (12 + 5 + 4 + 3) = 120 leaves 7 of usable 127"))
    }

    @Test func initOnAHelmChartReadsValuesAndSkipsTemplates() async throws {
        let chart = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-chart-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: ConfgateRunner.packageRoot.appendingPathComponent("fixtures/sources/helm/orders-api"), to: chart)
        defer { try? FileManager.default.removeItem(at: chart) }
        let r = try await ConfgateRunner.run(["init", "--dry-run"], directory: chart)
        #expect(r.status == 0)
        #expect(r.stdout.contains("[fleet]\nsource = \"kubernetes:values.yaml\""))
        #expect(r.stderr.contains("unrendered Helm templates, not read: templates/"))
        #expect(!FileManager.default.fileExists(atPath: chart.appendingPathComponent("confgate.conf").path))
    }
}
