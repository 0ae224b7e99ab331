import Testing
@testable import ConfgateCore

@Suite("Lint: connection budget rules")
struct LintBudgetRuleTests {
    typealias F = LintFixture

    @Test("the clean base settings have no findings")
    func baseIsClean() throws {
        #expect(try F.lint(F.base) == [])
    }

    @Test("CG101 fires when steady demand exceeds usable, at pool.max_size, with the arithmetic")
    func cg101Fires() throws {
        let settings = F.with {
            $0.pool.maxSize = 20
            $0.server.otherClients = 10
        }
        let found = try F.findings("CG101", in: settings)
        let finding = try #require(found.first)
        #expect(found.count == 1)
        #expect(finding.severity == .error)
        #expect(finding.location == F.location("pool.max_size"))
        #expect(finding.key == "pool.max_size")
        #expect(finding.message == "steady demand 6 × 20 = 120 > usable 87 (100 max_connections − 3 superuser_reserved − 0 reserved − 10 other_clients)")
        #expect(finding.fix.contains("lower pool.max_size to 14 (6 × 14 = 84 ≤ 87)"))
        #expect(finding.fix.contains("raise server.max_connections to 133"))
        // The deploy rule does not repeat what CG101 says.
        #expect(try F.findings("CG102", in: settings) == [])
    }

    @Test("CG101 does not fire when steady demand equals usable")
    func cg101NearMiss() throws {
        let settings = F.with {
            $0.pool.maxSize = 15
            $0.fleet.maxSurge = 0
            $0.server.otherClients = 7  // usable 90 = 6 × 15
        }
        #expect(try F.findings("CG101", in: settings) == [])
    }

    @Test("CG101 moves to fleet.instances when max_size is left at its default")
    func cg101FallsBackToInstances() throws {
        var settings = F.with { $0.fleet.instances = 10 }  // 10 × 10 = 100 > 92
        settings.origins["pool.max_size"] = nil
        let finding = try #require(try F.findings("CG101", in: settings).first)
        #expect(finding.location == F.location("fleet.instances"))
        #expect(finding.key == "fleet.instances")
    }

    @Test("a rule whose keys are all defaults points at the section header, else line 1, else nowhere")
    func defaultKeyLocations() throws {
        var settings = F.with { $0.pool.minIdle = 12 }
        settings.origins["pool.max_size"] = nil
        // min_idle value set but written nowhere (as if from code) and no header known → line 1.
        var finding = try #require(try F.findings("CG104", in: settings).first)
        #expect(finding.location == SourceLocation(file: F.file, line: 1, column: 1))
        #expect(finding.key == "pool.min_idle")

        settings.origins["pool"] = F.origin("pool")
        finding = try #require(try F.findings("CG104", in: settings).first)
        #expect(finding.location == F.location("pool"))

        settings.origins = [:]
        settings.file = nil
        finding = try #require(try F.findings("CG104", in: settings).first)
        #expect(finding.location == nil)
    }

    @Test("CG102 fires when only deploy demand exceeds usable, at fleet.max_surge")
    func cg102Fires() throws {
        let settings = F.with { $0.pool.maxSize = 12 }  // steady 72, deploy 96 > 92
        let finding = try #require(try F.findings("CG102", in: settings).first)
        #expect(finding.severity == .error)
        #expect(finding.location == F.location("fleet.max_surge"))
        #expect(finding.message == "deploy demand (6 + 2) × 12 = 96 > usable 92 (100 max_connections − 3 superuser_reserved − 0 reserved − 5 other_clients); steady demand 72 fits")
        #expect(finding.fix.contains("lower pool.max_size to 11 ((6 + 2) × 11 = 88 ≤ 92)"))
        #expect(finding.fix.contains("lower fleet.max_surge to 1"))
        #expect(finding.fix.contains("raise server.max_connections to 104"))
    }

    @Test("CG102 does not fire when deploy demand equals usable")
    func cg102NearMiss() throws {
        let settings = F.with {
            $0.pool.maxSize = 12
            $0.server.maxConnections = 104  // usable 96 = (6 + 2) × 12
        }
        #expect(try F.findings("CG102", in: settings) == [])
    }

