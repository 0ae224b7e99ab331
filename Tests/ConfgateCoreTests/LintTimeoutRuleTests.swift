import Testing
@testable import ConfgateCore

@Suite("Lint: timeout, DSN and server rules")
struct LintTimeoutRuleTests {
    typealias F = LintFixture

    @Test("CG105 fires when acquire_timeout = request_timeout, at pool.acquire_timeout")
    func cg105() throws {
        let settings = F.with { $0.pool.acquireTimeout = .seconds(10) }
        let finding = try #require(try F.findings("CG105", in: settings).first)
        #expect(finding.severity == .warning)
        #expect(finding.location == F.location("pool.acquire_timeout"))
        #expect(finding.message == "acquire_timeout 10s = request_timeout 10s")
        let above = F.with { $0.pool.acquireTimeout = .seconds(30) }
        #expect(try F.findings("CG105", in: above).first?.message == "acquire_timeout 30s > request_timeout 10s")
    }

    @Test("CG105 does not fire when acquire_timeout is just below request_timeout")
    func cg105NearMiss() throws {
        let settings = F.with { $0.pool.acquireTimeout = .milliseconds(9_999) }
        #expect(try F.findings("CG105", in: settings) == [])
    }

    @Test("CG110 fires without connect_timeout, placed at the DSN line")
    func cg110() throws {
        var settings = F.with { $0.database.connectTimeout = nil }
        settings.origins["database.connect_timeout"] = nil
        let finding = try #require(try F.findings("CG110", in: settings).first)
        #expect(finding.severity == .warning)
        #expect(finding.location == F.location("database.dsn"))
        #expect(finding.message == "no connect_timeout: libpq waits forever for a server that does not answer")
    }

    @Test("CG110 fires for connect_timeout 0 at its line; not when the DSN sets connect_timeout")
    func cg110ZeroAndDSN() throws {
        let zero = F.with { $0.database.connectTimeout = .seconds(0) }
        let finding = try #require(try F.findings("CG110", in: zero).first)
        #expect(finding.location == F.location("database.connect_timeout"))
        #expect(finding.message.hasPrefix("connect_timeout 0s"))

        let inDSN = F.with {
            $0.database.connectTimeout = nil
            $0.database.dsn?.parameters.append(.init(keyword: "connect_timeout", value: "5"))
        }
        #expect(try F.findings("CG110", in: inDSN) == [])
    }

    @Test("CG111 fires without statement_timeout; not when the DSN's options set it")
    func cg111() throws {
        var settings = F.with { $0.database.statementTimeout = nil }
        settings.origins["database.statement_timeout"] = nil
        let finding = try #require(try F.findings("CG111", in: settings).first)
        #expect(finding.severity == .warning)
        #expect(finding.location == F.location("database.dsn"))
        #expect(finding.message == "no statement_timeout: one slow query holds a pooled connection indefinitely")

        let inOptions = F.with {
            $0.database.statementTimeout = nil
            $0.database.dsn?.parameters.append(.init(keyword: "options", value: "-c statement_timeout=2000"))
        }
        #expect(try F.findings("CG111", in: inOptions) == [])
    }

    @Test("CG112 fires for a password in the DSN, without printing it")
    func cg112() throws {
        let settings = F.with {
            $0.database.dsn = DSN(
                raw: "postgresql://auth:s3cret-pw@db.internal/auth",
                parameters: [.init(keyword: "user", value: "auth"), .init(keyword: "password", value: "s3cret-pw")])
        }
        let finding = try #require(try F.findings("CG112", in: settings).first)
        #expect(finding.severity == .warning)
        #expect(finding.location == F.location("database.dsn"))
        let everything = [finding.message, finding.explanation, finding.fix].joined()
        #expect(!everything.contains("s3cret-pw"))
        #expect(try F.findings("CG112", in: F.base) == [])
    }

    @Test("CG113 fires above 500 max_connections, at server.max_connections; not at 500")
    func cg113() throws {
        let settings = F.with { $0.server.maxConnections = 501 }
        let finding = try #require(try F.findings("CG113", in: settings).first)
        #expect(finding.severity == .warning)
        #expect(finding.location == F.location("server.max_connections"))
        #expect(finding.message.hasPrefix("max_connections 501 > 500"))
        #expect(try F.findings("CG113", in: F.with { $0.server.maxConnections = 500 }) == [])
    }

    @Test("CG115 fires when statement_timeout = request_timeout; not just below")
    func cg115() throws {
        let settings = F.with { $0.database.statementTimeout = .seconds(10) }
        let finding = try #require(try F.findings("CG115", in: settings).first)
        #expect(finding.severity == .warning)
        #expect(finding.location == F.location("database.statement_timeout"))
        #expect(finding.message == "statement_timeout 10s = request_timeout 10s")
        #expect(try F.findings("CG115", in: F.with { $0.database.statementTimeout = .seconds(9) }) == [])
    }

    @Test("every rule has a unique ID, a title and a docs anchor")
    func registry() {
        let ids = Rules.all.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.contains("CG101") && ids.contains("CG113") && ids.contains("CG201"))
        for rule in Rules.all {
            #expect(rule.anchor == rule.id.lowercased())
            #expect(rule.helpURI() == "docs/rules.md#\(rule.anchor)")
            #expect(!rule.title.isEmpty && !rule.name.contains(" "))
        }
        #expect(Rules.rule(id: "cg110")?.id == "CG110")
        #expect(Rules.cg101.severity == .error && Rules.cg201.severity == .info)
    }
}
