import Foundation

/// The edges of the range that arithmetic alone decides, at no cost: the largest value whose
/// demand fits the server (hard upper edge), the largest that keeps the gate's
/// `max_utilization` headroom, and the smallest that Little's law allows for the planned peak
/// rate. Pure: settings and gate in, figures and their arithmetic out.
public struct TuneArithmetic: Hashable, Sendable, Codable {
    public var dimension: TuneDimension
    /// Today's value.
    public var current: Int
    /// What demand meets: usable connections, or a pooler's client capacity.
    public var limit: Int
    /// `usable` or `pooler client capacity`.
    public var limitName: String
    /// Whether the rolling deploy is gated (load `deploy = on` and a surge): then deploy
    /// demand must fit, else steady demand.
    public var deployGated: Bool
    /// Largest value whose gated demand fits the limit; `nil` when even 1 does not.
    public var hardEdge: Int?
    /// `6 × 16 = 96 ≤ 97`.
    public var hardEdgeText: String?
    /// `6 × 17 = 102 > 97`: the first value past the hard edge.
    public var pastHardEdgeText: String
    /// The largest value trials may use as the reference: the hard edge, or one below it when
    /// the hard edge's demand equals usable exactly — a fleet holding every usable connection
    /// is what `verify` counts as exhaustion (its peak reaches the limit). `nil` with no edge.
    public var trialTop: Int?
    /// Largest value whose gated demand stays within `max_utilization` of the limit.
    public var utilizationEdge: Int?
    /// `6 × 14 = 84 ≤ 87.3`.
    public var utilizationEdgeText: String?
    public var maxUtilization: Double
    /// Smallest value whose fleet holds the connections busy at the peak rate by Little's law
    /// (peak logins/s × db_time each login at least holds its connection).
    public var littleMinimum: Int
    /// `1200 logins/s × 5ms = 6.0 connections busy at least`.
    public var littleText: String
    /// Why no value can be safe, when arithmetic alone shows it.
    public var impossible: String?

    /// The values a search may use are 1...limit (demand grows at least one per unit).
    public init(settings: Settings, gate: GateSettings, dimension: TuneDimension) {
        if dimension.raisesLimit {
            self.init(limitOf: settings, gate: gate, dimension: dimension)
        } else {
            self.init(demandOf: settings, gate: gate, dimension: dimension)
        }
    }

    /// For a key that raises demand (`pool.max_size`, `fleet.instances`): upper edges.
    private init(demandOf settings: Settings, gate: GateSettings, dimension: TuneDimension) {
        let base = Derived(settings)
        let limit = base.demandLimit
        let deployGated = VerifyPlan.deployRuns(settings, load: gate.load)
        let demand = { (v: Int) -> Int in
            let d = Derived(dimension.applying(v, to: settings))
            return deployGated ? d.deployDemand : d.steadyDemand
        }
        // Connections that serve logins: the main pools only (named pools take no logins).
        let steady = { (v: Int) -> Int in Self.serving(dimension.applying(v, to: settings)) }
        let text = { (v: Int) -> String in Self.demandText(dimension.applying(v, to: settings), deploy: deployGated) }
        let cap = max(limit, 1)
        let hardEdge = (1...cap).filter { demand($0) <= limit }.last
        let hardEdgeText = hardEdge.map { "\(text($0)) ≤ \(limit)" }
        let pastHardEdgeText = "\(text((hardEdge ?? 0) + 1)) > \(limit)"
        let strict = base.pooler == nil
        let trialTop = (1...cap).filter { strict ? demand($0) < limit : demand($0) <= limit }.last
        // Exact integer arithmetic in basis points, as CG103: 90% → 9000.
        let bp = Int((gate.gate.maxUtilization * 10_000).rounded())
        let utilizationEdge = (1...cap).filter { demand($0) * 10_000 <= bp * limit }.last
        let utilLimit = Self.number(Double(bp * limit) / 10_000)

        let peakRate = gate.load.rate * (gate.load.spike?.multiplier ?? 1)
        let busy = peakRate * Double(gate.load.dbTime.microseconds) / 1e6
        let needed = Int(busy.rounded(.up))
        let littleMinimum = (1...cap).first { steady($0) >= needed } ?? cap + 1
        let rateText = gate.load.spike.map { "\(Self.number(gate.load.rate))/s × \(Self.number($0.multiplier)) spike = \(Self.number(peakRate)) logins/s" }
            ?? "\(Self.number(peakRate)) logins/s"
        let littleText = "\(rateText) × \(gate.load.dbTime) = \(String(format: "%.1f", busy)) connections busy at least"

        self.dimension = dimension
        current = dimension.value(in: settings)
        self.limit = limit
        limitName = base.pooler == nil ? "usable" : "pooler client capacity"
        self.deployGated = deployGated
        maxUtilization = gate.gate.maxUtilization
        self.hardEdge = hardEdge
        self.hardEdgeText = hardEdgeText
        self.pastHardEdgeText = pastHardEdgeText
        self.trialTop = trialTop
        self.utilizationEdge = utilizationEdge
        utilizationEdgeText = utilizationEdge.map { "\(text($0)) ≤ \(utilLimit)" }
        self.littleMinimum = littleMinimum
        self.littleText = littleText
        if let tier = base.pooler, tier.serverConnections > base.usable {
            impossible = "the pooler's server connections \(tier.serverConnections) > usable \(base.usable): no \(dimension.key) changes that; lower the pooler's pool sizes or raise server.max_connections"
        } else if hardEdge == nil {
            impossible = "even \(dimension.key) 1 does not fit: \(pastHardEdgeText) (\(limitName)); raise server.max_connections or lower the other keys"
        } else if trialTop == nil {
            impossible = "even \(dimension.key) 1 takes every usable connection (\(hardEdgeText ?? "")), which verify counts as exhaustion; raise server.max_connections"
        } else if let edge = hardEdge, littleMinimum > edge {
            impossible = "the rate needs more connections than the server allows: \(littleText) (Little's law), but the largest \(dimension.key) that fits, \(edge), gives the fleet \(steady(edge)) (\(hardEdgeText ?? ""))"
        } else {
            impossible = nil
        }
    }

