/// What lint says of each side of a change (the proposed side's include the change-aware
/// CG2xx rules): shown by `confgate diff` after the figures.
public struct DiffFindings: Hashable, Sendable, Codable {
    public var current: [Finding]
    public var proposed: [Finding]

    public init(current: [Finding], proposed: [Finding]) {
        self.current = current
        self.proposed = proposed
    }

    /// Lints both sides and the change.
    public static func lint(current: Settings, proposed: Settings, gate: GateSettings) throws(ConfgateError) -> DiffFindings {
        let sides = try Linter.lintSides(current: current, proposed: proposed, gate: gate)
        return DiffFindings(current: sides.current, proposed: sides.proposed)
    }

    /// One compact line per finding: `proposed  fixtures/outage.conf:9:1: error[CG101] …`,
    /// suppressed ones marked. Plain text; `markdown` makes a bullet list.
    public func lines(markdown: Bool = false, style: TextStyle = .plain) -> [String] {
        var lines: [String] = []
        for (label, findings) in [("proposed", proposed), ("current", current)] {
            for f in findings {
                let place = f.locationPrefix, suppressed = f.suppressedSuffix
                let tag = "\(f.severity.rawValue)[\(f.ruleID)]"
                if markdown {
                    lines.append("- **\(label)** `\(place)\(tag)` \(f.message)\(suppressed)")
                } else {
                    let styledTag = f.suppression == nil ? style.severity(f.severity, tag) : style.dim(tag)
                    lines.append("  \(label.padding(toLength: 9, withPad: " ", startingAt: 0))\(place)\(styledTag): \(f.message)\(suppressed)")
                }
            }
        }
        return lines
    }
}
