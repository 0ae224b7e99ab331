/// What `verify` is asked to judge: both sides' settings, the gate (load and thresholds,
/// flags already applied), and how far to go. Made by the command line; everything after it
/// is the pipeline's.
public struct VerifyInput: Sendable {
    /// How much of the gate runs.
    public enum Mode: String, Sendable {
        /// Every round of the gate's load.
        case full
        /// One short trial per side: a fast look, labelled as such.
        case quick
        /// Diff and lint only; no load.
        case lintOnly
    }

    public var current: Settings
    public var proposed: Settings
    public var gate: GateSettings
    public var mode: Mode
    /// Run every round even when one proves exhaustion (`--all-rounds`).
    public var allRounds: Bool
    /// Calibration only (hidden `--calibration-proposed-db-time`): extra server time per login
    /// on the proposed side alone, a known latency regression for `scripts/calibrate.sh`'s
    /// ladder. Zero otherwise; a result made with it says so in its notes.
    public var proposedExtraDBTime = SettingDuration(microseconds: 0)
    /// Calibration only (hidden `--calibration-proposed-hold`): time each proposed login holds
    /// its connection on top of the load's, slept in the service with microsecond precision
    /// (`GateSettings.Load.calibrationHold`). Zero otherwise; a result made with it says so.
    public var proposedHold = SettingDuration(microseconds: 0)

    /// `gate` as given, except in `.quick` mode, whose profile shortens the phases the flags
    /// left alone (`setByFlags` holds the `[load]` keys a flag set: flags win, design §4).
    public init(current: Settings, proposed: Settings, gate: GateSettings, mode: Mode = .full,
                allRounds: Bool = false, setByFlags: Set<String> = []) {
        self.current = current
        self.proposed = proposed
        self.mode = mode
        self.allRounds = allRounds
        self.gate = mode == .quick ? Self.quickProfile(gate, setByFlags: setByFlags) : gate
    }

    /// `load` as the proposed side's trials run it under the calibration flags (more server
    /// time, a longer hold), with the note each trial's result carries for each; `load`
    /// unchanged and no notes for the current side or without them.
    func calibrated(_ load: GateSettings.Load, for side: VerifyPlan.Side) -> (load: GateSettings.Load, notes: [String]) {
        guard side == .proposed else { return (load, []) }
        var load = load, notes: [String] = []
        if proposedExtraDBTime.microseconds > 0 {
            load.dbTime = SettingDuration(microseconds: load.dbTime.microseconds + proposedExtraDBTime.microseconds)
            notes.append("calibration: \(proposedExtraDBTime) of server time added to every proposed login (--calibration-proposed-db-time)")
        }
        if proposedHold.microseconds > 0 {
            load.calibrationHold = proposedHold
            notes.append("calibration: every proposed login held its connection \(proposedHold) longer (--calibration-proposed-hold)")
        }
        return (load, notes)
    }

    /// The `--quick` profile: 1 round, 1 s warmup, 5 s measured, a 2 s spike, each unless a
    /// flag set it.
    public static func quickProfile(_ gate: GateSettings, setByFlags: Set<String>) -> GateSettings {
        var gate = gate
        gate.load.trials = 1
        if !setByFlags.contains("warmup") { gate.load.warmup = .seconds(1) }
        if !setByFlags.contains("duration") { gate.load.duration = .seconds(5) }
        if !setByFlags.contains("spike"), let spike = gate.load.spike {
            gate.load.spike = .init(multiplier: spike.multiplier, duration: .seconds(2))
        }
        return gate
    }
}
