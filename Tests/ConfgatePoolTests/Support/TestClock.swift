/// A manual clock: time moves only when a test calls ``advance(by:)``, which
/// resumes every sleeper whose deadline has passed, earliest first.
final class TestClock: Clock, Sendable {
    struct Instant: InstantProtocol, CustomStringConvertible {
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
        var description: String { "t+\(offset)" }
    }

    private struct Sleeper: Sendable {
        var id: Int
        var deadline: Instant
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State: Sendable {
        var now = Instant(offset: .zero)
        var sleepers: [Sleeper] = []
        var nextID = 0
        var stopped = false
    }

    private let state = Observed(State())

    var now: Instant { state.read { $0.now } }
    var minimumResolution: Duration { .zero }

    /// Sleepers currently registered.
    var sleeperCount: Int { state.read { $0.sleepers.count } }

    /// The deadlines of registered sleepers, sorted.
    var deadlines: [Instant] { state.read { $0.sleepers.map(\.deadline).sorted() } }

    func sleep(until deadline: Instant, tolerance: Duration? = nil) async throws {
        let id = state.mutate { state -> Int in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let immediate = state.mutate { state -> Bool? in
                    if Task.isCancelled { return false }
                    if deadline <= state.now { return true }
                    state.sleepers.append(Sleeper(id: id, deadline: deadline, continuation: continuation))
                    return nil
                }
                switch immediate {
                case true?: continuation.resume()
                case false?: continuation.resume(throwing: CancellationError())
                case nil: break
                }
            }
        } onCancel: {
            let sleeper = state.mutate { state -> Sleeper? in
                guard let index = state.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return state.sleepers.remove(at: index)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
    }

    /// Moves time forward and resumes the sleepers now due.
    func advance(by duration: Duration) {
        let due = state.mutate { state -> [Sleeper] in
            state.now = state.now.advanced(by: duration)
            let now = state.now
            let due = state.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            state.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in due { sleeper.continuation.resume() }
    }

    /// Suspends until at least `count` sleepers are registered (or ``stopWaiting()``).
    func waitForSleepers(atLeast count: Int) async {
        await state.wait { $0.sleepers.count >= count || $0.stopped }
    }

    /// Releases every present and future ``waitForSleepers(atLeast:)``.
    func stopWaiting() {
        state.mutate { $0.stopped = true }
    }

    /// Suspends until a sleeper with exactly this deadline is registered.
    func waitForSleeper(until deadline: Instant) async {
        await state.wait { $0.sleepers.contains { $0.deadline == deadline } }
    }
}
