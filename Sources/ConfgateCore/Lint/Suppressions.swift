/// The suppressions in force for one settings file: inline comment directives by `origins`
/// entry, and the gate file's `[lint] ignore` list.
struct Suppressions {
    /// `origins` entry (e.g. `pool.max_size`) → the directive in its comment.
    var inline: [String: SuppressionDirective] = [:]
    /// Rule IDs the gate file ignores.
    var gateIDs: Set<String> = []
    /// Where the gate file's `ignore` list is.
    var gateLocation: SourceLocation?
    let settings: Settings

    /// Reads and validates every suppression; throws `.badInput` for an unknown rule ID.
    init(settings: Settings, gate: GateSettings) throws(ConfgateError) {
        self.settings = settings
        gateLocation = gate.origins["lint.ignore"]?.value
            ?? gate.file.map { SourceLocation(file: $0, line: 1, column: 1) }
        for id in gate.lint.ignore {
            gateIDs.insert(try SuppressionDirective.validate(id, at: gateLocation))
        }
        for (name, origin) in settings.origins.sorted(by: { $0.key < $1.key }) {
            guard let comment = origin.comment else { continue }
            if let directive = try SuppressionDirective.parse(comment: comment, at: origin.key) {
                inline[name] = directive
            }
        }
    }

    /// Like `init(settings:gate:)`, but skips what does not validate.
    init(lenient settings: Settings, gate: GateSettings) {
        self.settings = settings
        gateLocation = gate.origins["lint.ignore"]?.value
            ?? gate.file.map { SourceLocation(file: $0, line: 1, column: 1) }
        gateIDs = Set(gate.lint.ignore.compactMap { Rules.rule(id: $0)?.id })
        for (name, origin) in settings.origins {
            if let comment = origin.comment,
               let directive = try? SuppressionDirective.parse(comment: comment, at: origin.key) {
                inline[name] = directive
            }
        }
    }

    /// `finding`, marked suppressed when a directive at its key (or its section header, where
    /// it was placed) or the gate file names its rule. An inline comment wins over the gate.
    func apply(to finding: Finding) -> Finding {
        var finding = finding
        if let name = originName(of: finding), let directive = inline[name],
           directive.ruleIDs.contains(finding.ruleID) {
            finding.suppression = Suppression(
                source: .comment, reason: directive.reason, location: settings.origins[name]?.key)
        } else if gateIDs.contains(finding.ruleID) {
            finding.suppression = Suppression(source: .gate, reason: nil, location: gateLocation)
        }
        return finding
    }

    /// The `origins` entry a finding was placed at (see `LintSubject.place`).
    private func originName(of finding: Finding) -> String? {
        guard let key = finding.key else { return nil }
        if settings.origins[key] != nil { return key }
        if let section = key.split(separator: ".").first.map(String.init), settings.origins[section] != nil {
            return section
        }
        return nil
    }
}
