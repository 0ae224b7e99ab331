/// The figures a side's settings imply for the fleet (design §3), used by diff, lint
/// and the verdict.
public struct Derived: Hashable, Sendable, Codable {
    /// max_connections − superuser_reserved − reserved − other_clients.
    public var usable: Int
    /// instances × processes × max_size.
    public var steadyDemand: Int
    /// (instances + max_surge) × processes × max_size.
    public var deployDemand: Int
    /// usable − steady demand.
    public var steadyHeadroom: Int
    /// usable − deploy demand.
    public var deployHeadroom: Int

    public init(_ settings: Settings) {
        let s = settings.server
        usable = s.maxConnections - s.superuserReservedConnections - s.reservedConnections - s.otherClients
        let pools = settings.fleet.processes
        steadyDemand = settings.fleet.instances * pools * settings.pool.maxSize
        deployDemand = (settings.fleet.instances + settings.fleet.maxSurge) * pools * settings.pool.maxSize
        steadyHeadroom = usable - steadyDemand
        deployHeadroom = usable - deployDemand
    }

    /// Headroom as a percentage of usable; `nil` when nothing is usable.
    public static func percent(_ headroom: Int, of usable: Int) -> Double? {
        usable > 0 ? Double(headroom) * 100 / Double(usable) : nil
    }
}
