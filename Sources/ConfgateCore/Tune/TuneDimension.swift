/// The one key `tune` varies, and how a value of it becomes settings to run.
public enum TuneDimension: String, CaseIterable, Hashable, Sendable, Codable {
    /// Each instance's pool (`pool.max_size`): the usual knob.
    case poolMaxSize = "pool.max_size"
    /// How many instances share the server (`fleet.instances`).
    case fleetInstances = "fleet.instances"
    /// The server's limit (`server.max_connections`): it raises usable, never the fleet's
    /// demand, so its range is open upwards and arithmetic finds its lower edge.
    case serverMaxConnections = "server.max_connections"

    /// Whether a larger value raises the limit rather than the demand.
    public var raisesLimit: Bool { self == .serverMaxConnections }

    /// `pool.max_size`, as `Settings.origins` keys it.
    public var key: String { rawValue }
    /// `pool`.
    public var section: String { String(rawValue.split(separator: ".")[0]) }
    /// `max_size`.
    public var name: String { String(rawValue.split(separator: ".")[1]) }

    /// The value in force in `settings`.
    public func value(in settings: Settings) -> Int {
        switch self {
        case .poolMaxSize: settings.pool.maxSize
        case .fleetInstances: settings.fleet.instances
        case .serverMaxConnections: settings.server.maxConnections
        }
    }

    /// `settings` with this key at `value`. A `min_idle` set above a smaller pool comes down
    /// with it (HikariCP clamps it the same way; CG104 would refuse the file otherwise).
    public func applying(_ value: Int, to settings: Settings) -> Settings {
        var s = settings
        switch self {
        case .poolMaxSize:
            s.pool.maxSize = value
            if let minIdle = s.pool.minIdle, minIdle > value { s.pool.minIdle = value }
        case .fleetInstances:
            s.fleet.instances = value
        case .serverMaxConnections:
            s.server.maxConnections = value
        }
        return s
    }
}
