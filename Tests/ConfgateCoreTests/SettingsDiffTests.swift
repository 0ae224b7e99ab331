import Testing
@testable import ConfgateCore

@Suite("Diff: meaning, defaults, derived figures")
struct SettingsDiffTests {
    private func settings(_ text: String, file: String = "x.conf") throws -> Settings {
        try SettingsFile.parse(text, file: file)
    }

    private func diff(_ a: String, _ b: String) throws -> SettingsDiff {
        SettingsDiff(current: try settings(a, file: "a.conf"), proposed: try settings(b, file: "b.conf"))
    }

    @Test func sameMeaningDifferentSpellingIsNotAChange() throws {
        let d = try diff("[pool]\nacquire_timeout = 30s", "[pool]\nacquire_timeout = 30000ms")
        #expect(d.changes.isEmpty)
        #expect(d.isEmpty)
        let equivalent = try #require(d.equivalents.first)
        #expect(equivalent.key == "pool.acquire_timeout")
        #expect(equivalent.current.text == "30s")
        #expect(equivalent.current.written == nil)
        #expect(equivalent.proposed.text == "30s")
        #expect(equivalent.proposed.written == "30000ms")
    }

    @Test func identicalFilesHaveNoDifferences() throws {
        let text = "[pool]\nmax_size = 5\n[server]\nmax_connections = 50"
        let d = try diff(text, text)
        #expect(d.changes.isEmpty && d.equivalents.isEmpty)
    }

    @Test func writingOutADefaultIsNotAChange() throws {
        let d = try diff("[pool]\nmax_size = 10", "[pool]\nmax_size = 10\nidle_timeout = 10min")
        #expect(d.changes.isEmpty)
        let equivalent = try #require(d.equivalents.first)
        #expect(equivalent.key == "pool.idle_timeout")
        #expect(equivalent.current.isDefault)
        #expect(!equivalent.proposed.isDefault)
    }

    @Test func movingFromDefaultToExplicitShowsBoth() throws {
        let d = try diff("[pool]\nmax_size = 10", "[pool]\nmax_size = 10\nacquire_timeout = 5s")
        let change = try #require(d.changes.first)
        #expect(change.key == "pool.acquire_timeout")
        #expect(change.current == .init(text: "30s", isDefault: true, written: nil, number: 30_000_000, location: nil))
        #expect(change.proposed.text == "5s")
        #expect(!change.proposed.isDefault)
        #expect(change.proposed.location == ConfgateCore.SourceLocation(file: "b.conf", line: 3, column: 19))
        #expect(DiffTextRenderer.shown(change.current) == "30s (default)")
    }

    @Test func aDefaultMinIdleFollowsMaxSize() throws {
        let d = try diff("[pool]\nmax_size = 15", "[pool]\nmax_size = 20")
        #expect(d.changes.map(\.key) == ["pool.max_size", "pool.min_idle"])
        let minIdle = d.changes[1]
        #expect(minIdle.current.text == "15" && minIdle.proposed.text == "20")
        #expect(minIdle.current.defaultNote == "follows max_size")
        #expect(DiffTextRenderer.shown(minIdle.proposed) == "20 (default, follows max_size)")
        #expect(DiffTextRenderer.transition(minIdle) == "15 → 20 (default, follows max_size)")
        let explicit = try diff("[pool]\nmax_size = 15", "[pool]\nmax_size = 15\nmin_idle = 15")
        #expect(explicit.changes.isEmpty)
        #expect(explicit.equivalents.map(\.key) == ["pool.min_idle"])
    }

    @Test func offAndUnsetTimeoutsMeanTheSame() throws {
        let d = try diff("[database]\nstatement_timeout = 0", "[database]\nstatement_timeout = off")
        #expect(d.changes.isEmpty)
        #expect(try diff("", "[database]\nstatement_timeout = off").changes.isEmpty)
        #expect(try diff("", "[database]\nstatement_timeout = 1s").changes.first?.current.text == "off")
    }

    @Test func changedValuesKeepTheirUnitsAndNumbers() throws {
        let d = try diff("[pool]\nmax_size = 15\nmax_lifetime = 30min", "[pool]\nmax_size = 20\nmax_lifetime = 1800001ms")
        let lifetime = try #require(d.changes.first { $0.key == "pool.max_lifetime" })
        #expect(lifetime.current.text == "30min" && lifetime.proposed.text == "1800001ms")
        #expect(lifetime.current.number == 1_800_000_000 && lifetime.proposed.number == 1_800_001_000)
        #expect(lifetime.kind == .duration)
        let size = try #require(d.changes.first { $0.key == "pool.max_size" })
        #expect(size.unit == "connections per instance" && size.kind == .count)
    }

    @Test func dsnsCompareByLibpqsParse() throws {
        let same = try diff("[database]\ndsn = 'postgresql://auth@db:5432/auth'",
                            "[database]\ndsn = 'host=db port=5432 user=auth dbname=auth'")
        #expect(same.changes.isEmpty)
        #expect(same.equivalents.first?.note == "written differently")
        let renamed = try diff("[database]\ndsn = 'host=db application_name=a'", "[database]\ndsn = 'host=db application_name=b'")
        #expect(renamed.changes.first?.parameters == [.init(keyword: "application_name", current: "a", proposed: "b")])
    }

