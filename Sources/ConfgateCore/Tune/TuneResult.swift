import Foundation

/// What `tune` found: the arithmetic edges, every step tried, the safe range with its
/// evidence, the recommended value and why, and where today's value sits. Written as JSON by
/// `tune --format json`. Versioned.
public struct TuneResult: Hashable, Sendable, Codable {
    public static let schemaVersion = 1
    public var schemaVersion = TuneResult.schemaVersion

    /// How the search ended.
    public enum Conclusion: Hashable, Sendable, Codable {
        case range(lower: Int, upper: Int)
        /// Arithmetic alone shows no value can be safe.
        case impossible(String)
        /// The largest value the server allows already fails.
        case topUnsafe(String)
        /// Trials could not run.
        case inconclusive(String)
        /// `server.max_connections`: this value and any above it.
        case atLeast(lower: Int)
        /// Only the arithmetic was asked for (`--arithmetic-only`): the upper edges, no trials.
        case arithmeticOnly
    }

    public var dimension: TuneDimension
    public var file: String
    /// The settings tuned (the DSN's password redacted when encoded).
    public var settings: Settings
    public var load: GateSettings.Load
    public var gate: GateSettings.Gate
    public var arithmetic: TuneArithmetic
    public var steps: [TuneStep] = []
    public var conclusion: Conclusion = .inconclusive("not run")
    /// The value to write, when a range exists.
    public var recommended: Int?
    public var recommendationWhy = ""
    /// The first line: the range and its evidence, or why there is none.
    public var headline = ""
    /// Where today's value sits.
    public var today = ""

    public init(input: TuneInput, arithmetic: TuneArithmetic) {
        dimension = input.dimension
        file = input.settings.file ?? "settings"
        settings = input.settings
        load = input.gate.load
        gate = input.gate.gate
        self.arithmetic = arithmetic
    }

    /// 0 when a safe range exists, 1 when none does, 3 when trials could not run.
    public var exitCode: Int32 {
        switch conclusion {
        case .range, .atLeast, .arithmeticOnly: 0
        case .impossible, .topUnsafe: 1
        case .inconclusive: 3
        }
    }

    public var range: ClosedRange<Int>? {
        if case .range(let lower, let upper) = conclusion { return lower...upper }
        return nil
    }

    mutating func finish(_ conclusion: Conclusion) {
        self.conclusion = conclusion
        let name = dimension.name
        let a = arithmetic
        let load = "\(TuneArithmetic.number(self.load.rate)) logins/s" + (self.load.spike.map { " with a \(TuneArithmetic.number($0.multiplier))× spike" } ?? "")
            + (a.deployGated ? " and a rolling deploy" : "")
        switch conclusion {
        case .range(let lower, let upper):
            var parts = ["\(name) \(lower)…\(upper) is safe for \(load) (\(a.hardEdgeText ?? ""))"]
            if let below = steps.filter({ $0.outcome == .unsafe && $0.value == lower - 1 }).last {
                parts.append("below \(lower), \(below.evidence)")
            } else if lower > 1 && lower == a.littleMinimum {
                parts.append("below \(lower), too few connections for the peak rate (\(a.littleText))")
            }
            let refusal = a.deployGated ? "the deploy is refused (53300)" : "the server refuses connections (53300)"
            if let edge = a.hardEdge, upper < edge {
                parts.append("above \(upper), the fleet holds every usable connection (\(a.hardEdgeText ?? "")), which verify counts as exhaustion, and above \(edge) \(refusal): \(a.pastHardEdgeText)")
            } else {
                parts.append("above \(upper), \(refusal): \(a.pastHardEdgeText) \(a.limitName)")
            }
            headline = parts.joined(separator: "; ")
            recommend(lower: lower, upper: upper)
        case .atLeast(let lower):
            var parts = ["\(name) \(lower) or more is safe for \(load) (\(a.hardEdgeText ?? "") at \(a.hardEdge ?? 0))"]
            if let step = steps.last, step.outcome == .unsafe {
                parts.append("at \(step.value), \(step.evidence)")
            } else if let edge = a.hardEdge, lower > edge {
                parts.append("at \(edge) the fleet holds every usable connection, which verify counts as exhaustion")
            }
            parts.append("below \(a.hardEdge ?? lower), \(a.deployGated ? "the deploy is refused" : "the server refuses connections") (53300): \(a.pastHardEdgeText)")
            headline = parts.joined(separator: "; ")
            let util = max(a.utilizationEdge ?? lower, lower)
            recommended = util
            recommendationWhy = "the smallest that keeps the \(percent) utilization headroom (\(a.utilizationEdgeText ?? "")); every connection above costs server memory (work_mem, a backend process) without serving the fleet"
        case .impossible(let why):
            headline = "no safe \(name): \(why)"
        case .topUnsafe(let why):
            headline = "no safe \(name): even \(a.hardEdge.map(String.init) ?? "?"), the largest the server allows (\(a.hardEdgeText ?? "")), fails at \(load): \(why); the rate needs more connections than the server has — raise server.max_connections, add a pooler (docs/pooler.md), or lower the rate"
        case .inconclusive(let why):
            headline = "inconclusive: \(why)"
        case .arithmeticOnly where dimension.raisesLimit:
            headline = "\(name) at least \(a.hardEdge.map(String.init) ?? "?") fits (\(a.hardEdgeText ?? "")), verify needs at least \(a.trialTop.map(String.init) ?? "?"), at least \(a.utilizationEdge.map(String.init) ?? "?") keeps the \(percent) utilization headroom (\(a.utilizationEdgeText ?? "")); no trials run"
        case .arithmeticOnly:
            headline = "\(name) at most \(a.hardEdge.map(String.init) ?? "?") fits (\(a.hardEdgeText ?? "")), at most \(a.utilizationEdge.map(String.init) ?? "none") keeps the \(percent) utilization headroom (\(a.utilizationEdgeText ?? "")); the lower edge needs trials (run without --arithmetic-only)"
        }
        today = placement()
    }

