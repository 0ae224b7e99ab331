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
/// full server still admits).
public protocol ServerWatcher: Sendable {
    /// Connections by application and state, and the number of non-superuser client
    /// connections (the figure compared with usable).
    func sample() async throws -> (samples: [ServerSample], clientConnections: Int)
}