    /// For `server.max_connections`: the demand is fixed and usable grows with the value, so
    /// the edges are lower ones: the smallest value the demand fits (`hardEdge`), the smallest
    /// `verify` accepts (`trialTop`: usable above the demand), the smallest that keeps the
    /// headroom (`utilizationEdge`).
    private init(limitOf settings: Settings, gate: GateSettings, dimension: TuneDimension) {
        let base = Derived(settings)
        let deployGated = VerifyPlan.deployRuns(settings, load: gate.load)
        let reserved = settings.server.maxConnections - base.usable
        // What meets usable: the fleet's demand, or a pooler's server connections.
        let demand = base.pooler?.serverConnections ?? (deployGated ? base.deployDemand : base.steadyDemand)
        let demandText = base.pooler.map { "pooler server connections \($0.serverConnections)" }
            ?? Self.demandText(settings, deploy: deployGated)
        let bp = Int((gate.gate.maxUtilization * 10_000).rounded())
        let hard = max(demand + reserved, reserved + 1)
        let utilUsable = (demand * 10_000 + bp - 1) / bp
        let util = max(utilUsable + reserved, hard)
        let strict = base.pooler == nil
        let peakRate = gate.load.rate * (gate.load.spike?.multiplier ?? 1)
        let busy = peakRate * Double(gate.load.dbTime.microseconds) / 1e6
        let rateText = gate.load.spike.map { "\(Self.number(gate.load.rate))/s × \(Self.number($0.multiplier)) spike = \(Self.number(peakRate)) logins/s" }
            ?? "\(Self.number(peakRate)) logins/s"
        let littleText = "\(rateText) × \(gate.load.dbTime) = \(String(format: "%.1f", busy)) connections busy at least"

        self.dimension = dimension
        current = settings.server.maxConnections
        limit = base.usable
        limitName = "usable"
        self.deployGated = deployGated
        maxUtilization = gate.gate.maxUtilization
        hardEdge = hard
        hardEdgeText = "\(demandText) ≤ \(hard - reserved) usable"
        pastHardEdgeText = "at \(hard - 1): \(demandText) > \(hard - 1 - reserved) usable"
        trialTop = strict ? hard + 1 : hard
        utilizationEdge = util
        utilizationEdgeText = "\(demandText) ≤ \(Self.number(Double(bp * (util - reserved)) / 10_000)) (\(Self.number(Double(bp) / 100))% of \(util - reserved))"
        littleMinimum = 0
        self.littleText = littleText
        if let tier = base.pooler, base.deployDemand > tier.clientCapacity || base.steadyDemand > tier.clientCapacity {
            impossible = "the fleet's demand exceeds the pooler's client capacity \(tier.clientCapacity); server.max_connections does not change that: raise max_client_conn"
        } else if Double(Self.serving(settings)) < busy.rounded(.up) {
            impossible = "the fleet's pools hold \(Self.serving(settings)) connections, fewer than the \(littleText) (Little's law); more server connections cannot help: raise pool.max_size or fleet.instances first"
        } else {
            impossible = nil
        }
    }

    /// `6 × 16 = 96`, or `(6 + 2) × 16 = 128` when the deploy is gated.
    static func demandText(_ s: Settings, deploy: Bool) -> String {
        let f = s.fleet
        let d = Derived(s)
        if deploy && f.maxSurge > 0 {
            return "(\(f.instances) + \(f.maxSurge))\(f.processesFactor) × \(s.maxSizeText) = \(d.deployDemand)"
        }
        return "\(f.instances)\(f.processesFactor) × \(s.maxSizeText) = \(d.steadyDemand)"
    }

    /// The connections that serve logins at steady state: instances × processes × the main
    /// pool's max_size. Named pools count in demand, but no login uses them.
    static func serving(_ s: Settings) -> Int { s.fleet.instances * s.fleet.processes * s.pool.maxSize }

    /// `87.3`, `90`, `1200`: at most one decimal, none when whole.
    static func number(_ x: Double) -> String {
        x == x.rounded() ? String(Int(x)) : String(format: "%.1f", x)
    }
}
