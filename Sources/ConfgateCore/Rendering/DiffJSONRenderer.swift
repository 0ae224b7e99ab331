import Foundation

/// `confgate diff --format json`: the diff as a documented, versioned JSON object
/// (`docs/diff.md`). Keys are snake_case and sorted; secrets never appear.
public struct DiffJSONRenderer: Sendable {
    /// Identifies the shape; bumped only on an incompatible change.
    public static let schema = "confgate.diff"
    public static let version = 1

    public init() {}

    /// The JSON document, pretty-printed, ending with a newline.
    /// - Parameter findings: lint's findings on both sides, included as `findings` when given.
    public func render(_ diff: SettingsDiff, findings: DiffFindings? = nil) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        // Every field is a plain value; encoding cannot fail.
        let data = (try? encoder.encode(Document(diff, findings: findings))) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    struct Document: Encodable {
        struct Side: Encodable {
            var file: String?
            var derived: Derived
        }

        var schema = DiffJSONRenderer.schema
        var version = DiffJSONRenderer.version
        var current: Side
        var proposed: Side
        var changes: [SettingsDiff.KeyChange]
        var equivalent: [SettingsDiff.KeyChange]
        var figures: [SettingsDiff.Figure]
        var problems: [SettingsDiff.Problem]
        var findings: DiffFindings?

        init(_ diff: SettingsDiff, findings: DiffFindings?) {
            self.findings = findings
            current = Side(file: diff.current.file, derived: diff.current.derived)
            proposed = Side(file: diff.proposed.file, derived: diff.proposed.derived)
            changes = diff.changes
            equivalent = diff.equivalents
            figures = diff.figures
            problems = diff.problems
        }
    }
}
