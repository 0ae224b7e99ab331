import Foundation
import Testing
@testable import ConfgateCore

@Suite("Lint: renderers")
struct LintRendererTests {
    typealias F = LintFixture

    /// CG101 (error, at pool.max_size line 7), CG105 (warning, line 9) suppressed by comment,
    /// and CG109 (info, line 10).
    static func sample() throws -> [Finding] {
        var settings = F.with {
            $0.pool.maxSize = 20
            $0.server.otherClients = 10
            $0.pool.acquireTimeout = .seconds(10)
            $0.pool.idleTimeout = .minutes(5)
        }
        settings.origins["pool.acquire_timeout"] = F.origin(
            "pool.acquire_timeout", comment: "confgate: ignore CG105 -- callers retry")
        settings.origins["pool.idle_timeout"] = F.origin("pool.idle_timeout")
        return try Linter.lint(settings)
    }

    @Test("the sample has the findings the renderer tests rely on")
    func sampleShape() throws {
        #expect(try Self.sample().map(\.ruleID) == ["CG101", "CG105", "CG109"])
    }

    @Test("text: compiler-style head line, then why, fix and doc link; suppressed marked; summary")
    func text() throws {
        let lines = LintRenderer.text(try Self.sample()).split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "svc.conf:7:1: error[CG101]: steady demand 6 × 20 = 120 > usable 87 (100 max_connections − 3 superuser_reserved − 0 reserved − 10 other_clients)")
        #expect(lines[1].hasPrefix("    why: When every instance fills its pool"))
        #expect(lines[2].hasPrefix("    fix: lower pool.max_size to 14"))
        #expect(lines[3] == "    see: docs/rules.md#cg101")
        #expect(lines[4] == "svc.conf:9:1: warning[CG105]: acquire_timeout 10s = request_timeout 10s [suppressed: inline comment: callers retry]")
        #expect(lines[8].hasPrefix("svc.conf:10:1: info[CG109]: "))
        #expect(lines[12] == "1 error, 0 warnings, 1 info (1 suppressed)")
        #expect(lines.last == "")
    }

    @Test("text: colour only when asked")
    func textColour() throws {
        let findings = try Self.sample()
        #expect(!LintRenderer.text(findings).contains("\u{1B}["))
        let coloured = LintRenderer.text(findings, color: true)
        #expect(coloured.contains("\u{1B}[1;31merror[CG101]\u{1B}[0m"))
    }

    @Test("text: no findings says so; a finding without a location has no location prefix")
    func textEdges() {
        #expect(LintRenderer.text([]) == "no findings\n")
        let bare = Finding(ruleID: "CG110", severity: .warning, message: "m", explanation: "e", fix: "f")
        #expect(LintRenderer.text([bare]).hasPrefix("warning[CG110]: m\n"))
    }

    @Test("json: a versioned document with every field, nulls included, and counts")
    func json() throws {
        let text = LintRenderer.json(try Self.sample())
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(root["version"] as? Int == 1)
        let summary = try #require(root["summary"] as? [String: Int])
        #expect(summary == ["errors": 1, "warnings": 0, "info": 1, "suppressed": 1])
        let findings = try #require(root["findings"] as? [[String: Any]])
        #expect(findings.count == 3)
        let first = findings[0]
        #expect(Set(first.keys) == ["ruleID", "severity", "title", "message", "explanation", "fix", "help", "key", "location", "suppressed", "suppression"])
        #expect(first["ruleID"] as? String == "CG101")
        #expect(first["severity"] as? String == "error")
        #expect(first["title"] as? String == "Steady demand exceeds usable connections")
        #expect(first["help"] as? String == "docs/rules.md#cg101")
        #expect(first["key"] as? String == "pool.max_size")
        let location = try #require(first["location"] as? [String: Any])
        #expect(location["file"] as? String == "svc.conf")
        #expect(location["line"] as? Int == 7)
        #expect(location["column"] as? Int == 1)
        #expect(first["suppressed"] as? Bool == false)
        #expect(first["suppression"] is NSNull)
        let suppression = try #require(findings[1]["suppression"] as? [String: Any])
        #expect(suppression["source"] as? String == "comment")
        #expect(suppression["reason"] as? String == "callers retry")
    }

    @Test("github: escaping of data and properties")
    func githubEscaping() {
        #expect(LintRenderer.escapeData("50% of\r\nusable: a,b") == "50%25 of%0D%0Ausable: a,b")
        #expect(LintRenderer.escapeProperty("50% of\r\nusable: a,b") == "50%25 of%0D%0Ausable%3A a%2Cb")
        #expect(LintRenderer.escapeProperty("%3A") == "%253A")
    }

    @Test("github: one workflow command per active finding, on the finding's line")
    func github() throws {
        let lines = LintRenderer.github(try Self.sample()).split(separator: "\n").map(String.init)
        #expect(lines.count == 4)
        #expect(lines[0].hasPrefix("::error file=svc.conf,line=7,col=1,title=CG101%3A Steady demand exceeds usable connections::steady demand 6 × 20 = 120 > usable 87 (100 max_connections"))
        #expect(lines[0].contains("%0Awhy: When every instance"))
        #expect(lines[0].contains("%0Asee: docs/rules.md#cg101"))
        #expect(!lines[0].contains("\n"))
        // Suppressed: a plain log line, not an annotation.
        #expect(lines[1] == "confgate: CG105 suppressed at svc.conf:9:1 (inline comment: callers retry): acquire_timeout 10s = request_timeout 10s")
        #expect(lines[2].hasPrefix("::notice file=svc.conf,line=10,col=1,title=CG109%3A idle_timeout on a fixed-size pool::"))
        #expect(lines[3] == "1 error, 0 warnings, 1 info (1 suppressed)")
    }

    @Test("github: a path with ':' and ',' is escaped in the file property; a '%' in the message too")
    func githubAwkwardPath() {
        let finding = Finding(
            ruleID: "CG113", severity: .warning, message: "max_connections 800 > 500 (100%)",
            explanation: "e", fix: "f", location: SourceLocation(file: "conf/a,b:c.conf", line: 3, column: 5))
        let line = LintRenderer.github([finding]).split(separator: "\n")[0]
        #expect(line.hasPrefix("::warning file=conf/a%2Cb%3Ac.conf,line=3,col=5,title=CG113%3A Very high max_connections::max_connections 800 > 500 (100%25)%0A"))
    }
}
