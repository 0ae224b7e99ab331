import Foundation
import Testing
@testable import ConfgateCore

/// The text, Markdown and JUnit renderings of the saved results in `fixtures/results/`, as
/// golden files: a change to any of them shows as a diff in review. Rewrite them with
/// `CONFGATE_UPDATE_GOLDEN=1 swift test --filter VerifyFormatGoldenTests` and read the diff.
@Suite("Verify renderers: golden files")
struct VerifyFormatGoldenTests {
    static let cases: [(String, VerifyFormat, String)] = [
        ("outage", .text, "txt"), ("outage", .markdown, "md"), ("outage", .junit, "xml"),
        ("pass", .text, "txt"), ("pass", .markdown, "md"), ("pass", .junit, "xml"),
    ]

    @Test(arguments: cases)
    func matchesGoldenFile(_ name: String, _ format: VerifyFormat, _ ext: String) throws {
        let rendered = format.render(try ResultFixtureTests.load("verify-\(name).json"))
        try Golden.check(rendered, against: Fixtures.path("results/verify-\(name).\(ext)"), what: format.rawValue)
        #expect(!rendered.contains("s3cret"))
    }
}