    @Test("CG103 fires when deploy demand is above max_utilization of usable")
    func cg103Fires() throws {
        let settings = F.with { $0.pool.maxSize = 11 }  // deploy 88 of 92: 95.7% > 90%
        let finding = try #require(try F.findings("CG103", in: settings).first)
        #expect(finding.severity == .warning)
        #expect(finding.location == F.location("pool.max_size"))
        #expect(finding.message.hasPrefix("deploy demand (6 + 2) × 11 = 88 leaves 4 of usable 92"))
        #expect(finding.message.contains("(4.3%), less than the 10% headroom of max_utilization 90%"))
        #expect(finding.fix.contains("at or below 82"))
    }

    @Test("CG103 reads max_utilization from the gate file")
    func cg103UsesGate() throws {
        let strict = GateSettings(gate: .init(maxUtilization: 0.85))  // 80 > 0.85 × 92 = 78.2
        let finding = try #require(try F.findings("CG103", in: F.base, gate: strict).first)
        #expect(finding.message.contains("less than the 15% headroom of max_utilization 85%"))
        #expect(try F.findings("CG103", in: F.base) == [])
    }

    @Test("CG103 does not fire at exactly max_utilization")
    func cg103NearMiss() throws {
        let settings = F.with {
            $0.fleet.instances = 9
            $0.fleet.maxSurge = 1
            $0.pool.maxSize = 9
            $0.server.maxConnections = 108  // usable 100, deploy 90 = 90%
        }
        #expect(try F.findings("CG103", in: settings) == [])
    }

    @Test("CG116 fires when reserved connections leave nothing, not when one is left")
    func cg116() throws {
        let settings = F.with {
            $0.server.maxConnections = 5
            $0.server.reservedConnections = 2
        }
        let finding = try #require(try F.findings("CG116", in: settings).first)
        #expect(finding.severity == .error)
        #expect(finding.location == F.location("server.superuser_reserved_connections"))
        #expect(finding.message == "superuser_reserved_connections 3 + reserved_connections 2 = 5 ≥ max_connections 5")
        let nearMiss = F.with {
            $0.server.maxConnections = 6
            $0.server.reservedConnections = 2
        }
        #expect(try F.findings("CG116", in: nearMiss) == [])
    }

    @Test("CG201 fires when the change raises deploy demand by more than 25%, at the raised key")
    func cg201Fires() throws {
        let proposed = F.with { $0.pool.maxSize = 13 }  // 80 → 104, +30%
        let found = Linter.lintChange(current: F.base, proposed: proposed)
        let finding = try #require(found.first)
        #expect(found.count == 1)
        #expect(finding.ruleID == "CG201")
        #expect(finding.severity == .info)
        #expect(finding.location == F.location("pool.max_size"))
        #expect(finding.message.hasPrefix("deploy demand rises from 80 to 104 (+30%, more than 25%): (6 + 2) × 10 = 80 → (6 + 2) × 13 = 104"))

        let moreInstances = F.with { $0.fleet.instances = 9 }  // 80 → 110
        #expect(Linter.lintChange(current: F.base, proposed: moreInstances).first?.location == F.location("fleet.instances"))
    }

    @Test("CG201 does not fire for a rise of exactly 25%, nor for a fall")
    func cg201NearMiss() throws {
        let current = F.with {
            $0.fleet.instances = 4
            $0.fleet.maxSurge = 0
        }  // 40
        let proposed = F.with {
            $0.fleet.instances = 5
            $0.fleet.maxSurge = 0
        }  // 50 = +25%
        #expect(Linter.lintChange(current: current, proposed: proposed) == [])
        #expect(Linter.lintChange(current: proposed, proposed: current) == [])
    }

    @Test("lintSides: each side's findings, the change rules on the proposed side, sorted")
    func sides() throws {
        let proposed = F.with { $0.pool.maxSize = 20 }  // CG101 and CG201, both at line 7
        let sides = try Linter.lintSides(current: F.base, proposed: proposed)
        #expect(sides.current == [])
        #expect(sides.proposed.map(\.ruleID) == ["CG101", "CG201"])
    }
}
