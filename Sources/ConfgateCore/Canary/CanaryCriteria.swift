/// How a canary judges what it saw (docs/canary.md). Every field has a default; flags set them.
public struct CanaryCriteria: Hashable, Sendable, Codable {
    /// Share of usable connections above which utilization is watched: the gate's
    /// `max_utilization`. Default 0.90.
    public var maxUtilization: Double
    /// How long utilization may stay above `maxUtilization` before the canary blocks, in
    /// seconds. Default 120 (the common Prometheus alert's `for: 2m`).
    public var sustained: Double
    /// Fewer samples than this is inconclusive. Default 50.
    public var minSamples: Int
    /// The `application_name`s (prefixes) of the fleet; each must appear. Default: the
    /// settings DSN's `application_name`, when it has one.
    public var applications: [String]

    public init(maxUtilization: Double = 0.90, sustained: Double = 120, minSamples: Int = 50, applications: [String] = []) {
        self.maxUtilization = maxUtilization
        self.sustained = sustained
        self.minSamples = minSamples
        self.applications = applications
    }

    /// A canary flag's duration: postgresql.conf units (`500ms`, `1s`, `10min`), and `m` for
    /// minutes as in `--duration 10m`. A bad value is `.badInput` naming the flag.
    public static func duration(_ text: String, flag: String) throws(ConfgateError) -> SettingDuration {
        let spelled = SettingDuration.flagSpelling(text)
        do {
            return try ConfValue(text: spelled, location: SourceLocation(file: "command line", line: 1, column: 1), key: flag).duration()
        } catch {
            throw ConfgateError(.badInput, "--\(flag): \(error.message)", details: error.details)
        }
    }
}
