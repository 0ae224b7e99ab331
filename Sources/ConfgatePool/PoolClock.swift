/// `ContinuousClock`, with an instant whose layout the compiler knows: the clock for pools
/// built in production.
///
/// `ContinuousClock.Instant` is resilient (the standard library keeps the right to change its
/// layout), so code generic over it handles every value through runtime calls: a pool's slots
/// and waiters, copied and compared on every lease and release, paid a metadata lookup and
/// witness calls each time. This clock reads the same time — `ContinuousClock`'s, kept as the
/// `Duration` since its epoch — in a plain struct, and sleeps on `ContinuousClock`.
public struct PoolClock: Clock {
    public struct Instant: InstantProtocol {
        /// Time since `ContinuousClock`'s epoch (`ContinuousClock().systemEpoch`).
        public var sinceEpoch: Duration

        public init(sinceEpoch: Duration) { self.sinceEpoch = sinceEpoch }

        /// The same instant on `ContinuousClock`.
        public var continuous: ContinuousClock.Instant { ContinuousClock().systemEpoch.advanced(by: sinceEpoch) }

        public func advanced(by duration: Duration) -> Instant { Instant(sinceEpoch: sinceEpoch + duration) }
        public func duration(to other: Instant) -> Duration { other.sinceEpoch - sinceEpoch }
        public static func < (a: Instant, b: Instant) -> Bool { a.sinceEpoch < b.sinceEpoch }
    }

    public init() {}

    public var now: Instant {
        let clock = ContinuousClock()
        return Instant(sinceEpoch: clock.systemEpoch.duration(to: clock.now))
    }

    public var minimumResolution: Duration { ContinuousClock().minimumResolution }

    public func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        try await ContinuousClock().sleep(until: deadline.continuous, tolerance: tolerance)
    }
}
