import Foundation
import Testing
@testable import ConfgateCore

@Suite("Timeline outcomes: typed in memory, keyed by description in JSON")
struct OutcomeCountsTests {
    @Test func jsonKeepsItsShapeAndReadsBackTyped() throws {
        let counts = OutcomeCounts([.ok: 38, Outcome(.connectFailed, sqlState: "53300"): 2, .badPassword: 1])
        let json = String(decoding: try JSONEncoder().encode(counts), as: UTF8.self)
        #expect(json.contains("\"connect_failed 53300\":2"))
        #expect(json.contains("\"ok\":38"))
        let back = try JSONDecoder().decode(OutcomeCounts.self, from: Data(json.utf8))
        #expect(back == counts)
        #expect(back.failures == 2)
        #expect(back.outcomes == [.ok, .badPassword, Outcome(.connectFailed, sqlState: "53300")])
    }

    @Test func anUnknownOutcomeIsADecodingError() {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(OutcomeCounts.self, from: Data(#"{"exploded": 1}"#.utf8)) }
    }
}
