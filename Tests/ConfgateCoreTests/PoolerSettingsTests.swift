import Foundation
import Testing
@testable import ConfgateCore

/// `[pooler]`: read like every other section, its defaults PgBouncer's, its two tiers in the
/// derived figures, the diff and the rules CG117–CG121.
@Suite("Pooler tier: settings, figures, rules")
struct PoolerSettingsTests {
    /// A fleet of 10 × 10 (12 during a deploy) behind one pooler; `extra` lines go in [pooler].
    private func settings(_ extra: String = "", fleet: String = "", database: String = "statement_timeout = 2s") throws -> Settings {
        try SettingsFile.parse("""
            [database]
            connect_timeout = 5s
            \(database)
            [pool]
            max_size = 10
            acquire_timeout = 2s
            [fleet]
            instances = 10
            max_surge = 2
            request_timeout = 5s
            \(fleet)
            [pooler]
            pool_mode = session
            query_wait_timeout = 3s
            \(extra)
            [server]
            max_connections = 50
            """, file: "svc.conf")
    }

    private func ids(_ s: Settings) throws -> [String] { try Linter.lint(s).map(\.ruleID) }

    @Test("a file without [pooler] has no pooler; any pooler key adds one with PgBouncer's defaults")
    func presence() throws {
        #expect(try SettingsFile.parse("[pool]\nmax_size = 5\n", file: "a.conf").pooler == nil)
        let s = try SettingsFile.parse("[pooler]\nmax_client_conn = 300\n", file: "a.conf")
        var expected = Settings.Pooler()
        expected.maxClientConn = 300
        #expect(s.pooler == expected)
        #expect(s.origins["pooler.max_client_conn"]?.value == SourceLocation(file: "a.conf", line: 2, column: 19))
    }

    @Test("each documented default, read back through its key, is the model's default")
    func documentedDefaults() throws {
        for key in SettingsCatalog.keys where key.section == "pooler" {
            let s = try SettingsFile.parse("[pooler]\n\(key.name) = \(key.defaultText)\n", file: "d.conf")
            #expect(s.pooler == Settings.Pooler(), "\(key.path) = \(key.defaultText)")
        }
    }

