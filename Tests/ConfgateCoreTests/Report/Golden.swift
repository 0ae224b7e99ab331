import Foundation
import Testing

/// Golden-file comparison for rendered output: rewrites the file when
/// `CONFGATE_UPDATE_GOLDEN=1`, else records the first differing line.
enum Golden {
    static func check(_ rendered: String, against golden: String, what: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        if ProcessInfo.processInfo.environment["CONFGATE_UPDATE_GOLDEN"] == "1" {
            try rendered.write(toFile: golden, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOfFile: golden, encoding: .utf8)
        guard rendered != expected else { return }
        let a = rendered.split(separator: "\n", omittingEmptySubsequences: false)
        let b = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let line = Array(zip(a, b)).firstIndex { $0 != $1 } ?? min(a.count, b.count)
        Issue.record("""
            \(what) differs from \(golden) at line \(line + 1):
              got:      \(line < a.count ? String(a[line].prefix(300)) : "(end)")
              expected: \(line < b.count ? String(b[line].prefix(300)) : "(end)")
            """, sourceLocation: sourceLocation)
    }
}
