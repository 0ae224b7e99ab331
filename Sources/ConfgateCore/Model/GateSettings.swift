/// How hard `verify` pushes and how strictly it judges: a `confgate.gate` file (design §4).
/// Every key has a default; flags override the file.
public struct GateSettings: Hashable, Sendable, Codable {
    /// `[load]`: the synthetic login traffic of each trial.
    public struct Load: Hashable, Sendable, Codable {
        /// Logins per second across the fleet at steady state. Default 400.
        public var rate: Double
        /// Length of each trial after warmup. Default 10s (3 rounds of both sides then fit the
        /// 90-second budget of a pre-merge check; raise it for tighter latency intervals).
        public var duration: SettingDuration
        /// Traffic before measuring starts. Default 2s.
        public var warmup: SettingDuration
        /// A burst in the middle of each trial; `nil` when `off`. Default 3x for 4s.
        public var spike: Spike?
        /// Whether a rolling deploy (surge, then retire) happens part-way. Default on.
        public var deploy: Bool
        /// Seeded user accounts. Default 10000.
        public var users: Int
        /// Fraction (0...1) of logins that use a wrong password. Default 0.05.
        public var badPasswordRatio: Double
        /// Extra server time per login (`pg_sleep`). Default 5ms.
        public var dbTime: SettingDuration
        /// Trials per side, interleaved. Default 3.
        public var trials: Int
        /// Calibration only (`verify --calibration-proposed-hold`, on the proposed side's
        /// trials): extra time each login holds its connection after its transaction, slept
        /// in the service to the microsecond — a known latency regression finer than
        /// `pg_sleep`'s whole milliseconds. `nil` otherwise; not a gate file key.
        public var calibrationHold: SettingDuration?
        /// Fixes the arrival schedule and user sequence. Default 1.
        public var seed: UInt64

        public init(
            rate: Double = 400,
            duration: SettingDuration = .seconds(10),
            warmup: SettingDuration = .seconds(2),
            spike: Spike? = Spike(multiplier: 3, duration: .seconds(4)),
            deploy: Bool = true,
            users: Int = 10_000,
            badPasswordRatio: Double = 0.05,
            dbTime: SettingDuration = .milliseconds(5),
            trials: Int = 3,
            seed: UInt64 = 1
        ) {
            self.rate = rate
            self.duration = duration
            self.warmup = warmup
            self.spike = spike
            self.deploy = deploy
            self.users = users
            self.badPasswordRatio = badPasswordRatio
            self.dbTime = dbTime
            self.trials = trials
            self.seed = seed
        }
    }

    /// A burst of `multiplier` times the rate, lasting `duration`.
    public struct Spike: Hashable, Sendable, Codable, CustomStringConvertible {
        public var multiplier: Double
        public var duration: SettingDuration
        public init(multiplier: Double, duration: SettingDuration) {
            self.multiplier = multiplier
            self.duration = duration
        }
        public var description: String {
            let m = multiplier == multiplier.rounded() ? String(Int(multiplier)) : String(multiplier)
            return "\(m)x for \(duration)"
        }
    }

    /// `[gate]`: how the verdict is judged.
    public struct Gate: Hashable, Sendable, Codable {
        /// Logins allowed to fail for infrastructure reasons. Default 0.
        public var maxFailedLogins: Int
        /// How much p50 and p99 may grow, as a fraction. Default 0.10.
        public var latencyTolerance: Double
        /// Confidence of the latency judgement, as a fraction. Default 0.95.
        public var confidence: Double
        /// Peak share of usable connections above which a warning is given. Default 0.90.
        public var maxUtilization: Double

        public init(
            maxFailedLogins: Int = 0,
            latencyTolerance: Double = 0.10,
            confidence: Double = 0.95,
            maxUtilization: Double = 0.90
        ) {
            self.maxFailedLogins = maxFailedLogins
            self.latencyTolerance = latencyTolerance
            self.confidence = confidence
            self.maxUtilization = maxUtilization
        }
    }

    /// `[lint]`: rules switched off for every file, by ID.
    public struct Lint: Hashable, Sendable, Codable {
        /// Rule IDs to suppress, e.g. `CG110`. Default none.
        public var ignore: [String]
        public init(ignore: [String] = []) { self.ignore = ignore }
    }

    public var load: Load
    public var gate: Gate
    public var lint: Lint
    /// Where each key the file set was written, keyed `section.key`.
    public var origins: [String: KeyOrigin]
    /// The file, as the user named it; `nil` for built-in defaults.
    public var file: String?
    /// Where each section's header first appears, keyed by section name (e.g. `lint`).
    public var sections: [String: SourceLocation]

    public init(
        load: Load = .init(), gate: Gate = .init(), lint: Lint = .init(),
        origins: [String: KeyOrigin] = [:], file: String? = nil,
        sections: [String: SourceLocation] = [:]
    ) {
        self.load = load
        self.gate = gate
        self.lint = lint
        self.origins = origins
        self.file = file
        self.sections = sections
    }
}
