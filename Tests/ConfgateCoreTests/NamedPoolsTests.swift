import Foundation
import Testing
@testable import ConfgateCore

/// `[pool.NAME]` (issue #12, item 2): more pools per instance, read with the same keys and
/// defaults as `[pool]`, and counted in every figure.
@Suite("Named pools: [pool.NAME] in the file format, the figures, diff, lint and sources")
struct NamedPoolsTests {
    static let current = Fixtures.path("named-pools/current.conf")
    static let proposed = Fixtures.path("named-pools/proposed.conf")

    @Test func aNamedPoolTakesThePoolKeysWithTheirDefaultsAndPositions() throws {
        let settings = try SettingsFile.load(path: Self.current)
        #expect(settings.namedPools.map(\.name) == ["replica"])
        let replica = try #require(settings.namedPool("replica"))
        #expect(replica.maxSize == 5 && replica.effectiveMinIdle == 5)
        #expect(replica.acquireTimeout == .seconds(2) && replica.maxLifetime == .minutes(30) && replica.effectiveStartFailure == .crash)
        let origin = try #require(settings.origins["pool.replica.max_size"])
        #expect(origin.key.line == 13 && origin.key.column == 1)
        #expect(origin.value.line == 13 && origin.value.column == 12)
        #expect(settings.sections["pool.replica"]?.line == 12)
        #expect(settings.pool.maxSize == 15, "the main pool stays `pool`")
    }

    @Test func aHeaderAloneDeclaresAPoolOfDefaults() throws {
        let settings = try SettingsFile.parse("[pool]\nmax_size = 4\n[pool.reporting]\n", file: "t.conf")
        #expect(settings.namedPools == [.init(name: "reporting")])
        #expect(Derived(settings).steadyDemand == 4 + 10)
    }

    @Test func demandCountsEveryPoolOfEveryProcess() throws {
        var settings = try SettingsFile.load(path: Self.current)
        var d = Derived(settings)
        #expect(d.usable == 127 && d.steadyDemand == 6 * (15 + 5) && d.deployDemand == 120)
        settings.fleet.processes = 2
        settings.fleet.maxSurge = 1
        d = Derived(settings)
        #expect(d.steadyDemand == 6 * 2 * 20 && d.deployDemand == 7 * 2 * 20)
        #expect(settings.maxSizeText == "(15 + 5)" && settings.maxSizeNamedText == "max_size (pool 15 + replica 5)")
    }

