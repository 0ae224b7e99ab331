import Foundation

extension LintRenderer {
    /// The version of the `json` format; raised when a field changes meaning or disappears
    /// (new fields may be added without raising it).
    public static let jsonVersion = 1

    /// Findings as JSON (pretty-printed, keys sorted):
    /// `{"version": 1, "findings": [...], "summary": {"errors", "warnings", "info", "suppressed"}}`.
    /// Each finding: `ruleID`, `severity`, `title`, `message`, `explanation`, `fix`, `help`,
    /// `key`, `location` (`{file, line, column}` or null), `suppressed` and `suppression`
    /// (`{source: comment|gate, reason, location}` or null). See docs/rules.md.
    public static func json(_ findings: [Finding], docsBase: String = Rules.docsPath) -> String {
        let active = findings.filter(\.isActive)
        let document = LintJSONDocument(
            version: jsonVersion,
            findings: findings.map { LintJSONFinding($0, docsBase: docsBase) },
            summary: .init(
                errors: active.filter { $0.severity == .error }.count,
                warnings: active.filter { $0.severity == .warning }.count,
                info: active.filter { $0.severity == .info }.count,
                suppressed: findings.count - active.count))
        return encodeJSON(document)
    }

    /// Pretty, sorted, slashes unescaped; always ends in a newline.
    static func encodeJSON<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Encoding plain structs of strings and integers cannot fail.
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }
}

struct LintJSONDocument: Encodable {
    struct Summary: Encodable {
        var errors: Int
        var warnings: Int
        var info: Int
        var suppressed: Int
    }
    var version: Int
    var findings: [LintJSONFinding]
    var summary: Summary
}

struct LintJSONFinding: Encodable {
    var finding: Finding
    var title: String
    var help: String

    init(_ finding: Finding, docsBase: String) {
        self.finding = finding
        let rule = Rules.rule(id: finding.ruleID)
        title = rule?.title ?? finding.ruleID
        help = rule?.helpURI(base: docsBase) ?? docsBase
    }

    enum CodingKeys: String, CodingKey {
        case ruleID, severity, title, message, explanation, fix, help, key, location, suppressed, suppression
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(finding.ruleID, forKey: .ruleID)
        try c.encode(finding.severity, forKey: .severity)
        try c.encode(title, forKey: .title)
        try c.encode(finding.message, forKey: .message)
        try c.encode(finding.explanation, forKey: .explanation)
        try c.encode(finding.fix, forKey: .fix)
        try c.encode(help, forKey: .help)
        try c.encode(finding.key, forKey: .key)
        try c.encode(finding.location, forKey: .location)
        try c.encode(finding.suppression != nil, forKey: .suppressed)
        try c.encode(finding.suppression.map(SuppressionJSON.init), forKey: .suppression)
    }
}

struct SuppressionJSON: Encodable {
    var suppression: Suppression
    enum CodingKeys: String, CodingKey { case source, reason, location }
    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(suppression.source, forKey: .source)
        try c.encode(suppression.reason, forKey: .reason)
        try c.encode(suppression.location, forKey: .location)
    }
}
