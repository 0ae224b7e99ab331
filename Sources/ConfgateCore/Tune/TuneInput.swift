/// What `tune` is asked: the settings, the gate (flags applied), the key to vary, and whether
/// to screen with quick steps.
public struct TuneInput: Sendable {
    public var settings: Settings
    public var gate: GateSettings
    public var dimension: TuneDimension
    /// Screen with quick steps before confirming with the gate's full rounds.
    public var quickScreen: Bool
    /// The `[load]` keys a flag set: quick steps keep them (as `verify --quick` does).
    public var setByFlags: Set<String>
    /// Stop after the arithmetic edges: no trials.
    public var arithmeticOnly = false

    public init(settings: Settings, gate: GateSettings, dimension: TuneDimension = .poolMaxSize,
                quickScreen: Bool = true, setByFlags: Set<String> = []) {
        self.settings = settings
        self.gate = gate
        self.dimension = dimension
        self.quickScreen = quickScreen
        self.setByFlags = setByFlags
    }

    /// The settings with the varied key at `value`, named for the logs and reports.
    func candidate(_ value: Int) -> Settings {
        var s = dimension.applying(value, to: settings)
        s.file = "\(settings.file ?? "settings") (\(dimension.name) \(value))"
        return s
    }
}

/// `tune` from input to result: the arithmetic edges, then the search's steps, each one a
/// `VerifyPipeline` run of the candidate (proposed) against the hard upper edge (current).
public enum TunePipeline {
    public static func run(
        _ input: TuneInput, executor: any TrialExecutor, events: VerifyPipeline.Events = .init()
    ) async throws(ConfgateError) -> TuneResult {
        let arithmetic = TuneArithmetic(settings: input.settings, gate: input.gate, dimension: input.dimension)
        var result = TuneResult(input: input, arithmetic: arithmetic)
        guard arithmetic.impossible == nil, let top = arithmetic.trialTop else {
            result.finish(.impossible(arithmetic.impossible ?? "no value fits"))
            return result
        }
        if input.arithmeticOnly {
            result.finish(.arithmeticOnly)
            return result
        }
        if input.dimension.raisesLimit {
            return try await confirmLowerEdge(input, arithmetic: arithmetic, executor: executor, events: events, into: result)
        }
        // When the flags already make every step as short as a quick one (one round, phases
        // set), a quick pass would only be run again: screen nothing, every step decides.
        let quickGate = VerifyInput.quickProfile(input.gate, setByFlags: input.setByFlags)
        let screen = input.quickScreen && quickGate != input.gate
        var search = TuneSearch(floor: min(arithmetic.littleMinimum, top), top: top, quick: screen)
        while case .run(let value, let mode) = search.next {
            if Task.isCancelled {
                result.finish(.inconclusive("interrupted before the search ended"))
                return result
            }
            events.log?("step \(result.steps.count + 1): \(input.dimension.name) \(value) against \(top) (\(mode.rawValue))")
            let verify = VerifyInput(current: input.candidate(top), proposed: input.candidate(value), gate: input.gate,
                                     mode: mode == .quick ? .quick : .full, setByFlags: input.setByFlags)
            let verified = try await VerifyPipeline.run(verify, executor: executor, events: events)
            let step = TuneStep(value: value, reference: top, mode: mode, result: verified)
            events.log?("step \(result.steps.count + 1): \(input.dimension.name) \(value) \(step.outcome.rawValue)\(step.reason.isEmpty ? "" : ": \(step.reason)")")
            result.steps.append(step)
            search.record(step)
        }
        switch search.result {
        case .range(let lower): result.finish(.range(lower: lower, upper: top))
        case .topUnsafe(let why): result.finish(.topUnsafe(why))
        case .inconclusive(let why): result.finish(.inconclusive(why))
        case nil: result.finish(.inconclusive("the search did not end"))
        }
        return result
    }

    /// `server.max_connections`: arithmetic gives the edges; one quick step (the tightest value
    /// verify accepts, against the utilization edge) shows the server holds the fleet under the
    /// load — a refusal shows in any single round. The pools are the same on both sides, so
    /// latency cannot tell them apart. An inconclusive step is retried twice.
    private static func confirmLowerEdge(
        _ input: TuneInput, arithmetic a: TuneArithmetic, executor: any TrialExecutor,
        events: VerifyPipeline.Events, into result: TuneResult
    ) async throws(ConfgateError) -> TuneResult {
        var result = result
        guard let lower = a.trialTop, let reference = a.utilizationEdge else {
            result.finish(.impossible("no edge"))
            return result
        }
        let value = lower, top = max(reference, lower)
        for attempt in 1...3 {
            if Task.isCancelled { break }
            events.log?("step \(attempt): \(input.dimension.name) \(value) against \(top) (quick)")
            let verify = VerifyInput(current: input.candidate(top), proposed: input.candidate(value), gate: input.gate,
                                     mode: .quick, setByFlags: input.setByFlags)
            let step = TuneStep(value: value, reference: top, mode: .quick,
                                result: try await VerifyPipeline.run(verify, executor: executor, events: events))
            result.steps.append(step)
            if let failure = step.referenceFailure {
                result.finish(.topUnsafe(failure))
                return result
            }
            switch step.outcome {
            case .safe: result.finish(.atLeast(lower: value)); return result
            case .unsafe: result.finish(.atLeast(lower: top)); return result
            case .inconclusive: continue
            }
        }
        result.finish(.inconclusive(result.steps.last?.reason ?? "interrupted before the step ran"))
        return result
    }
}