    @Test("a pool mode that is not one of PgBouncer's is exit 2 at its value, with a suggestion")
    func badPoolMode() {
        #expect {
            _ = try SettingsFile.parse("[pooler]\npool_mode = transction\n", file: "p.conf")
        } throws: { error in
            guard let error = error as? ConfgateError else { return false }
            return error.kind == .badInput && error.location == SourceLocation(file: "p.conf", line: 2, column: 13)
                && error.message.contains("one of session, transaction, statement") && error.message.contains("did you mean `transaction`?")
        }
        #expect(throws: ConfgateError.self) { try SettingsFile.parse("[pooler]\nmax_client_conn = 0\n", file: "p.conf") }
        #expect(throws: ConfgateError.self) { try SettingsFile.parse("[pooler]\nquery_wait_timeout = soon\n", file: "p.conf") }
    }

    @Test("two tiers: client capacity against demand, server pools (capped) against usable")
    func derived() throws {
        let s = try settings("max_client_conn = 110\ndefault_pool_size = 30\nreserve_pool_size = 10\nmax_db_connections = 35\ninstances = 2")
        let d = Derived(s)
        #expect(d.pooler?.clientCapacity == 220)
        #expect(d.pooler?.serverConnections == 70)  // 2 × min(30 + 10, 35)
        #expect(d.pooler?.serverHeadroom == 47 - 70)
        #expect(d.deployHeadroom == 220 - 120)
        #expect(d.serverDemand == 70 && d.demandLimit == 220)
        let direct = Derived(try SettingsFile.parse("[fleet]\ninstances = 4\nmax_surge = 1\n", file: "x.conf"))
        #expect(direct.pooler == nil && direct.serverDemand == 50 && direct.demandLimit == 97)
    }

    @Test("a trial's one process stands for every pooler: limits × instances, the tiers' figures unchanged")
    func oneProcess() throws {
        let s = try settings("max_client_conn = 60\ndefault_pool_size = 10\nreserve_pool_size = 2\nmax_db_connections = 11\ninstances = 2")
        let one = try #require(s.pooler?.asOneProcess)
        #expect(one.instances == 1 && one.maxClientConn == 120 && one.defaultPoolSize == 20 && one.reservePoolSize == 4)
        #expect(one.maxDbConnections == 22 && one.maxUserConnections == 0 && one.queryWaitTimeout == s.pooler?.queryWaitTimeout)
        #expect(one.clientCapacity == s.pooler?.clientCapacity && one.serverConnections == s.pooler?.serverConnections)
    }

    @Test("CG117: deploy demand above max_client_conn, steady demand fitting; fix names the limit that fits")
    func cg117() throws {
        let s = try settings("max_client_conn = 110")
        let finding = try #require(try Linter.lint(s).first { $0.ruleID == "CG117" })
        #expect(finding.message == "deploy demand (10 + 2) × 10 = 120 > client capacity 110 (1 pooler × max_client_conn 110); steady demand 100 fits")
        #expect(finding.fix.hasPrefix("raise pooler.max_client_conn to 120"))
        #expect(finding.location?.line == 15)
        #expect(try !ids(try settings("max_client_conn = 120")).contains("CG117"))
        let steady = try #require(try Linter.lint(try settings("max_client_conn = 90")).first { $0.ruleID == "CG117" })
        #expect(steady.message.hasPrefix("steady demand 10 × 10 = 100 > client capacity 90"))
    }

    @Test("with a pooler, fleet demand above usable is not CG101/CG102: the pools reach the pooler")
    func directRulesStandAside() throws {
        let s = try settings()  // 120 deploy demand, usable 47
        let found = try ids(s)
        #expect(!found.contains("CG101") && !found.contains("CG102") && !found.contains("CG103"))
        var direct = s
        direct.pooler = nil
        #expect(try ids(direct).contains("CG101"))
    }

    @Test("CG118: server pools above usable; max_db_connections caps them")
    func cg118() throws {
        let finding = try #require(try Linter.lint(try settings("default_pool_size = 40\nreserve_pool_size = 20")).first { $0.ruleID == "CG118" })
        #expect(finding.message == "pooler server connections 1 pooler × (40 default_pool_size + 20 reserve_pool_size) = 60 > usable 47 (50 max_connections − 3 superuser_reserved − 0 reserved − 0 other_clients)")
        #expect(finding.fix.contains("max_db_connections = 47"))
        #expect(try !ids(try settings("default_pool_size = 40\nreserve_pool_size = 20\nmax_db_connections = 47")).contains("CG118"))
        #expect(try !ids(try settings("default_pool_size = 47")).contains("CG118"))
    }

    @Test("CG119: statement mode is an error; transaction mode with per-connection settings a warning; session mode clean")
    func cg119() throws {
        let statement = try #require(try Linter.lint(try settings().with { $0.pooler?.poolMode = .statement }).first { $0.ruleID == "CG119" })
        #expect(statement.severity == .error)
        let transaction = try #require(try Linter.lint(try settings().with { $0.pooler?.poolMode = .transaction }).first { $0.ruleID == "CG119" })
        #expect(transaction.severity == .warning && transaction.message.contains("statement_timeout"))
        #expect(try !ids(try settings(database: "").with { $0.pooler?.poolMode = .transaction }).contains("CG119"))
        #expect(try !ids(try settings()).contains("CG119"))
    }

    @Test("CG120: query_wait_timeout off or not below request_timeout")
    func cg120() throws {
        #expect(try ids(try settings().with { $0.pooler?.queryWaitTimeout = .seconds(0) }).contains("CG120"))
        #expect(try ids(try settings().with { $0.pooler?.queryWaitTimeout = .seconds(5) }).contains("CG120"))
        #expect(try !ids(try settings().with { $0.pooler?.queryWaitTimeout = .milliseconds(4_999) }).contains("CG120"))
    }

    @Test("CG121: max_client_conn + server connections + 10 above file_limit")
    func cg121() throws {
        let finding = try #require(try Linter.lint(try settings("max_client_conn = 1000\nfile_limit = 1024")).first { $0.ruleID == "CG121" })
        #expect(finding.message == "max_client_conn 1000 + server connections 20 + 10 = 1030 files > file_limit 1024")
        #expect(try !ids(try settings("max_client_conn = 994\nfile_limit = 1024")).contains("CG121"))
    }

    @Test("diff: server demand and client capacity figures; problems name the tier")
    func diff() throws {
        let current = try settings("max_client_conn = 200")
        let proposed = try settings("max_client_conn = 110\ndefault_pool_size = 60")
        let diff = SettingsDiff(current: current, proposed: proposed)
        let names = diff.figures.map(\.name)
        #expect(names.suffix(3) == ["client_capacity", "server_demand", "server_headroom"])
        #expect(diff.figures.first { $0.name == "server_demand" }.map { ($0.current, $0.proposed) } ?? (0, 0) == (20, 60))
        #expect(diff.problems.map(\.kind) == [.clientsExceedPooler, .poolerExceedsUsable])
        #expect(diff.problems.allSatisfy { $0.side == "proposed" })
        let text = DiffTextRenderer(style: .plain).render(diff)
        #expect(text.contains("✗ proposed: deploy demand 120 exceeds the pooler's client capacity 110 (1 × max_client_conn 110) by 10"))
        #expect(text.contains("✓ current: deploy demand 120 fits the pooler's client capacity 200; its server connections 20 fit usable 47"))
    }

    @Test("every rule is in docs/rules.md's table and has its anchored section")
    func rulesDocumented() throws {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let text = try String(contentsOf: url.appendingPathComponent("docs/rules.md"), encoding: .utf8)
        for rule in Rules.all {
            #expect(text.contains("| [\(rule.id)](#\(rule.anchor)) |"), "\(rule.id) in the table")
            #expect(text.contains("<a id=\"\(rule.anchor)\"></a>\n## \(rule.id)\n"), "\(rule.id) section")
        }
    }
}

private extension Settings {
    func with(_ edit: (inout Settings) -> Void) -> Settings {
        var copy = self
        edit(&copy)
        return copy
    }
}