    @Test func aChangedPasswordIsShownOnlyAsChanged() throws {
        let d = try diff("[database]\ndsn = 'host=db password=old-secret'", "[database]\ndsn = 'host=db password=new-secret'")
        let change = try #require(d.changes.first)
        #expect(change.note == "password changed")
        #expect(change.parameters == [.init(keyword: "password", current: "***", proposed: "***")])
        #expect(change.current.text == "host=db password=***")
        for output in [DiffTextRenderer().render(d), DiffJSONRenderer().render(d), DiffMarkdownRenderer().render(d)] {
            #expect(!output.contains("old-secret"))
            #expect(!output.contains("new-secret"))
        }
    }

    @Test func derivedFiguresCountEveryReservation() throws {
        let s = try settings("""
            [pool]
            max_size = 12
            [fleet]
            instances = 5
            max_surge = 2
            [server]
            max_connections = 100
            superuser_reserved_connections = 4
            reserved_connections = 6
            other_clients = 10
            """)
        let d = Derived(s)
        #expect(d.usable == 80)
        #expect(d.steadyDemand == 60)
        #expect(d.deployDemand == 84)
        #expect(d.steadyHeadroom == 20)
        #expect(d.deployHeadroom == -4)
        #expect(Derived.percent(d.steadyHeadroom, of: d.usable) == 25)
        #expect(Derived.percent(d.deployHeadroom, of: d.usable) == -5)
    }

    @Test func figuresCompareBothSides() throws {
        let d = try diff("[pool]\nmax_size = 15\n[fleet]\ninstances = 6",
                         "[pool]\nmax_size = 15\n[fleet]\ninstances = 6\n[server]\nother_clients = 7")
        let usable = try #require(d.figures.first { $0.name == "usable" })
        #expect(usable.current == 97 && usable.proposed == 90 && usable.change == -7)
        let headroom = try #require(d.figures.first { $0.name == "steady_headroom" })
        #expect(headroom.current == 7 && headroom.proposed == 0)
        #expect(headroom.proposedPercent == 0)
        #expect(d.figures.map(\.name) == ["usable", "steady_demand", "deploy_demand", "steady_headroom", "deploy_headroom"])
        #expect(d.problems.isEmpty)
    }

    @Test func steadyOverflowIsAProblem() throws {
        let d = try diff("[pool]\nmax_size = 15\n[fleet]\ninstances = 6", "[pool]\nmax_size = 20\n[fleet]\ninstances = 6")
        #expect(d.problems == [.init(side: "proposed", kind: .steadyExceedsUsable, demand: 120, usable: 97,
                                      message: "steady demand 120 (6 instances × max_size 20) exceeds usable 97 by 23")])
    }

    @Test func deployOverflowIsAProblemOnlyWhenSteadyFits() throws {
        let d = try diff("[pool]\nmax_size = 15\n[fleet]\ninstances = 6",
                         "[pool]\nmax_size = 15\n[fleet]\ninstances = 6\nmax_surge = 1")
        #expect(d.problems.map(\.kind) == [.deployExceedsUsable])
        #expect(d.problems.first?.message == "deploy demand 105 ((6 instances + max_surge 1) × max_size 15) exceeds usable 97 by 8")
    }

    @Test func demandEqualToUsableFits() throws {
        let d = try diff("[pool]\nmax_size = 97", "[pool]\nmax_size = 98")
        #expect(d.problems.map(\.side) == ["proposed"])
    }

    @Test func nothingUsableIsAProblem() throws {
        let d = try diff("", "[server]\nmax_connections = 10\nother_clients = 7")
        #expect(d.problems.first?.kind == .nothingUsable)
        #expect(d.problems.first?.usable == 0)
    }

    @Test func fixturesShowWhatTheirCommentsSay() throws {
        let current = try SettingsFile.load(path: Fixtures.path("current.conf"))
        func against(_ name: String) throws -> SettingsDiff {
            SettingsDiff(current: current, proposed: try SettingsFile.load(path: Fixtures.path(name)))
        }
        #expect(Derived(current).usable == 97 && Derived(current).steadyDemand == 90)
        let outage = try against("outage.conf")
        #expect(outage.changes.map(\.key) == ["pool.max_size", "pool.min_idle"])
        #expect(outage.problems.map(\.kind) == [.steadyExceedsUsable])
        let deploy = try against("deploy-overflow.conf")
        #expect(deploy.changes.map(\.key) == ["fleet.max_surge"])
        #expect(deploy.problems.map(\.kind) == [.deployExceedsUsable])
        let harmless = try against("harmless.conf")
        #expect(harmless.changes.map(\.key) == ["pool.idle_timeout"])
        #expect(harmless.equivalents.map(\.key) == ["database.statement_timeout"])
        #expect(harmless.problems.isEmpty)
        let shrink = try against("pool-shrink.conf")
        #expect(shrink.changes.map(\.key) == ["pool.max_size", "pool.min_idle"])
        #expect(shrink.problems.isEmpty)
    }
}