    /// The middle of the safe part below the utilization edge: room above the lower edge for
    /// traffic to grow, and room below the edge for a psql session, a migration or another
    /// instance. When the utilization edge is below the lower edge, the lower edge.
    private mutating func recommend(lower: Int, upper: Int) {
        let name = dimension.name
        guard let edge = arithmetic.utilizationEdge, edge >= lower else {
            recommended = lower
            recommendationWhy = "the lower edge: every safe value is above the \(percent) utilization edge, so take the fewest connections that keep logins fast"
            return
        }
        let value = (lower + edge + 1) / 2
        recommended = value
        recommendationWhy = "the middle of \(lower)…\(edge), the safe values that keep the \(percent) utilization headroom (\(arithmetic.utilizationEdgeText ?? "")): room above \(lower) for traffic to grow, room below \(edge) for a migration, a psql session or one more instance; \(name) \(value) gives \(TuneArithmetic.demandText(dimension.applying(value, to: settings), deploy: arithmetic.deployGated))"
    }

    /// `87.3`: max_utilization of the limit.
    var utilizationLimit: String {
        TuneArithmetic.number(Double(Int((gate.maxUtilization * 10_000).rounded()) * arithmetic.limit) / 10_000)
    }

    var percent: String { "\(TuneArithmetic.number(gate.maxUtilization * 100))%" }

    private func placement() -> String {
        let name = dimension.name
        if dimension.raisesLimit {
            let value = arithmetic.current
            guard let lower = arithmetic.trialTop, let util = arithmetic.utilizationEdge else { return "today: \(name) \(value)" }
            if value < lower { return "today: \(name) \(value) is below the safe edge \(lower)" }
            if value < util { return "today: \(name) \(value) is safe but below the \(percent) utilization edge \(util)" }
            return "today: \(name) \(value) is safe and keeps the \(percent) utilization headroom"
        }
        let value = arithmetic.current
        let demand = TuneArithmetic.demandText(settings, deploy: arithmetic.deployGated)
        let limit = arithmetic.limit
        guard let range else {
            if let edge = arithmetic.hardEdge, value > edge { return "today: \(name) \(value) is above the hard edge \(edge) (\(demand) > \(limit))" }
            if let edge = arithmetic.utilizationEdge, value > edge, arithmetic.hardEdge != nil {
                return "today: \(name) \(value) fits but is above the \(percent) utilization edge \(edge) (\(demand) > \(utilizationLimit))"
            }
            return "today: \(name) \(value)"
        }
        if value > range.upperBound { return "today: \(name) \(value) is above the safe range: \(demand) > \(limit) \(arithmetic.limitName)" }
        if value < range.lowerBound { return "today: \(name) \(value) is below the safe range: too few connections for \(TuneArithmetic.number(load.rate)) logins/s" }
        if let edge = arithmetic.utilizationEdge, value > edge {
            return "today: \(name) \(value) is inside the safe range but above the \(percent) utilization edge \(edge) (\(demand) > \(utilizationLimit))"
        }
        return "today: \(name) \(value) is inside the safe range and within the \(percent) utilization headroom"
    }
}
