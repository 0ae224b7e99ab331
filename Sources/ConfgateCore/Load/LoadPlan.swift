import Foundation

/// The schedule of one trial: when each login starts, as whom, with which password,
/// and when the rolling deploy's two moves happen. Pure and deterministic: the same
/// `[load]` settings give the same plan on every machine, so both sides of a
/// comparison see identical traffic.
public struct LoadPlan: Hashable, Sendable, Codable {
    /// One scheduled login.
    public struct Arrival: Hashable, Sendable, Codable {
        /// Microseconds from the start of the trial (warmup included).
        public var offset: Int64
        /// The seeded user, 1...users.
        public var user: Int
        /// Whether this login uses a wrong password (an expected failure).
        public var badPassword: Bool
        /// The phase the login was scheduled in.
        public var phase: Phase

        public init(offset: Int64, user: Int, badPassword: Bool, phase: Phase) {
            self.offset = offset
            self.user = user
            self.badPassword = badPassword
            self.phase = phase
        }
    }

    /// A half-open time window in microseconds from the start of the trial.
    public struct Window: Hashable, Sendable, Codable {
        public var start: Int64
        public var end: Int64
        public func contains(_ t: Int64) -> Bool { t >= start && t < end }
    }

    /// Microseconds of warmup at the start.
    public var warmup: Int64
    /// Total trial length in microseconds (warmup + measured duration).
    public var total: Int64
    /// When the spike runs, if any.
    public var spike: Window?
    /// From the surge instances' start to the old instances' retirement, if a deploy runs.
    public var deploy: Window?
    /// Logins, ordered by offset.
    public var arrivals: [Arrival]

    /// The phase of an instant: spike and deploy windows win over steady.
    public func phase(at t: Int64) -> Phase {
        if t < warmup { return .warmup }
        if let deploy, deploy.contains(t) { return .deploy }
        if let spike, spike.contains(t) { return .spike }
        return .steady
    }

    /// Builds the plan for `load`. The measured duration is split as: spike from 20% of it
    /// (its own length, clamped to end by 55%), deploy surge at 60% and retirement at 80%,
    /// so the spike and the deploy never overlap and each is measured on its own.
    /// - Parameter deploy: whether to schedule a rolling deploy (the fleet has surge instances).
    public static func make(_ load: GateSettings.Load, deploy: Bool? = nil) -> LoadPlan {
        let warmup = load.warmup.microseconds
        let measured = load.duration.microseconds
        let total = warmup + measured
        var spikeWindow: Window?
        if let spike = load.spike, spike.multiplier > 0, spike.duration.microseconds > 0 {
            let start = warmup + measured * 2 / 10
            let end = min(start + spike.duration.microseconds, warmup + measured * 55 / 100)
            if end > start { spikeWindow = Window(start: start, end: end) }
        }
        var deployWindow: Window?
        if deploy ?? load.deploy {
            deployWindow = Window(start: warmup + measured * 6 / 10, end: warmup + measured * 8 / 10)
        }
        var plan = LoadPlan(warmup: warmup, total: total, spike: spikeWindow, deploy: deployWindow, arrivals: [])
        plan.arrivals = plan.schedule(load)
        return plan
    }

    /// Poisson arrivals, piecewise at the base rate and the spike rate. Gaps and users come
    /// from two generators derived from the seed, so the user sequence does not depend on
    /// the rate.
    private func schedule(_ load: GateSettings.Load) -> [Arrival] {
        var gaps = SeededGenerator(seed: load.seed &* 0x2545_F491_4F6C_DD1D &+ 1)
        var people = SeededGenerator(seed: load.seed &* 0x9E37_79B9_7F4A_7C15 &+ 2)
        var segments: [(start: Int64, end: Int64, rate: Double)] = []
        if let spike {
            segments = [(0, spike.start, load.rate),
                        (spike.start, spike.end, load.rate * (load.spike?.multiplier ?? 1)),
                        (spike.end, total, load.rate)]
        } else {
            segments = [(0, total, load.rate)]
        }
        var arrivals: [Arrival] = []
        arrivals.reserveCapacity(Int(Double(total) / 1e6 * load.rate * 1.2) + 16)
        let users = max(load.users, 1)
        for segment in segments where segment.rate > 0 && segment.end > segment.start {
            // Exponential gaps; the process is memoryless, so restarting at a segment boundary is exact.
            var t = Double(segment.start)
            while true {
                t += -log1p(-gaps.unit()) / segment.rate * 1e6
                let offset = Int64(t)
                if offset >= segment.end { break }
                let user = Int(people.next() % UInt64(users)) + 1
                let bad = people.unit() < load.badPasswordRatio
                arrivals.append(Arrival(offset: offset, user: user, badPassword: bad, phase: phase(at: offset)))
            }
        }
        return arrivals
    }
}
