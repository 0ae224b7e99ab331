import ConfgateCore
import Dispatch
import Synchronization

/// Drives synthetic logins at a `LoginTarget` and measures everything (issue #6).
///
/// Open loop (the default): logins start on the plan's schedule whatever the target does,
/// each as its own child task, and each login's latency runs from its *scheduled* start
/// to its completion, so time spent queued for a pooled connection counts and a slow
/// service cannot hide it (coordinated omission). Closed loop (`concurrency`): N callers
/// back to back, latency from each login's actual start, for comparison with pgbench.
///
/// Every 100 ms a sampler cuts the interval's counters, reads each pool and takes the
/// server watcher's latest sample into the timeline.
public struct LoadDriver: Sendable {

    public var plan: LoadPlan
    /// Closed loop with this many callers, when set.
    public var concurrency: Int?
    /// Logins slower than this count as `request_timeout` (the caller gave up).
    public var requestTimeout: Duration
    /// Sampling interval of the timeline.
    public var tick: Duration = .milliseconds(100)

    public init(plan: LoadPlan, concurrency: Int? = nil, requestTimeout: Duration) {
        self.plan = plan
        self.concurrency = concurrency
        self.requestTimeout = requestTimeout
    }

    /// What a run observed; the caller adds settings and load to make a `RunResult`.
    public struct Observation: Sendable {
        public var summary: RunSummary
        public var timeline: [TimelinePoint]
        public var latency: HistogramBuckets
    }

    /// Runs the plan against `target`. Returns when every login has finished (or, when the
    /// task is cancelled, after in-flight logins finish), with `complete` false if cancelled.
    /// - Parameter progress: called once per tick with the newest timeline point.
    public func run(
        target: some LoginTarget, watcher: (any ServerWatcher)?, usable: Int,
        progress: (@Sendable (TimelinePoint, Duration) -> Void)? = nil
    ) async -> Observation {
        let recorder = RunRecorder()
        let clock = ContinuousClock()
        let start = clock.now
        let shared = Shared()
        let requestTimeoutMicros = Self.micros(requestTimeout)

        // Every task of the run on the event loops (logins spread over all of them): the
        // timeline and the server watcher run there too, so threads busy with other work in
        // the process (as other test suites are in `swift test`) do not hold them up (their
        // sleeps still wake through Swift's global timer). Progress lines go out on a queue
        // of their own: a terminal or pipe that blocks a write must not stall a loop.
        let printer = DispatchQueue(label: "confgate.load-progress")
        defer { printer.sync {} }
        await EventLoop.shared.run { await withDiscardingTaskGroup { group in
            // Server watcher: as often as the server answers, at most once per tick.
            if let watcher {
                group.addTask {
                    while !shared.finished.load(ordering: .relaxed) && !Task.isCancelled {
                        let tickStart = clock.now
                        if let s = try? await watcher.sample() {
                            shared.latestServer.withLock { $0 = s }
                            let at = Self.micros(clock.now - start)
                            shared.peaks.withLock { if s.clientConnections > $0.server { $0.server = s.clientConnections; $0.serverAt = at } }
                        }
                        try? await clock.sleep(until: tickStart + tick)
                    }
                }
            }
            // Timeline sampler.
            group.addTask {
                var next = start + tick
                while !shared.finished.load(ordering: .relaxed) && !Task.isCancelled {
                    try? await clock.sleep(until: next)
                    next += tick
                    let interval = recorder.cut()
                    let pools = target.poolSamples()
                    let pending = pools.reduce(0) { $0 + $1.pending }
                    shared.peaks.withLock { $0.pending = max($0.pending, pending) }
                    let server = shared.latestServer.withLock { $0 }
                    let elapsed = clock.now - start
                    let atMicros = Self.micros(elapsed)
                    let point = TimelinePoint(
                        at: atMicros / 1_000, phase: plan.phase(at: atMicros),
                        started: interval.started, completed: interval.completed,
                        outcomes: OutcomeCounts(interval.outcomes),
                        p50: interval.completed > 0 ? Int64(interval.latency.valueAtPercentile(50)) : nil,
                        p99: interval.completed > 0 ? Int64(interval.latency.valueAtPercentile(99)) : nil,
                        pools: pools, server: server.samples, serverConnections: server.clientConnections, pooler: server.pooler)
                    shared.timeline.withLock { $0.append(point) }
                    if let progress { printer.async { progress(point, elapsed) } }
                }
            }
            // The load itself, then stop the samplers.
            group.addTask {
                await withDiscardingTaskGroup { logins in
                    if let concurrency {
                        runClosedLoop(concurrency, target: target, recorder: recorder, clock: clock, start: start,
                                      requestTimeout: requestTimeoutMicros, group: &logins)
                    } else {
                        await runOpenLoop(target: target, recorder: recorder, clock: clock, start: start,
                                          requestTimeout: requestTimeoutMicros, group: &logins)
                    }
                }
                shared.finished.store(true, ordering: .relaxed)
            }
        } }

        let totals = recorder.totals
        let measuredSeconds = Double(min(plan.total - plan.warmup, Self.micros(clock.now - start) - plan.warmup)) / 1e6
        let peak = shared.peaks.withLock { $0 }
        let cancelled = Task.isCancelled
        var summary = RunSummary(
            scheduled: concurrency == nil ? plan.arrivals.count : totals.started,
            completed: totals.completed,
            measuredSeconds: max(measuredSeconds, 0),
            outcomes: totals.tallies.values.sorted { $0.outcome < $1.outcome },
            throughput: measuredSeconds > 0 ? Double(totals.measuredCompleted) / measuredSeconds : 0,
            latency: LatencySummary(totals.latency),
            peakServerConnections: peak.server, peakServerConnectionsAt: peak.serverAt,
            usable: usable, peakPending: peak.pending,
            lag: LatencySummary(totals.lag),
            complete: !cancelled)
        summary.latencyByPhase = Phase.allCases.compactMap { phase in
            totals.latencyByPhase[phase].map { PhaseLatency(phase: phase, latency: LatencySummary($0)) }
        }
        if cancelled { summary.notes.append("interrupted: the run stopped early; figures cover what ran") }
        if summary.lagTooHigh {
            summary.notes.append("the driver could not keep up with its schedule (\(summary.lagText); limits p99 \(RunSummary.maxLagP99 / 1000) ms, max \(RunSummary.maxLag / 1000) ms)")
        }
        return Observation(summary: summary, timeline: shared.timeline.withLock { $0 }, latency: HistogramBuckets(totals.latency))
    }

