/// The complete result of `confgate canary`: what was watched, every sample, the budget
/// comparison and the verdict. What `--format json` and `--report-dir` write; versioned.
public struct CanaryResult: Hashable, Sendable, Codable {
    public static let schemaVersion = 1
    public var schemaVersion: Int = CanaryResult.schemaVersion
    /// Always `canary`: tells this JSON from a verify or run result.
    public var kind: String = "canary"
    /// The settings the fleet runs (the DSN's password is redacted when encoded).
    public var file: String
    public var settings: Settings
    public var currentFile: String?
    /// Where the canary watched, with the password shown as `***`.
    public var server: String
    /// Seconds between samples, and how long the canary was asked to watch.
    public var interval: Double
    public var duration: Double
    public var criteria: CanaryCriteria
    public var record: CanaryRecord
    public var budget: CanaryBudget
    public var verdict: Verdict

    public init(file: String, settings: Settings, current: (file: String, settings: Settings)? = nil, server: String,
                interval: Double, duration: Double, criteria: CanaryCriteria, record: CanaryRecord) {
        self.file = file
        self.settings = settings
        currentFile = current?.file
        self.server = server
        self.interval = interval
        self.duration = duration
        self.criteria = criteria
        self.record = record
        budget = CanaryBudget(record, settings: settings, current: current?.settings, criteria: criteria)
        verdict = CanaryJudge.judge(record, budget: budget, criteria: criteria)
    }

    public var exitCode: Int32 { verdict.exitCode }

    /// The first line: which verdict and why, with numbers.
    public var headline: String {
        let v = verdict
        switch v.decision {
        case .blocked: return "BLOCKED: \(v.reasons.first.map { "\($0.kind.rawValue) — \($0.message)" } ?? "")"
        case .inconclusive: return "INCONCLUSIVE: \(v.reasons.first?.message ?? "could not observe enough")"
        case .pass: return "PASS: \(observedSummary)"
        case .passWithWarnings:
            return "PASS with \(v.warnings.count) warning\(v.warnings.count == 1 ? "" : "s"): \(observedSummary); \(v.warnings.first?.message ?? "")"
        }
    }

    /// `peak 92 of 97 usable connections (95%), 6 probes admitted, 60 samples over 3.0 s`.
    public var observedSummary: String {
        var parts: [String] = []
        if let usable = budget.usable {
            let share = budget.peakUtilization.map { " (\(Int(($0 * 100).rounded()))%)" } ?? ""
            parts.append("peak \(budget.peak) of \(usable) usable connections\(share)")
        }
        let admitted = record.probes.filter { $0.outcome == .ok }.count
        if record.probeRole != nil { parts.append("\(admitted) probe\(admitted == 1 ? "" : "s") admitted, none refused") }
        let pools = budget.scrapes.pools.count
        if !record.scrapeURLs.isEmpty { parts.append("\(pools) scraped pool\(pools == 1 ? "" : "s") without a timeout") }
        if let log = record.log { parts.append("no refusal in \(log.lines) server log line\(log.lines == 1 ? "" : "s")") }
        parts.append("\(record.samples.count) samples over \(CanaryJudge.seconds(record.span))")
        return parts.joined(separator: ", ")
    }
}

/// The live figures of a canary after any tick: what a progress line or a metrics endpoint
/// (`--listen`) shows. Pure: derived from the record so far.
public struct CanarySnapshot: Hashable, Sendable {
    public var samples: Int
    /// The last sample's groups (connections by database, user, application, state).
    public var connections: [ConnectionGroup]
    public var clientConnections: Int
    public var usable: Int?
    public var steadyDemand: Int
    public var deployDemand: Int
    /// usable − the last sample's connections.
    public var headroom: Int?
    /// Refused probes and refusals in the server log.
    public var refusals: Int
    public var probes: Int
    /// Failed scrapes of the `--scrape` URLs.
    public var scrapeErrors: Int
    /// The verdict if the canary stopped now.
    public var decision: Verdict.Decision

    public init(_ record: CanaryRecord, settings: Settings, criteria: CanaryCriteria) {
        let budget = CanaryBudget(record, settings: settings, criteria: criteria)
        samples = record.samples.count
        connections = record.samples.last?.groups ?? []
        clientConnections = record.samples.last?.clientConnections ?? 0
        usable = budget.usable
        steadyDemand = budget.declared.steadyDemand
        deployDemand = budget.declared.deployDemand
        headroom = budget.lastHeadroom
        refusals = record.refusals.count + (record.log?.refusals.count ?? 0)
        probes = record.probes.count
        scrapeErrors = record.scrapeErrors
        decision = CanaryJudge.judge(record, budget: budget, criteria: criteria).decision
    }
}
