import Testing
@testable import ConfgateCore

@Suite("Lint: suppression")
struct LintSuppressionTests {
    typealias F = LintFixture

    /// Base settings with a steady-demand overflow (CG101 at pool.max_size).
    static func overflow(comment: String? = nil) -> Settings {
        var settings = F.with { $0.pool.maxSize = 20 }
        settings.origins["pool.max_size"] = F.origin("pool.max_size", comment: comment)
        return settings
    }

    @Test("an inline comment on the key's line suppresses its finding, which is still listed with the reason")
    func byComment() throws {
        let settings = Self.overflow(comment: "planned with the DBA  confgate: ignore CG101 -- server grows to 200 next week")
        let finding = try #require(try F.findings("CG101", in: settings).first)
        #expect(finding.suppression == Suppression(
            source: .comment, reason: "server grows to 200 next week", location: F.location("pool.max_size")))
        #expect(!finding.blocks(strict: true))
    }

    @Test("a comment naming several rules, in lower case, suppresses each; other rules stay")
    func severalIDs() throws {
        var settings = Self.overflow(comment: "confgate: ignore cg101, CG103")
        settings.pool.acquireTimeout = .seconds(10)  // CG105 elsewhere, not suppressed
        let findings = try F.lint(settings)
        let cg101 = try #require(findings.first { $0.ruleID == "CG101" })
        #expect(cg101.suppression?.source == .comment)
        #expect(cg101.suppression?.reason == nil)
        let cg105 = try #require(findings.first { $0.ruleID == "CG105" })
        #expect(cg105.suppression == nil)
    }

    @Test("a comment on another key does not suppress")
    func otherKey() throws {
        var settings = Self.overflow()
        settings.origins["fleet.instances"] = F.origin("fleet.instances", comment: "confgate: ignore CG101 -- wrong line")
        #expect(try F.findings("CG101", in: settings).first?.suppression == nil)
    }

    @Test("a finding placed at a section header is suppressed by the header's comment")
    func headerComment() throws {
        var settings = F.with { $0.database.connectTimeout = nil; $0.database.dsn = nil }
        settings.origins["database.connect_timeout"] = nil
        settings.origins["database.dsn"] = nil
        settings.origins["database"] = F.origin("database", comment: "confgate: ignore CG110 -- the sidecar enforces it")
        let finding = try #require(try F.findings("CG110", in: settings).first)
        #expect(finding.location == F.location("database"))
        #expect(finding.suppression?.reason == "the sidecar enforces it")
    }

    @Test("the gate file's [lint] ignore suppresses a rule everywhere")
    func byGate() throws {
        var gate = GateSettings(lint: .init(ignore: ["CG101"]), file: "confgate.gate")
        gate.origins["lint.ignore"] = KeyOrigin(
            key: SourceLocation(file: "confgate.gate", line: 4, column: 1),
            value: SourceLocation(file: "confgate.gate", line: 4, column: 10))
        let finding = try #require(try F.findings("CG101", in: Self.overflow(), gate: gate).first)
        #expect(finding.suppression == Suppression(
            source: .gate, reason: nil, location: SourceLocation(file: "confgate.gate", line: 4, column: 10)))
        #expect(!finding.blocks(strict: false))
    }

    @Test("an unknown rule in a comment is bad input at the key's line")
    func unknownInComment() {
        let settings = Self.overflow(comment: "confgate: ignore CG999 -- typo")
        #expect {
            try Linter.lint(settings, gate: GateSettings())
        } throws: { error in
            guard let error = error as? ConfgateError else { return false }
            return error.kind == .badInput && error.exitCode == 2
                && error.location == F.location("pool.max_size")
                && error.message == "unknown lint rule \"CG999\" in a suppression"
        }
    }

    @Test("an unknown rule in the gate file is bad input at the ignore line")
    func unknownInGate() {
        var gate = GateSettings(lint: .init(ignore: ["CG110", "CG1100"]), file: "confgate.gate")
        let at = SourceLocation(file: "confgate.gate", line: 7, column: 10)
        gate.origins["lint.ignore"] = KeyOrigin(key: SourceLocation(file: "confgate.gate", line: 7, column: 1), value: at)
        #expect {
            try Linter.lint(F.base, gate: gate)
        } throws: { error in
            guard let error = error as? ConfgateError else { return false }
            return error.kind == .badInput && error.location == at && error.message.contains("\"CG1100\"")
        }
    }

    @Test("a misspelt directive or an ignore without a rule is bad input, not silently ignored")
    func badDirective() {
        for comment in ["confgate: ignroe CG101", "confgate: ignore -- no rule named"] {
            #expect(throws: ConfgateError.self) {
                try Linter.lint(Self.overflow(comment: comment), gate: GateSettings())
            }
        }
    }

    @Test("blocking: errors block; warnings only with strict; info and suppressed never")
    func blocking() {
        let make = { (severity: Severity, suppressed: Bool) in
            Finding(ruleID: "CG000", severity: severity, message: "", explanation: "", fix: "",
                    suppression: suppressed ? Suppression(source: .gate) : nil)
        }
        #expect(make(.error, false).blocks(strict: false))
        #expect(!make(.warning, false).blocks(strict: false))
        #expect(make(.warning, false).blocks(strict: true))
        #expect(!make(.info, false).blocks(strict: true))
        #expect(!make(.error, true).blocks(strict: true))
    }
}
