/// One thing lint found in one settings file: which rule, how bad, what exactly (with the
/// numbers), why it matters, how to fix it, and where.
public struct Finding: Hashable, Sendable, Codable {
    /// The rule's stable ID, e.g. `CG101`.
    public var ruleID: String
    public var severity: Severity
    /// One line with the actual numbers, e.g. `steady demand 6 × 20 = 120 > usable 87 (…)`.
    public var message: String
    /// Why it matters, in a sentence or two.
    public var explanation: String
    /// What to change, with numbers where they can be worked out.
    public var fix: String
    /// The line of the key that decides the finding (see `Linter` for the rule when that key
    /// was left at its default); `nil` for settings that came from no file.
    public var location: SourceLocation?
    /// The key the finding is located at, `section.key` (e.g. `pool.max_size`).
    public var key: String?
    /// Set when the finding is suppressed; it is still reported, but never blocks.
    public var suppression: Suppression?

    public init(
        ruleID: String, severity: Severity, message: String, explanation: String, fix: String,
        location: SourceLocation? = nil, key: String? = nil, suppression: Suppression? = nil
    ) {
        self.ruleID = ruleID
        self.severity = severity
        self.message = message
        self.explanation = explanation
        self.fix = fix
        self.location = location
        self.key = key
        self.suppression = suppression
    }

    /// Whether the finding counts: not suppressed.
    public var isActive: Bool { suppression == nil }

    /// Whether this finding fails `confgate lint` (errors; warnings too when `strict`).
    public func blocks(strict: Bool) -> Bool {
        guard isActive else { return false }
        switch severity {
        case .error: return true
        case .warning: return strict
        case .info: return false
        }
    }

    /// The rule's metadata, when the ID is a known rule (it always is for findings lint made).
    public var rule: Rule? { Rules.rule(id: ruleID) }

    /// `file:line:column: `, or nothing when the finding has no location: the start of every
    /// one-line form of a finding (diff, verify).
    public var locationPrefix: String { location.map { "\($0): " } ?? "" }

    /// ` (suppressed: reason)`, ` (suppressed)`, or nothing when the finding counts.
    public var suppressedSuffix: String {
        suppression.map { " (suppressed\($0.reason.map { ": \($0)" } ?? ""))" } ?? ""
    }
}

/// Why a finding does not count: an inline comment on the key's line
/// (`# confgate: ignore CG110 -- reason`) or the gate file's `[lint] ignore`.
public struct Suppression: Hashable, Sendable, Codable {
    /// Where the suppression was written.
    public enum Source: String, Hashable, Sendable, Codable {
        /// `# confgate: ignore …` after the key's value.
        case comment
        /// `[lint] ignore = …` in the gate file.
        case gate
    }

    public var source: Source
    /// The reason given after `--` in a comment; `nil` when none was given (the gate file's
    /// list has no reasons).
    public var reason: String?
    /// Where the suppression is: the key's line, or the gate file's `ignore` line.
    public var location: SourceLocation?

    public init(source: Source, reason: String? = nil, location: SourceLocation? = nil) {
        self.source = source
        self.reason = reason
        self.location = location
    }

    /// `inline comment: reason` or `gate file confgate.gate:7:1`, for people.
    public var summary: String {
        switch source {
        case .comment:
            return "inline comment" + (reason.map { ": \($0)" } ?? " (no reason given)")
        case .gate:
            return "gate file [lint] ignore" + (location.map { " at \($0)" } ?? "")
        }
    }
}
