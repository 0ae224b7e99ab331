import ConfgateCore
import ConfgatePool
import Synchronization

/// `instances` test auth service instances against one server, a router that spreads
/// logins over the live ones (round robin), and the two moves of a rolling deploy. An
/// instance of `processes` > 1 runs that many services, each with its own pool, as
/// gunicorn or Node cluster workers do; the router spreads logins over all of them. Each
/// service also holds the side's `[pool.NAME]` pools (`auth-service-3/replica`).
public final class ServiceFleet: LoginTarget {
    private struct State {
        var live: [AuthService] = []
        var retired: [AuthService] = []
        /// Every instance ever made: starting, live or retired.
        var all: [AuthService] = []
        var next = 0
        var created = 0
        /// Instances whose pool did not start (`pool.start_failure = crash`).
        var notStarted: [InstanceStartFailure] = []
        /// The surge's start: how many surge instances came up (became ready).
        var surge: Task<Int, Never>?
    }

    let settings: Settings
    let parameters: [String: String]
    let dbTime: SettingDuration
    /// Calibration only: each login's extra hold (`GateSettings.Load.calibrationHold`).
    let hold: SettingDuration?
    let applicationPrefix: String
    private let state = Mutex(State())

    /// - Parameter parameters: libpq parameters of the pooled connections, already pointed
    ///   at the scratch server (see `connectionParameters(dsn:target:database:)`).
    public init(settings: Settings, parameters: [String: String], dbTime: SettingDuration, hold: SettingDuration? = nil) {
        self.settings = settings
        self.parameters = parameters
        self.dbTime = dbTime
        self.hold = hold
        applicationPrefix = parameters["application_name"].flatMap { $0.isEmpty ? nil : $0 } ?? "auth-service"
    }

    /// Starts `instances` instances as `fleet.start` says. One by one (the default), each once
    /// the previous one's pool is warm (or failing: a full server), as a rolling deploy brings
    /// a fleet up: the outcome is deterministic, and when the fleet needs more connections than
    /// the server allows, the instances started last are the ones left short, as in
    /// production. Together, all at once, as a new Deployment's pods start. An instance whose
    /// pool does not start (`pool.start_failure = crash`) takes no traffic.
    public func start() async {
        switch settings.fleet.effectiveStart {
        case .oneByOne:
            for _ in 0..<settings.fleet.instances {
                await bringUp(makeInstances(1), when: .start)
            }
        case .together:
            await bringUp(makeInstances(settings.fleet.instances), when: .start)
        }
    }

    /// Each instance's services (one per process), named `prefix-N` or `prefix-N.P`.
    private func makeInstances(_ n: Int) -> [[AuthService]] {
        let processes = settings.fleet.processes
        return state.withLock { state -> [[AuthService]] in
            (0..<n).map { _ in
                state.created += 1
                let instance = "\(applicationPrefix)-\(state.created)"
                let services = (1...processes).map { process in
                    AuthService(name: processes == 1 ? instance : "\(instance).\(process)", settings: settings,
                                parameters: parameters, dbTime: dbTime, hold: hold)
                }
                state.all += services
                return services
            }
        }
    }

    /// Starts `instances` together and routes logins to each once it is up (its pools
    /// started); an instance one of whose pools did not start is stopped and recorded.
    /// - Returns: how many came up.
    @discardableResult
    private func bringUp(_ instances: [[AuthService]], when: InstanceStartFailure.When) async -> Int {
        for service in instances.joined() { service.start() }
        if settings.allPools.allSatisfy({ $0.pool.effectiveStartFailure == .serve }) {
            // A lazy pool starts whatever happens: the instance takes traffic at once.
            state.withLock { $0.live += instances.joined() }
            for service in instances.joined() { _ = await service.warm() }
            return instances.count
        }
        // Each instance's start, in a struct: a task group of the tuple `(Int, String?)`
        // crashed the release build's runtime (exit 139, copying the tuple into the group).
        let results = await withTaskGroup(of: InstanceStart.self) { group in
            for (index, services) in instances.enumerated() {
                group.addTask {
                    var failure: String?
                    for service in services { if let reason = await service.warm(), failure == nil { failure = reason } }
                    return InstanceStart(index: index, failure: failure)
                }
            }
            var results: [InstanceStart] = []
            for await result in group { results.append(result) }
            return results.sorted { $0.index < $1.index }.map { ($0.index, $0.failure) }
        }
        var up = 0
        for (index, failure) in results {
            let services = instances[index]
            if let failure {
                let name = services[0].name.split(separator: ".").first.map(String.init) ?? services[0].name
                state.withLock {
                    $0.notStarted.append(InstanceStartFailure(instance: name, when: when, reason: failure))
                    $0.retired += services
                }
                for service in services { await service.stop() }
            } else {
                up += 1
                state.withLock { $0.live += services }
            }
        }
        return up
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
        state.withLock { $0.live }.flatMap { $0.samples() }
    }

    /// Starts `max_surge` new instances; their pools open `min_idle` connections at once,
    /// as a real deploy's do. Each takes traffic once it is up; with `pool.start_failure =
    /// serve` that is at once (a lazy pool starts whatever happens).
    public func startSurge() async {
        guard settings.fleet.maxSurge > 0 else { return }
        let instances = makeInstances(settings.fleet.maxSurge)
        let task = Task { await self.bringUp(instances, when: .deploy) }
        state.withLock { $0.surge = task }
        _ = await task.value
    }

    /// Takes as many of the oldest instances out of the router as surge instances came up
    /// (a rollout replaces an old instance only once its new one is ready: one that never
    /// is stalls it), waits for their in-flight logins, then closes their pools.
    public func retireOld() async {
        let ready = await state.withLock { $0.surge }?.value ?? 0
        let n = ready * settings.fleet.processes
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

    /// Instances whose pool did not start, in the order they were started; `nil` for none.
    public func instancesNotStarted() -> [InstanceStartFailure]? {
        let failures = state.withLock { $0.notStarted }
        return failures.isEmpty ? nil : failures
    }

    /// The services whose pools a monitoring system would see now: started and not retired
    /// (starting, serving, or surge instances), in the order they were made.
    public func currentServices() -> [AuthService] {
        state.withLock { state in state.all.filter { service in !state.retired.contains { $0 === service } } }
    }

    /// What HikariCP would change in the `[pool]` settings (every instance's pool has the same),
    /// as the instances computed it; empty when nothing would change or none was made.
    public func clampNotes() -> [ClampNote] {
        state.withLock { $0.all.first }?.clampNotes ?? []
    }

    /// How one instance's start ended: `failure` is why its first connection failed, if it did.
    private struct InstanceStart: Sendable {
        var index: Int
        var failure: String?
    }

    /// Failed connection attempts by SQLSTATE, over every instance that ever ran (or is starting).
    public func connectFailures() -> [String: Int] {
        let all = state.withLock { $0.all }
        var total: [String: Int] = [:]
        for service in all {
            for (_, pool) in service.allPools {
                for (k, v) in pool.metrics().connectFailures { total[k, default: 0] += v }
            }
        }
        return total
    }

}
