import ConfgateCore
import Foundation
import Testing

/// The saved verify results under `fixtures/results/`, made by real `verify --quick --format
/// json` runs (outage.conf and harmless.conf against current.conf): they must keep reading as
/// this version's `VerifyResult`, so the report's golden files and CLI tests rest on real data.
@Suite("fixtures/results: saved verify results")
struct ResultFixtureTests {
    static func load(_ name: String) throws -> VerifyResult {
        try JSONDecoder().decode(VerifyResult.self, from: Data(contentsOf: URL(fileURLWithPath: Fixtures.path("results/\(name)"))))
    }

    @Test func outageIsBlockedOnExhaustionWithATimeline() throws {
        let r = try Self.load("verify-outage.json")
        #expect(r.schemaVersion == VerifyResult.schemaVersion)
        #expect(r.verdict.decision == .blocked)
        #expect(r.verdict.reasons.first?.kind == .exhaustion)
        #expect(r.changes.map(\.key).contains("pool.max_size"))
        #expect(r.proposed.runs.first?.timeline.isEmpty == false)
        #expect(r.proposed.runs.first?.summary.outcomes.contains { $0.outcome.sqlState == "53300" } == true)
    }

    @Test func harmlessPasses() throws {
        let r = try Self.load("verify-pass.json")
        #expect(r.verdict.exitCode == 0)
        #expect(r.current.runs.count == 1 && r.proposed.runs.count == 1)
    }

    @Test func noFixtureHoldsThePassword() throws {
        for name in ["verify-outage.json", "verify-pass.json"] {
            let text = try String(contentsOfFile: Fixtures.path("results/\(name)"), encoding: .utf8)
            #expect(!text.contains("s3cret-fixture-pw"), "\(name)")
        }
    }
}
