extension LintRenderer {
    /// GitHub Actions workflow commands, one per active finding, so each shows as an
    /// annotation on the pull request's line:
    /// `::error file=F,line=L,col=C,title=CG101%3A Steady demand …::message%0Afix: …`.
    /// `info` maps to `notice`. Suppressed findings are plain log lines (no annotation).
    public static func github(_ findings: [Finding], docsBase: String = Rules.docsPath) -> String {
        var lines: [String] = []
        for finding in findings {
            let rule = Rules.rule(id: finding.ruleID)
            if let suppression = finding.suppression {
                let place = finding.location.map { " at \($0)" } ?? ""
                lines.append("confgate: \(finding.ruleID) suppressed\(place) (\(suppression.summary)): \(finding.message)")
                continue
            }
            let command = switch finding.severity {
            case .error: "error"
            case .warning: "warning"
            case .info: "notice"
            }
            var properties: [(String, String)] = []
            if let location = finding.location {
                properties += [("file", location.file), ("line", "\(location.line)"), ("col", "\(location.column)")]
            }
            properties.append(("title", "\(finding.ruleID): \(rule?.title ?? finding.ruleID)"))
            let props = properties.map { "\($0.0)=\(escapeProperty($0.1))" }.joined(separator: ",")
            let body = [
                finding.message,
                "why: " + finding.explanation,
                "fix: " + finding.fix,
                "see: " + (rule?.helpURI(base: docsBase) ?? docsBase),
            ].joined(separator: "\n")
            lines.append("::\(command) \(props)::\(escapeData(body))")
        }
        lines.append(summary(findings))
        return lines.joined(separator: "\n") + "\n"
    }

    /// Escapes a workflow command's message: `%` → `%25`, CR → `%0D`, LF → `%0A`.
    public static func escapeData(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "\r": out += "%0D"
            case "\n": out += "%0A"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Escapes a workflow command's property value: as `escapeData`, plus `:` → `%3A` and
    /// `,` → `%2C`.
    public static func escapeProperty(_ text: String) -> String {
        var out = ""
        for scalar in escapeData(text).unicodeScalars {
            switch scalar {
            case ":": out += "%3A"
            case ",": out += "%2C"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
