/// `confgate diff --format markdown`: GitHub-flavoured Markdown for a pull-request comment.
public struct DiffMarkdownRenderer: Sendable {
    public init() {}

    public func render(_ diff: SettingsDiff) -> String {
        var lines: [String] = []
        let from = diff.current.file ?? "(defaults)", to = diff.proposed.file ?? "(defaults)"
        lines.append("### confgate diff: \(Self.code(from)) → \(Self.code(to))")
        lines.append("")
        for problem in diff.problems where problem.side == "proposed" {
            lines.append("> [!CAUTION]")
            let consequence = DiffTextRenderer.consequence(problem.kind)
            lines.append("> **Proposed: \(Self.escape(problem.message)).** "
                + Self.escape(consequence.prefix(1).uppercased() + consequence.dropFirst()) + ".")
            lines.append("")
        }
        if diff.changes.isEmpty {
            lines.append("No setting changed in meaning.")
        } else {
            lines.append("| Setting | Current | Proposed | Unit |")
            lines.append("| --- | --- | --- | --- |")
            for change in diff.changes {
                if let parameters = change.parameters {
                    for parameter in parameters {
                        lines.append("| \(Self.code("\(change.key) \(parameter.keyword)")) | "
                            + "\(Self.cell(parameter.current ?? "(unset)")) | \(Self.cell(parameter.proposed ?? "(unset)")) | |")
                    }
                } else {
                    lines.append("| \(Self.code(change.key)) | \(Self.cell(DiffTextRenderer.shown(change.current))) | "
                        + "**\(Self.cell(DiffTextRenderer.shown(change.proposed)))** | \(change.unit) |")
                }
            }
        }
        lines.append("")
        lines.append("| Connections | Current | Proposed | Change |")
        lines.append("| --- | ---: | ---: | ---: |")
        for figure in diff.figures {
            var proposed = DiffTextRenderer.figure(figure.proposed, percent: figure.proposedPercent)
            if diff.proposed.derived.exceeds(figure: figure.name, value: figure.proposed) {
                proposed = "**\(proposed)** ❌"
            }
            lines.append("| \(figure.label) | \(DiffTextRenderer.figure(figure.current, percent: figure.currentPercent)) | "
                + "\(proposed) | \(DiffTextRenderer.signed(figure.change)) |")
        }
        lines.append("")
        lines.append("<sub>usable = max_connections − superuser_reserved_connections − reserved_connections − other_clients; "
            + "steady demand = instances × max_size; deploy demand = (instances + max_surge) × max_size</sub>")
        for problem in diff.problems where problem.side == "current" {
            lines.append("")
            lines.append("> [!WARNING]")
            lines.append("> Current settings already: \(Self.escape(problem.message)).")
        }
        if !diff.equivalents.isEmpty {
            lines.append("")
            lines.append("<details><summary>\(diff.equivalents.count) unchanged in meaning, written differently</summary>")
            lines.append("")
            lines.append("| Setting | Current | Proposed |")
            lines.append("| --- | --- | --- |")
            for change in diff.equivalents {
                lines.append("| \(Self.code(change.key)) | \(Self.cell(DiffTextRenderer.written(change.current))) | "
                    + "\(Self.cell(DiffTextRenderer.written(change.proposed))) |")
            }
            lines.append("")
            lines.append("</details>")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Inline code, with backticks in the text fenced safely.
    static func code(_ text: String) -> String {
        text.contains("`") ? "`` \(text) ``" : "`\(text)`"
    }

    /// A table cell: Markdown's active characters (pipes included) escaped.
    static func cell(_ text: String) -> String { escape(text) }

    /// Text with Markdown's active characters escaped.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            if "\\*_[]<>|#".contains(c) { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
