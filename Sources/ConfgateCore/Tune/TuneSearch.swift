/// The search for the lower edge, as a pure state machine: it says which value to run next
/// and in which mode, and takes each step's outcome. No trials of its own.
///
/// The range searched is `floor...top`: `top` is the hard upper edge (the reference every step
/// runs against), `floor` the smallest value Little's law allows. Bisection first screens with
/// quick steps (one short round: failures and gross regressions show at once), then confirms
/// the smallest value that passed with a full step (the gate's rounds and statistics). A
/// confirmation that fails turns the rest of the search into full steps, since the quick
/// screen was too lenient there; so does a quick step whose reference failed (only a full
/// step's failing reference ends the search: no value is safe). An inconclusive step (a busy machine makes the load driver
/// fall behind) is retried up to `retries` times; one more stops the search.
public struct TuneSearch: Hashable, Sendable {
    public enum Next: Hashable, Sendable {
        case run(Int, TuneStep.Mode)
        case done
    }

    /// How the search ended.
    public enum End: Hashable, Sendable {
        /// `lower...top` is safe.
        case range(lower: Int)
        /// The reference itself failed: no value is safe.
        case topUnsafe(String)
        /// A step could not run twice.
        case inconclusive(String)
    }

    public let top: Int
    public let floor: Int
    /// Largest value known unsafe (`floor - 1` before any step).
    public private(set) var knownUnsafe: Int
    /// Smallest value a step found safe (quick or full; `top` before any step).
    public private(set) var knownSafe: Int
    /// Smallest value a full step confirmed (`top`: the reference, once a step ran cleanly).
    public private(set) var confirmed: Int
    /// Whether quick steps may still be used (off after a quick pass failed its confirmation).
    public private(set) var screening: Bool
    public private(set) var end: End?
    private var stepsRun = 0
    private var inconclusiveInARow = 0
    /// How often one step is retried after an inconclusive run.
    public let retries: Int

    /// - Parameter quick: screen with quick steps first (off: every step full).
    public init(floor: Int, top: Int, quick: Bool = true, retries: Int = 2) {
        self.retries = retries
        precondition(floor >= 1 && top >= floor)
        self.top = top
        self.floor = floor
        knownUnsafe = floor - 1
        knownSafe = top
        confirmed = top
        screening = quick
    }

    public var next: Next {
        if end != nil { return .done }
        if knownSafe - knownUnsafe > 1 {
            return .run(knownUnsafe + (knownSafe - knownUnsafe) / 2, screening ? .quick : .full)
        }
        if knownSafe != confirmed { return .run(knownSafe, .full) }
        // Nothing to bisect (floor == top): run the top once, so the reference is measured.
        if stepsRun == 0 { return .run(top, .full) }
        return .done
    }

    /// The outcome, once `next` is `.done`.
    public var result: End? {
        if let end { return end }
        return next == .done ? .range(lower: confirmed) : nil
    }

    public mutating func record(_ step: TuneStep) {
        if let failure = step.referenceFailure {
            if step.mode == .quick {
                // One quick round of the reference failing may be the machine (a stall times
                // logins out): the gate's full rounds decide, as verify's recurrence rule does.
                // The search goes on in full steps, from the same value.
                screening = false
                return
            }
            end = .topUnsafe(failure)
            return
        }
        switch step.outcome {
        case .inconclusive:
            inconclusiveInARow += 1
            if inconclusiveInARow > retries { end = .inconclusive(step.reason) }
            return
        case .unsafe:
            inconclusiveInARow = 0
            stepsRun += 1
            knownUnsafe = max(knownUnsafe, step.value)
            if step.mode == .full, step.value >= knownSafe {
                // A quick pass that the full gate refuses: what quick found safe is not.
                screening = false
                knownSafe = confirmed
            }
            if step.value >= confirmed {
                end = .topUnsafe(step.reason)
            }
        case .safe:
            inconclusiveInARow = 0
            stepsRun += 1
            knownSafe = min(knownSafe, step.value)
            if step.mode == .full { confirmed = min(confirmed, step.value) }
        }
    }
}
