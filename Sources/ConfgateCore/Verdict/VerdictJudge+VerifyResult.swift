/// The verdict of a whole `VerifyResult`: its sides and findings turned into the judge's
/// inputs (rule errors and warnings, failed trials, paired rounds).
extension VerdictJudge {
    /// The verdict for `result` (its `verdict` field is ignored and recomputed). `interrupted`
    /// (Ctrl-C before every trial ran) makes it inconclusive unless what ran already blocks.
    public static func judge(_ result: VerifyResult, interrupted: Bool = false) -> Verdict {
        var verdict = judgeTrials(result)
        if interrupted && verdict.decision != .blocked {
            verdict.decision = .inconclusive
            verdict.reasons.insert(.init(.environment, "interrupted before every trial ran"), at: 0)
        }
        return verdict
    }

    private static func judgeTrials(_ result: VerifyResult) -> Verdict {
        let judge = VerdictJudge(
            gate: result.gate,
            deployRan: !result.lintOnly && VerifyPlan.deployRuns(result.proposed.settings, load: result.load))
        let proposedActive = result.proposed.findings.filter { $0.suppression == nil }
        // With the load's rolling deploy switched off (`--deploy off`, `deploy = off`), the
        // user has said deploys are not part of what is gated: deploy demand (CG102) is then
        // reported as a warning instead of blocking, as issue #7 specifies ("passes with
        // --deploy off"). Steady demand (CG101) and every other error still block.
        let deployNotGated = { (f: Finding) in !result.load.deploy && f.ruleID == Self.deployDemandRule }
        let ruleErrors = proposedActive.filter { $0.severity == .error && !deployNotGated($0) }.map(describe)
        let ruleWarnings = proposedActive.filter { $0.severity == .warning }.map(describe)
            + proposedActive.filter { $0.severity == .error && deployNotGated($0) }
                .map { describe($0) + " (not blocking: the load ran with deploy off)" }
        let currentProblems = result.current.findings.filter { $0.suppression == nil && $0.severity == .error }.map(describe)
        var failed: [String] = []
        for side in [result.current, result.proposed] {
            for trial in side.trials {
                if let error = trial.error {
                    failed.append("\(side.file) round \(trial.round): \(error)")
                } else if let run = trial.result {
                    if !run.summary.complete { failed.append("\(side.file) round \(trial.round): interrupted") }
                    if run.summary.lagTooHigh {
                        failed.append("\(side.file) round \(trial.round): the load driver fell behind its schedule (\(run.summary.lagText); limits p99 \(RunSummary.maxLagP99 / 1000) ms, max \(RunSummary.maxLag / 1000) ms): the machine is too busy")
                    }
                }
            }
        }
        // Judge over the rounds where both sides ran, so that every latency ratio is a
        // paired one (the same traffic, the same machine state).
        let paired = zip(result.current.trials, result.proposed.trials).compactMap { c, p in
            c.result.flatMap { c in p.result.map { (c, $0) } }
        }
        func side(_ s: VerifyResult.SideResult, _ runs: [RunResult]) -> VerdictJudge.Side? {
            s.runs.isEmpty ? nil : .init(derived: s.derived, runs: runs.map(\.summary), histograms: runs.map(\.latency),
                                             typicalP99: runs.map(\.typicalP99))
        }
        let current = side(result.current, paired.map(\.0)), proposed = side(result.proposed, paired.map(\.1))
        return judge.judge(current: current, proposed: proposed, ruleErrors: ruleErrors, ruleWarnings: ruleWarnings,
                           currentProblems: currentProblems, failedTrials: failed)
    }

    /// The rule that judges deploy demand against usable connections.
    static let deployDemandRule = Rules.cg102.id

    static func describe(_ f: Finding) -> String {
        "\(f.locationPrefix)\(f.ruleID) \(f.message)"
    }
}
