import Foundation

/// Every way a `VerifyResult` is written: the one entry point `verify --format`,
/// `confgate report --format` and the report directory all use.
public enum VerifyFormat: String, CaseIterable, Sendable {
    case text, json, markdown, junit, html

    /// `result` in this format. `style` colours text output (a terminal's choice).
    public func render(_ result: VerifyResult, style: TextStyle = .plain) -> String {
        switch self {
        case .text: VerifyTextRenderer(style: style).render(result)
        case .json: Self.json(result)
        case .markdown: VerifyTextRenderer(markdown: true).render(result)
        case .junit: VerifyJUnitRenderer.render(result)
        case .html: VerifyHTMLRenderer().render(result)
        }
    }

    /// The files `--report-dir` writes, each in its format.
    public static let reportBundle: [(file: String, format: VerifyFormat)] = [
        ("result.json", .json), ("summary.txt", .text), ("summary.md", .markdown), ("junit.xml", .junit), ("report.html", .html),
    ]

    /// Pretty, stable JSON (sorted keys), ending in a newline; the DSN's password redacted.
    static func json(_ result: VerifyResult) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        // Every field is a plain value; encoding cannot fail.
        return ((try? encoder.encode(result)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }
}
