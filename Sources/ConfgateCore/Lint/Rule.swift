/// A lint rule's metadata: its stable ID, severity, title and where it is documented.
/// The checks themselves live in `Rules`.
public struct Rule: Hashable, Sendable {
    /// Stable ID, e.g. `CG101`. Never reused for a different check.
    public var id: String
    /// The severity of every finding the rule makes.
    public var severity: Severity
    /// Short title, e.g. `Steady demand exceeds usable connections`.
    public var title: String
    /// One or two sentences: what the rule catches and why it matters.
    public var summary: String
    /// The settings keys (`section.key`) that decide the rule, most decisive first. A finding
    /// is located at the first of them that the file set.
    public var keys: [String]

    public init(id: String, severity: Severity, title: String, summary: String, keys: [String]) {
        self.id = id
        self.severity = severity
        self.title = title
        self.summary = summary
        self.keys = keys
    }

    /// The anchor of the rule's section in `docs/rules.md`: the ID in lower case (`cg101`).
    public var anchor: String { id.lowercased() }

    /// A link to the rule's documentation, relative to `base` (default `docs/rules.md`).
    public func helpURI(base: String = Rules.docsPath) -> String { "\(base)#\(anchor)" }

    /// `SteadyDemandExceedsUsableConnections`: the title as an identifier (SARIF `name`).
    public var name: String {
        title.split(whereSeparator: { !$0.isLetter && !$0.isNumber })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }
            .joined()
    }
}
