/// The figures a side's settings imply for the fleet (design §3), used by diff, lint
/// and the verdict.
public struct Derived: Hashable, Sendable, Codable {
    /// max_connections − superuser_reserved − reserved − other_clients.
    public var usable: Int
    /// instances × processes × Σ max_size (the main pool and every `[pool.NAME]`).
    public var steadyDemand: Int
    /// (instances + max_surge) × processes × Σ max_size.
    public var deployDemand: Int
    /// The limit demand meets (`demandLimit`: usable, or a pooler's client capacity) − steady demand.
    public var steadyHeadroom: Int
    /// `demandLimit` − deploy demand.
    public var deployHeadroom: Int
    /// With `[pooler]`: the pooler tier's two limits; `nil` when the fleet connects directly.
    public var pooler: PoolerTier?

    /// The two limits a pooler puts between the fleet and the server.
    public struct PoolerTier: Hashable, Sendable, Codable {
        /// pooler instances × max_client_conn: what steady and deploy demand meet.
        public var clientCapacity: Int
        /// pooler instances × each one's server pools: what usable meets.
        public var serverConnections: Int
        /// client capacity − steady demand.
        public var clientSteadyHeadroom: Int
        /// client capacity − deploy demand.
        public var clientDeployHeadroom: Int
        /// usable − server connections.
        public var serverHeadroom: Int
        /// Pooler processes, and each one's `max_client_conn`.
        public var instances: Int
        public var maxClientConn: Int

        /// `max_client_conn 110`, or `max_client_conn 100 × 2 poolers`.
        public var clientLimitText: String {
            "max_client_conn \(maxClientConn)" + (instances > 1 ? " × \(instances) poolers" : "")
        }
    }

    /// The server connections the fleet's tier may open at most: deploy demand when the fleet
    /// connects directly, the pooler's server connections when it goes through one.
    public var serverDemand: Int { pooler?.serverConnections ?? deployDemand }

    /// What steady and deploy demand meet: the pooler's client capacity, or usable.
    public var demandLimit: Int { pooler?.clientCapacity ?? usable }

    /// Whether the derived figure `name` (a `SettingsDiff.Figure` name) is above its limit.
    public func exceeds(figure name: String, value: Int) -> Bool {
        switch name {
        case "steady_demand", "deploy_demand": value > demandLimit
        case "server_demand": value > usable
        default: false
        }
    }

    public init(_ settings: Settings) {
        let s = settings.server
        usable = s.maxConnections - s.superuserReservedConnections - s.reservedConnections - s.otherClients
        let perInstance = settings.fleet.processes * settings.maxSizePerProcess
        steadyDemand = settings.fleet.instances * perInstance
        deployDemand = (settings.fleet.instances + settings.fleet.maxSurge) * perInstance
        let steadyDemand = steadyDemand, deployDemand = deployDemand, usable = usable
        pooler = settings.pooler.map { p in
            PoolerTier(
                clientCapacity: p.clientCapacity, serverConnections: p.serverConnections,
                clientSteadyHeadroom: p.clientCapacity - steadyDemand,
                clientDeployHeadroom: p.clientCapacity - deployDemand,
                serverHeadroom: usable - p.serverConnections, instances: p.instances, maxClientConn: p.maxClientConn)
        }
        let limit = pooler?.clientCapacity ?? usable
        steadyHeadroom = limit - steadyDemand
        deployHeadroom = limit - deployDemand
    }

    /// Headroom as a percentage of usable; `nil` when nothing is usable.
    public static func percent(_ headroom: Int, of usable: Int) -> Double? {
        usable > 0 ? Double(headroom) * 100 / Double(usable) : nil
    }
}
