/// `verify` from input to result: lint both sides, diff, run the plan's trials through an
/// executor (stopping early on proof of exhaustion), and judge — interruption included — into
/// one `VerifyResult`. The command line only parses flags, calls this, renders and maps the
/// verdict to an exit code.
public enum VerifyPipeline {
    /// What the pipeline reports while it runs.
    public struct Events: Sendable {
        /// A 100 ms timeline point of the trial under way.
        public var progress: (@Sendable (VerifyPlan.Side, Int, TimelinePoint, Duration) -> Void)?
        /// A line for the log: which trial starts, which failed, an early stop.
        public var log: (@Sendable (String) -> Void)?

        public init(progress: (@Sendable (VerifyPlan.Side, Int, TimelinePoint, Duration) -> Void)? = nil,
                    log: (@Sendable (String) -> Void)? = nil) {
            self.progress = progress
            self.log = log
        }
    }

    /// Judges `input`. `executor` runs the trials (unused in `.lintOnly` mode); a trial that
    /// fails to run is recorded with its reason and the rest still run. When the task is
    /// cancelled (Ctrl-C), the trials stop after the one under way and `interrupted` makes the
    /// verdict inconclusive unless what ran already blocks. Throws `.badInput` only (lint's
    /// unknown suppression IDs).
    public static func run(
        _ input: VerifyInput, executor: (any TrialExecutor)?, events: Events = .init(),
        interrupted: @Sendable () -> Bool = { Task.isCancelled }
    ) async throws(ConfgateError) -> VerifyResult {
        let sides = try Linter.lintSides(current: input.current, proposed: input.proposed, gate: input.gate)
        var result = VerifyResult(
            quick: input.mode == .quick, lintOnly: input.mode == .lintOnly, load: input.gate.load, gate: input.gate.gate,
            current: .init(file: input.current.file ?? "current", settings: input.current, findings: sides.current),
            proposed: .init(file: input.proposed.file ?? "proposed", settings: input.proposed, findings: sides.proposed),
            diff: SettingsDiff(current: input.current, proposed: input.proposed),
            verdict: Verdict(decision: .pass, reasons: [], warnings: [], latency: []))
        let plan = VerifyPlan(input)
        if let executor {
            await runTrials(plan, input, executor: executor, events: events, into: &result)
        }
        result.verdict = VerdictJudge.judge(result, interrupted: interrupted())
        return result
    }

    private static func runTrials(_ plan: VerifyPlan, _ input: VerifyInput, executor: any TrialExecutor,
                                  events: Events, into result: inout VerifyResult) async {
        for step in plan.steps {
            if Task.isCancelled { return }
            let settings = step.side == .current ? input.current : input.proposed
            events.log?("round \(step.round)/\(plan.rounds): \(step.side.rawValue) (\(settings.file ?? step.side.rawValue))")
            var trial = VerifyResult.Trial(round: step.round, ranFirst: step.ranFirst)
            do {
                let progress = events.progress
                let (load, calibrationNotes) = input.calibrated(plan.load, for: step.side)
                trial.result = try await executor.run(settings, load: load, progress: { point, elapsed in
                    progress?(step.side, step.round, point, elapsed)
                })
                trial.result?.summary.notes += calibrationNotes
            } catch {
                trial.error = error.description
                events.log?("round \(step.round) \(step.side.rawValue) failed: \(error.message)")
            }
            if step.side == .current { result.current.trials.append(trial) } else { result.proposed.trials.append(trial) }
            // After both sides of a round: does it already prove the block?
            guard !step.ranFirst, step.round < plan.rounds, let gate = plan.stopEarly,
                  let c = result.current.trials.last, let p = result.proposed.trials.last,
                  c.round == step.round, p.round == step.round,
                  let reason = EarlyStop.conclusive(current: c, proposed: p, gate: gate) else { continue }
            let stop = VerifyResult.StoppedEarly(afterRound: step.round, of: plan.rounds, reason: reason)
            events.log?(stop.sentence)
            result.stoppedEarly = stop
            return
        }
    }
}
