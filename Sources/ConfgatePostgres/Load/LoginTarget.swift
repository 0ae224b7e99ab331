import ConfgateCore

/// What the load driver drives: something that performs a login and can be watched.
/// The fleet of test auth service instances is the real one; tests use a fake.
public protocol LoginTarget: Sendable {
    /// Performs one login and says how it ended. Never throws: every failure is an outcome.
    func login(user: Int, badPassword: Bool) async -> Outcome
    /// Each live instance's pool, now.
    func poolSamples() -> [PoolSample]
    /// The rolling deploy's first move: start the surge instances.
    func startSurge() async
    /// The second move: drain and retire as many old instances as were added.
    func retireOld() async
}

/// Where the driver reads the server's connections (over a superuser connection, which a
/// full server still admits), and a pooler's pool when there is one.
public protocol ServerWatcher: Sendable {
    /// One look at the server (and pooler).
    func sample() async throws -> ServerObservation
}

/// What one look at the server saw.
public struct ServerObservation: Sendable {
    /// Connections by application and state.
    public var samples: [ServerSample]
    /// Non-superuser client connections of the fleet's tier (the figure compared with usable).
    public var clientConnections: Int
    /// The pooler's pool for the fleet; `nil` without a pooler.
    public var pooler: PoolerSample?

    public init(samples: [ServerSample], clientConnections: Int, pooler: PoolerSample? = nil) {
        self.samples = samples
        self.clientConnections = clientConnections
        self.pooler = pooler
    }
}