    /// State the driver's tasks share.
    private final class Shared: Sendable {
        let timeline = Mutex<[TimelinePoint]>([])
        let peaks = Mutex<(server: Int, serverAt: Int64, pending: Int)>((0, 0, 0))
        let latestServer = Mutex<ServerObservation>(ServerObservation(samples: [], clientConnections: 0))
        let finished = Atomic<Bool>(false)
    }


    private func runOpenLoop(
        target: some LoginTarget, recorder: RunRecorder, clock: ContinuousClock, start: ContinuousClock.Instant,
        requestTimeout: Int64, group: inout DiscardingTaskGroup
    ) async {
        var deployStarted = false, deployEnded = false
        for arrival in plan.arrivals {
            if Task.isCancelled { break }
            let due = start + .microseconds(arrival.offset)
            if due > clock.now { try? await clock.sleep(until: due) }
            if Task.isCancelled { break }
            if let deploy = plan.deploy {
                if !deployStarted && arrival.offset >= deploy.start {
                    deployStarted = true
                    group.addTask { await target.startSurge() }
                }
                if !deployEnded && arrival.offset >= deploy.end {
                    deployEnded = true
                    group.addTask { await target.retireOld() }
                }
            }
            recorder.started(lag: Self.micros(clock.now - due))
            group.addTask(executorPreference: EventLoop.next()) {
                let outcome = await target.login(user: arrival.user, badPassword: arrival.badPassword)
                let latency = Self.micros(clock.now - due)
                recorder.completed(offset: arrival.offset, phase: arrival.phase,
                                   outcome: latency > requestTimeout ? Outcome(.requestTimeout) : outcome,
                                   latency: latency)
            }
        }
        // Let the trial's full length pass even when the schedule's last arrival is early.
        if !Task.isCancelled { try? await clock.sleep(until: start + .microseconds(plan.total)) }
    }

    private func runClosedLoop(
        _ callers: Int, target: some LoginTarget, recorder: RunRecorder, clock: ContinuousClock,
        start: ContinuousClock.Instant, requestTimeout: Int64, group: inout DiscardingTaskGroup
    ) {
        let plan = self.plan
        let end = start + .microseconds(plan.total)
        for caller in 0..<callers {
            group.addTask(executorPreference: EventLoop.next()) {
                var i = caller
                // Every caller makes at least one login, however late it got to run.
                repeat {
                    let arrival = plan.arrivals.isEmpty ? LoadPlan.Arrival(offset: 0, user: 1, badPassword: false, phase: .steady)
                        : plan.arrivals[i % plan.arrivals.count]
                    i += callers
                    let begin = clock.now
                    let offset = Self.micros(begin - start)
                    recorder.started(lag: 0)
                    let outcome = await target.login(user: arrival.user, badPassword: arrival.badPassword)
                    let latency = Self.micros(clock.now - begin)
                    recorder.completed(offset: offset, phase: plan.phase(at: offset),
                                       outcome: latency > requestTimeout ? Outcome(.requestTimeout) : outcome,
                                       latency: latency)
                } while clock.now < end && !Task.isCancelled
            }
        }
    }

    static func micros(_ d: Duration) -> Int64 {
        let (s, atto) = d.components
        return s * 1_000_000 + atto / 1_000_000_000_000
    }
}
