/// Renders lint findings for people and machines: `text` (compiler-style), `json`
/// (versioned), `github` (workflow commands that annotate the pull request's lines) and
/// `sarif` (SARIF 2.1.0 for code-scanning tools). Each returns the whole output, ending in a
/// newline.
public enum LintRenderer {
    /// Compiler-style text: `file:line:col: error[CG101]: message`, then the explanation, the
    /// fix and a link to the rule's documentation, indented; a summary line at the end.
    /// Suppressed findings are listed with `[suppressed: …]`. `color` adds ANSI colours (the
    /// caller decides: a TTY and no `NO_COLOR`).
    public static func text(_ findings: [Finding], color: Bool = false, docsBase: String = Rules.docsPath) -> String {
        let style = TextStyle(color: color)
        var lines: [String] = []
        for finding in findings {
            let place = finding.location.map { "\($0): " } ?? ""
            let severity = style.severity(finding.severity, "\(finding.severity.rawValue)[\(finding.ruleID)]")
            var head = style.bold(place) + severity + ": " + finding.message
            if let suppression = finding.suppression {
                head = style.dim(place + "\(finding.severity.rawValue)[\(finding.ruleID)]: " + finding.message
                    + " [suppressed: \(suppression.summary)]")
            }
            lines.append(head)
            lines.append("    why: " + finding.explanation)
            lines.append("    fix: " + finding.fix)
            lines.append("    see: " + (Rules.rule(id: finding.ruleID)?.helpURI(base: docsBase) ?? docsBase))
        }
        lines.append(summary(findings))
        return lines.joined(separator: "\n") + "\n"
    }

    /// `1 error, 2 warnings, 0 info (1 suppressed)` or `no findings`.
    public static func summary(_ findings: [Finding]) -> String {
        if findings.isEmpty { return "no findings" }
        let active = findings.filter(\.isActive)
        func count(_ severity: Severity, _ noun: String) -> String {
            let n = active.filter { $0.severity == severity }.count
            return "\(n) \(noun)\(n == 1 || severity == .info ? "" : "s")"
        }
        let suppressed = findings.count - active.count
        return [count(.error, "error"), count(.warning, "warning"), count(.info, "info")].joined(separator: ", ")
            + (suppressed > 0 ? " (\(suppressed) suppressed)" : "")
    }
}
