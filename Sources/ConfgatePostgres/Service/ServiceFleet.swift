import ConfgateCore
import ConfgatePool
import Synchronization

/// `instances` test auth service instances against one server, a router that spreads
/// logins over the live ones (round robin), and the two moves of a rolling deploy. An
/// instance of `processes` > 1 runs that many services, each with its own pool, as
/// gunicorn or Node cluster workers do; the router spreads logins over all of them.
public final class ServiceFleet: LoginTarget {
    private struct State {
        var live: [AuthService] = []
        var retired: [AuthService] = []
        var next = 0
        var created = 0
    }

    let settings: Settings
    let parameters: [String: String]
    let dbTime: SettingDuration
    let applicationPrefix: String
    private let state = Mutex(State())

    /// - Parameter parameters: libpq parameters of the pooled connections, already pointed
    ///   at the scratch server (see `connectionParameters(dsn:target:database:)`).
    public init(settings: Settings, parameters: [String: String], dbTime: SettingDuration) {
        self.settings = settings
        self.parameters = parameters
        self.dbTime = dbTime
        applicationPrefix = parameters["application_name"].flatMap { $0.isEmpty ? nil : $0 } ?? "auth-service"
    }

    /// Starts `instances` instances one after another, as a deploy brings a fleet up, each
    /// once the previous one's pool is warm (or failing: a full server). So the outcome is
    /// deterministic: when the fleet needs more connections than the server allows, the
    /// instances started last are the ones left short, as in production.
    public func start() async {
        for _ in 0..<settings.fleet.instances {
            for service in addInstances(1) { await service.warm() }
        }
    }

    private func addInstances(_ n: Int) -> [AuthService] {
        let processes = settings.fleet.processes
        let services = state.withLock { state -> [AuthService] in
            (0..<n).flatMap { _ in
                state.created += 1
                let instance = "\(applicationPrefix)-\(state.created)"
                return (1...processes).map { process in
                    AuthService(name: processes == 1 ? instance : "\(instance).\(process)", settings: settings,
                                parameters: parameters, dbTime: dbTime)
                }
            }
        }
        for s in services { s.start() }
        state.withLock { $0.live += services }
        return services
    }

    public func login(user: Int, badPassword: Bool) async -> Outcome {
        let service = state.withLock { state -> AuthService? in
            guard !state.live.isEmpty else { return nil }
            state.next = (state.next + 1) % state.live.count
            return state.live[state.next]
        }
        guard let service else { return Outcome(.poolTimeout) }
        return await service.login(user: user, badPassword: badPassword)
    }

    public func poolSamples() -> [PoolSample] {
        state.withLock { $0.live }.map { $0.sample() }
    }

    /// Starts `max_surge` new instances; their pools open `min_idle` connections at once,
    /// as a real deploy's do.
    public func startSurge() async {
        guard settings.fleet.maxSurge > 0 else { return }
        _ = addInstances(settings.fleet.maxSurge)
    }

    /// Takes the `max_surge` oldest instances out of the router, waits for their in-flight
    /// logins, then closes their pools.
    public func retireOld() async {
        let n = settings.fleet.maxSurge * settings.fleet.processes
        guard n > 0 else { return }
        let old = state.withLock { state -> [AuthService] in
            let count = min(n, max(state.live.count - 1, 0))
            let old = Array(state.live.prefix(count))
            state.live.removeFirst(count)
            state.next = 0
            state.retired += old
            return old
        }
        await withDiscardingTaskGroup { group in
            for service in old { group.addTask { await service.drainAndStop() } }
        }
    }

    /// Stops every instance.
    public func shutdown() async {
        let all = state.withLock { state -> [AuthService] in
            let all = state.live
            state.live = []
            state.retired += all
            return all
        }
        await withDiscardingTaskGroup { group in
            for service in all { group.addTask { await service.stop() } }
        }
    }

    /// Failed connection attempts by SQLSTATE, over every instance that ever ran.
    public func connectFailures() -> [String: Int] {
        let all = state.withLock { $0.live + $0.retired }
        var total: [String: Int] = [:]
        for service in all {
            for (k, v) in service.pool.metrics().connectFailures { total[k, default: 0] += v }
        }
        return total
    }

}