    @Test func diffShowsTheNamedPoolsKeysWithPositionsAndTheNewDemand() throws {
        let diff = SettingsDiff(current: try SettingsFile.load(path: Self.current), proposed: try SettingsFile.load(path: Self.proposed))
        #expect(diff.changes.map(\.key) == ["pool.replica.max_size", "pool.replica.min_idle"])
        let size = diff.changes[0]
        #expect(size.section == "pool.replica" && size.current.text == "5" && size.proposed.text == "10")
        #expect(size.proposed.location?.line == 13 && size.proposed.location?.column == 12)
        #expect(diff.changes[1].proposed.defaultNote == "follows max_size")
        let steady = try #require(diff.figures.first { $0.name == "steady_demand" })
        #expect(steady.current == 120 && steady.proposed == 150 && steady.change == 30)
        #expect(diff.problems.map(\.message) == [
            "steady demand 150 (6 instances × max_size (pool 15 + replica 10)) exceeds usable 127 by 23",
        ])
    }

    @Test func anAddedPoolShowsNoneOnTheSideWithoutIt() throws {
        let without = try SettingsFile.parse("[pool]\nmax_size = 15\n", file: "a.conf")
        let with = try SettingsFile.parse("[pool]\nmax_size = 15\n[pool.replica]\nmax_size = 5\n", file: "b.conf")
        let diff = SettingsDiff(current: without, proposed: with)
        let size = try #require(diff.changes.first { $0.key == "pool.replica.max_size" })
        #expect(size.current.text == "none" && size.proposed.text == "5" && size.proposed.location?.line == 4)
        #expect(diff.figures.first { $0.name == "steady_demand" }?.change == 5)
        let removed = SettingsDiff(current: with, proposed: without)
        #expect(removed.changes.first { $0.key == "pool.replica.max_size" }?.proposed.text == "none")
        #expect(SettingsDiff(current: with, proposed: with).isEmpty)
    }

    @Test func lintArithmeticNamesEveryPoolAndTheFixKeepsTheNamedOnes() throws {
        let findings = try Linter.lint(try SettingsFile.load(path: Self.proposed))
        let cg101 = try #require(findings.first { $0.ruleID == "CG101" })
        #expect(cg101.message.hasPrefix("steady demand 6 × (15 + 10) = 150 > usable 127"))
        #expect(cg101.fix.hasPrefix("lower pool.max_size to 11 (6 × (11 + 10) = 126 ≤ 127)"))
    }

    @Test func poolRulesJudgeEachNamedPoolAtItsOwnKeys() throws {
        let text = "[pool]\nmax_size = 10\n[pool.replica]\nmax_size = 5\nmin_idle = 9  # kept\n[fleet]\nrequest_timeout = 5s\n"
        let findings = try Linter.lint(try SettingsFile.parse(text, file: "t.conf"))
        let cg104 = try #require(findings.first { $0.ruleID == "CG104" })
        #expect(cg104.message == "[pool.replica] min_idle 9 > max_size 5")
        #expect(cg104.key == "pool.replica.min_idle" && cg104.location?.line == 5)
        #expect(cg104.fix.hasPrefix("set pool.replica.min_idle to at most 5"))
        #expect(findings.filter { $0.ruleID == "CG104" }.count == 1, "the main pool is fine")

        let suppressed = text.replacingOccurrences(of: "# kept", with: "# confgate: ignore CG104 -- replica warms lazily")
        let quiet = try Linter.lint(try SettingsFile.parse(suppressed, file: "t.conf"))
        #expect(quiet.first { $0.ruleID == "CG104" }?.isActive == false)
    }

    @Test(arguments: [
        BadInput("[pool.Replica]\n", 1, 7, "bad pool name in [pool.Replica]: a pool's name starts with a lower-case letter"),
        BadInput("[pool.]\n", 1, 7, "bad pool name in [pool.]: a pool's name is empty: write [pool.NAME], e.g. [pool.replica]"),
        BadInput("[pool.a.b]\n", 1, 7, "a named pool's section is [pool.NAME], with one `.`; got [pool.a.b]"),
        BadInput("\n[fleet.x]\n", 2, 2, "unknown section [fleet.x]: only [pool] takes a name, as in [pool.replica]"),
        BadInput("[pool.replica]\nmaximumPoolSize = 5\n", 2, 1, "unknown key `maximumPoolSize` in [pool.replica]; did you mean `max_size`?"),
        BadInput("[pool.replica]\nmax_size = 0\n", 2, 12, "`max_size` must be at least 1, got 0: a pool needs at least one connection"),
        BadInput("[pool.r]\nmax_size = 2\n[pool]\n[pool.r]\nmax_size = 3\n", 5, 1, "`max_size` is set twice in [pool.r]"),
    ])
    func aBadNamedPoolIsExitTwoAtItsPosition(_ bad: BadInput) {
        do {
            _ = try SettingsFile.parse(bad.text, file: "t.conf")
            Issue.record("parsed without error: \(bad.text.debugDescription)")
        } catch {
            #expect(error.message == bad.message)
            #expect(error.location?.line == bad.line && error.location?.column == bad.column, "\(String(describing: error.location))")
            #expect(error.exitCode == 2)
        }
    }

    @Test func jsonRoundTripsAndOldJSONStillReads() throws {
        let settings = try SettingsFile.load(path: Self.current)
        let data = try JSONEncoder().encode(settings)
        let read = try JSONDecoder().decode(Settings.self, from: data)  // the DSN is written redacted
        #expect(read.namedPools == settings.namedPools && read.pool == settings.pool && read.origins == settings.origins)
        // Without named pools the JSON is what it always was: no `namedPools` key, and it reads back.
        let plain = try JSONEncoder().encode(Settings())
        #expect(!String(decoding: plain, as: UTF8.self).contains("namedPools"))
        #expect(try JSONDecoder().decode(Settings.self, from: plain) == Settings())
    }

    @Test func aFleetMapPointsANamedPoolAtASecondDatasourcesPrefix() throws {
        let settings = try SettingsFile.load(path: Fixtures.path("named-pools/spring/map.conf"))
        #expect(settings.pool.maxSize == 15)
        let replica = try #require(settings.namedPool("replica"))
        #expect(replica.maxSize == 5 && replica.minIdle == 2 && replica.acquireTimeout == .seconds(2))
        let origin = try #require(settings.origins["pool.replica.max_size"])
        #expect(origin.value.file.hasSuffix("named-pools/spring/application.yml"))
        #expect(origin.value.line == 16 && origin.value.column == 28)
        #expect(settings.origins["pool.replica.min_idle"]?.value.line == 17)
        #expect(Derived(settings).steadyDemand == 6 * 20)
    }

    @Test func aNamedPoolReadsASecondHikariFileUnderItsPrefix() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-named-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "reporting.jdbcUrl=jdbc:postgresql://r/x\nreporting.maximumPoolSize=3\n"
            .write(toFile: dir + "/reporting.properties", atomically: true, encoding: .utf8)
        let map = "[pool]\nmax_size = 4\n[pool.reporting]\nsource = \"hikari:reporting.properties\"\nprefix = \"reporting.\"\n[fleet]\ninstances = 2\n"
        try map.write(toFile: dir + "/map.conf", atomically: true, encoding: .utf8)
        let settings = try SettingsFile.load(path: dir + "/map.conf")
        #expect(settings.namedPool("reporting")?.maxSize == 3 && settings.pool.maxSize == 4)
        #expect(settings.origins["pool.reporting.max_size"]?.value.line == 2)
        #expect(settings.database.dsn == nil, "the named pool's source does not feed [database]")
        #expect(Derived(settings).steadyDemand == 2 * (4 + 3))
    }

    /// tune varies the main pool; the named pools keep their sizes in its demand, but serve no
    /// logins, so Little's law counts the main pools only.
    @Test func tuneVariesTheMainPoolAndCountsTheNamedOnesInDemand() {
        var s = Settings(pool: .init(maxSize: 15), fleet: .init(instances: 6), server: .init(maxConnections: 100))
        s.namedPools = [.init(name: "replica", pool: .init(maxSize: 5))]
        let a = TuneArithmetic(settings: s, gate: GateSettings(), dimension: .poolMaxSize)
        #expect(a.hardEdge == 11)
        #expect(a.hardEdgeText == "6 × (11 + 5) = 96 ≤ 97")
        #expect(a.pastHardEdgeText == "6 × (12 + 5) = 102 > 97")
        #expect(a.littleMinimum == 1)
        var busy = GateSettings()
        busy.load.dbTime = .milliseconds(100)  // 1200 logins/s × 100ms = 120 busy: more than 6 × 11
        #expect(TuneArithmetic(settings: s, gate: busy, dimension: .poolMaxSize).impossible?.contains("gives the fleet 66") == true)
    }
}

