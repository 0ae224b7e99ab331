/// Audits settings against the rules in `Rules` and applies suppressions.
///
/// ```swift
/// let findings = try Linter.lint(settings, gate: gate)
/// let blocked = findings.contains { $0.blocks(strict: false) }
/// ```
public struct Linter: Sendable {
    /// The checks that judge one file (findings are sorted by location and rule ID after).
    static let fileChecks: [@Sendable (LintSubject) -> Finding?] = [
        BudgetChecks.steadyDemand,
        BudgetChecks.deployDemand,
        BudgetChecks.deployHeadroom,
    ] + PoolChecks.onePool + [
        TimeoutChecks.noConnectTimeout,
        TimeoutChecks.noStatementTimeout,
        ServerChecks.passwordInDSN,
        ServerChecks.veryManyConnections,
        TimeoutChecks.statementNotBelowRequest,
        BudgetChecks.reservedExceedMax,
        PoolerChecks.clientDemand,
        PoolerChecks.serverPools,
        PoolerChecks.poolMode,
        PoolerChecks.queryWaitNotBelowRequest,
        PoolerChecks.fileLimit,
    ]

    /// Every finding of the single-file rules (`CG1xx`) for `settings`, sorted by location and
    /// rule ID. Suppressed findings are included, with their `suppression` set.
    ///
    /// Throws `ConfgateError(.badInput)` at the suppression's location when an inline comment
    /// (`# confgate: ignore …`) or the gate file's `[lint] ignore` names an unknown rule.
    public static func lint(_ settings: Settings, gate: GateSettings = GateSettings()) throws(ConfgateError) -> [Finding] {
        let subject = LintSubject(settings, gate: gate)
        let suppressions = try Suppressions(settings: settings, gate: gate)
        let findings = fileChecks.compactMap { $0(subject) }.map { suppressions.apply(to: $0) }
        return sorted(findings + (try NamedPoolChecks.findings(settings, gate: gate)))
    }

    /// The findings of the diff-aware rules (`CG2xx`) for a change from `current` to
    /// `proposed`, located in the proposed file. Only the change rules: lint each side with
    /// `lint(_:gate:)` for the rest. Suppressions in the proposed file and the gate apply; a
    /// suppression naming an unknown rule is ignored here (`lint` reports it).
    public static func lintChange(current: Settings, proposed: Settings, gate: GateSettings = GateSettings()) -> [Finding] {
        let subject = LintSubject(proposed, gate: gate)
        let suppressions = Suppressions(lenient: proposed, gate: gate)
        let findings = [ChangeChecks.deployDemandRise(current: current, proposed: subject)].compactMap { $0 }
        return sorted(findings.map { suppressions.apply(to: $0) })
    }

    /// Both sides of a change, as `diff` and `verify` show them: each side's single-file
    /// findings, and on the proposed side also the change rules' findings; each list sorted.
    /// Throws like `lint(_:gate:)`.
    public static func lintSides(
        current: Settings, proposed: Settings, gate: GateSettings = GateSettings()
    ) throws(ConfgateError) -> (current: [Finding], proposed: [Finding]) {
        let before = try lint(current, gate: gate)
        let after = try lint(proposed, gate: gate) + lintChange(current: current, proposed: proposed, gate: gate)
        return (before, sorted(after))
    }

    /// By file, line, column, then rule ID; findings without a location first. Use it to merge
    /// the results of `lint` and `lintChange` into one list.
    public static func sorted(_ findings: [Finding]) -> [Finding] {
        findings.sorted { a, b in
            let la = a.location.map { ($0.file, $0.line, $0.column) } ?? ("", 0, 0)
            let lb = b.location.map { ($0.file, $0.line, $0.column) } ?? ("", 0, 0)
            if la != lb { return la < lb }
            return a.ruleID < b.ruleID
        }
    }
}
