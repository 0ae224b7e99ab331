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
        let golden = Fixtures.path("results/verify-\(name).\(ext)")
        if ProcessInfo.processInfo.environment["CONFGATE_UPDATE_GOLDEN"] == "1" {
            try rendered.write(toFile: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: golden, encoding: .utf8)
        if rendered != expected {
            let a = rendered.split(separator: "\n", omittingEmptySubsequences: false)
            let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let line = Array(zip(a, b)).firstIndex { $0 != $1 } ?? min(a.count, b.count)
            Issue.record("""
                \(format.rawValue) differs from \(golden) at line \(line + 1):
                  got:      \(line < a.count ? String(a[line].prefix(300)) : "(end)")
                  expected: \(line < b.count ? String(b[line].prefix(300)) : "(end)")
                """)
        }
        #expect(!rendered.contains("s3cret"))
    }
}
