/// Runs one side's settings under a load and measures it: what `ConfgatePostgres`'s trial
/// runner does on a scratch or existing server, and what a test does with canned results.
public protocol TrialExecutor: Sendable {
    /// Runs `settings` under `load`. Throws `ConfgateError(.environment)` when the server
    /// cannot start; cancellation stops the load early (the result then says `complete: false`).
    func run(_ settings: Settings, load: GateSettings.Load,
             progress: (@Sendable (TimelinePoint, Duration) -> Void)?) async throws(ConfgateError) -> RunResult
}
