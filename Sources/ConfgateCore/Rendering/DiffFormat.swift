/// Every way a `SettingsDiff` is written, findings included: the one entry point of
/// `confgate diff --format`.
public enum DiffFormat: String, CaseIterable, Sendable {
    case text, json, markdown

    /// `diff` with each side's lint findings, in this format. `style` colours text output.
    public func render(_ diff: SettingsDiff, findings: DiffFindings, style: TextStyle = .plain) -> String {
        switch self {
        case .text:
            var text = DiffTextRenderer(style: style).render(diff)
            let lines = findings.lines(style: style)
            if !lines.isEmpty { text += "\n" + style.bold("Findings") + " (confgate lint; docs/rules.md)\n" + lines.joined(separator: "\n") + "\n" }
            return text
        case .json:
            return DiffJSONRenderer().render(diff, findings: findings)
        case .markdown:
            var text = DiffMarkdownRenderer().render(diff)
            let lines = findings.lines(markdown: true)
            if !lines.isEmpty { text += "\n#### Findings\n\n" + lines.joined(separator: "\n") + "\n" }
            return text
        }
    }
}
