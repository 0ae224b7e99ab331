import Foundation

/// `confgate: ignore CG110, CG111 -- reason`, read from a key's inline comment.
struct SuppressionDirective: Hashable, Sendable {
    /// Rule IDs, upper-cased and checked against `Rules.all`.
    var ruleIDs: [String]
    /// The text after `--`, trimmed; `nil` when absent or empty.
    var reason: String?

    /// The directive in `comment`, `nil` when the comment has none. Throws `.badInput` at
    /// `location` for a directive that is not `ignore`, names no rule, or names an unknown rule.
    static func parse(comment: String, at location: SourceLocation?) throws(ConfgateError) -> SuppressionDirective? {
        guard let marker = comment.range(of: "confgate:") else { return nil }
        var rest = comment[marker.upperBound...]
        var reason: String?
        if let dashes = rest.range(of: "--") {
            let text = rest[dashes.upperBound...].trimmingCharacters(in: .whitespaces)
            reason = text.isEmpty ? nil : text
            rest = rest[..<dashes.lowerBound]
        }
        let words = rest.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
        guard words.first == "ignore" else {
            throw ConfgateError(
                .badInput, "unknown confgate directive \"\(words.first ?? "")\" in comment",
                at: location, details: ["write: # confgate: ignore CG110 -- reason"])
        }
        let ids = Array(words.dropFirst())
        guard !ids.isEmpty else {
            throw ConfgateError(
                .badInput, "\"confgate: ignore\" names no rule", at: location,
                details: ["write: # confgate: ignore CG110 -- reason"])
        }
        return SuppressionDirective(ruleIDs: try ids.map { id throws(ConfgateError) in try validate(id, at: location) }, reason: reason)
    }

    /// The rule ID in canonical form; throws `.badInput` at `location` when no rule has it.
    static func validate(_ id: String, at location: SourceLocation?) throws(ConfgateError) -> String {
        if let rule = Rules.rule(id: id) { return rule.id }
        throw ConfgateError(
            .badInput, "unknown lint rule \"\(id)\" in a suppression", at: location,
            details: ["known rules: " + Rules.all.map(\.id).joined(separator: ", ")])
    }
}
