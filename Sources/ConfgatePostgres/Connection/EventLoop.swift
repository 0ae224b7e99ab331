import CEpoll
import Foundation
import Synchronization

/// One OS thread that waits on many sockets at once (`epoll`) and runs Swift tasks: where the
/// connects and statements of every `PGConnection` are driven with libpq's non-blocking API.
///
/// It is a `TaskExecutor`: a task that prefers it (`Task(executorPreference:)`,
/// `withTaskExecutorPreference`, or a child of such a task) runs its jobs on this thread. A
/// statement then costs no thread hand-off at all: the task sends it, suspends in
/// `wait(for:events:)`, and when `epoll` reports the socket ready the loop resumes the task
/// on this same thread, in the next turn. Tasks that do not prefer the loop work too; each
/// resumption then hops to Swift's global executor (slower, still correct).
///
/// Jobs run here must not block: libpq calls on a non-blocking connection (`PQconnectPoll`
/// included), hashing, pool bookkeeping are fine; `PQcancel`, `PQpingParams` or file I/O
/// belong on a thread of their own (`ConnectionThread`). A wait can carry a deadline
/// (`wait(for:events:until:)`): the loop's `epoll_wait` then sleeps no longer than the
/// earliest one, so a connect's `connect_timeout` costs no timer thread and no sleep.
///
/// The process has one loop per core (`all`), as pgbench has one thread per `-j`: each new
/// connection and each load-driver caller goes to the next loop in turn (`next()`), a login
/// leases a connection of the loop it runs on when one is idle, and otherwise moves to its
/// connection's loop for the transaction. Linux only (`epoll`, `eventfd`).
public final class EventLoop: TaskExecutor, @unchecked Sendable {
    /// The process's loops, one per core (at most 8); their threads start on first use and
    /// live as long as the process.
    public static let all: [EventLoop] = (0..<min(max(1, ProcessInfo.processInfo.activeProcessorCount), 8)).map {
        EventLoop(name: "confgate-loop-\($0)")
    }
    /// The first loop.
    public static var shared: EventLoop { all[0] }
    private static let turn = Atomic<Int>(0)
    /// The loops in turn: where the next connection or caller goes.
    public static func next() -> EventLoop {
        all[turn.wrappingAdd(1, ordering: .relaxed).oldValue % all.count]
    }

    /// What a waiter waits for.
    public struct Events: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        public static let readable = Events(rawValue: EPOLLIN.rawValue)
        public static let writable = Events(rawValue: EPOLLOUT.rawValue)
    }

    private struct State {
        var jobs: [UnownedJob] = []
        /// True while the thread is (about to be) blocked in `epoll_wait`: a job enqueued
        /// from another thread must then wake it through `wakeFD`.
        var sleeping = false
        /// While `sleeping`: the deadline the loop sleeps until (`nil`: none). A wait from
        /// another thread with an earlier deadline wakes it, to sleep less.
        var sleepingUntil: ContinuousClock.Instant?
        var sockets: [Int32: Socket] = [:]
        /// The deadlines of waits that have one, earliest first. An entry may outlive its wait
        /// (a wait resumed by its socket leaves it here); it is dropped when it comes due, or
        /// sooner once it is the earliest (`dropEndedDeadlines`), and only resumes the wait
        /// whose `token` it names.
        var deadlines = DeadlineHeap()
        /// The token of the next wait with a deadline.
        var nextToken: UInt64 = 1
        /// Counts the loop's `epoll_wait` calls: a deadline only ends its wait after an
        /// `epoll_wait` that began once the wait was parked (and its socket armed), so that a
        /// socket ready by then always wins.
        var turn: UInt64 = 0

        /// Drops the earliest deadlines whose waits have ended (resumed by their sockets, or
        /// their sockets deregistered): they would only be dropped when due, and until then
        /// every turn would read the clock and sleep until them for nothing — a pool's
        /// connects leave one each, for its `connect_timeout` (30 s by default).
        mutating func dropEndedDeadlines() {
            while let first = deadlines.first {
                if let socket = sockets[first.fd], socket.token == first.token, socket.waiter != nil { return }
                deadlines.removeFirst()
            }
        }
    }

    /// Why a wait ended.
    enum Wake: Sendable {
        /// The socket is ready, has an error or was hung up (or, rarely, for no reason).
        case ready
        /// The wait's deadline passed first.
        case timedOut
        /// The socket is not registered, or was deregistered during the wait.
        case gone
    }

    /// A registered socket: what `epoll` watches it for, and who waits on it.
    private struct Socket {
        /// The events `epoll` watches it for (level-triggered); `nil` while it is out of the
        /// epoll set (disarmed: a hang-up is reported even for no events, so disarming takes
        /// it out of the set, not down to none).
        var armed: UInt32?
        /// One waiter per socket at a time (a connection runs one statement at a time).
        var waiter: UnsafeContinuation<Wake, Never>?
        /// The waiter's deadline entry (`deadlines`), 0 when it has none.
        var token: UInt64 = 0
    }

    private let state = Mutex(State())
    private let epollFD: Int32
    private let wakeFD: Int32
    /// Set once by the loop thread before it runs anything; read to tell whether a caller is on it.
    private var loopThread: pthread_t?

    init(name: String) {
        epollFD = epoll_create1(Int32(EPOLL_CLOEXEC))
        wakeFD = eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC))
        precondition(epollFD >= 0 && wakeFD >= 0, "epoll_create1/eventfd failed: errno \(errno)")
        var event = epoll_event(events: EPOLLIN.rawValue, data: epoll_data_t(fd: wakeFD))
        epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, &event)
        let started = DispatchSemaphore(value: 0)
        let thread = Thread { [self] in
            loopThread = pthread_self()
            started.signal()
            run()
        }
        thread.name = name
        thread.stackSize = 1 << 20
        thread.start()
        started.wait()
    }

    /// The loop whose thread runs the calling code, if any.
    public static var current: EventLoop? {
        all.first { $0.inLoop }
    }

    /// Whether the calling code runs on this loop's thread.
    public var inLoop: Bool {
        guard let loopThread else { return false }
        return pthread_equal(loopThread, pthread_self()) != 0
    }

    /// Runs `body` on this loop and then moves the task back where it ran before
    /// (`withTaskExecutorPreference` alone would leave it on this thread until its next
    /// suspension, where its caller's code — which may block — has no place). The move back
    /// is a `Task.yield()` once the preference is gone: it enqueues the task on its own
    /// preferred executor, or the global one. On Swift 6.2+ that yield is first queued here
    /// and the move happens when it resumes: one loop turn more, still off the loop after.
    public func run<T, E: Error>(_ body: () async throws(E) -> T) async throws(E) -> T {
        let result: Result<T, E>
        do throws(E) {
            result = .success(try await withTaskExecutorPreference(self, operation: body))
        } catch {
            result = .failure(error)
        }
        await Task.yield()
        return try result.get()
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let wake = state.withLock { s -> Bool in
            s.jobs.append(job)
            guard s.sleeping else { return false }
            s.sleeping = false
            return true
        }
        if wake { eventfd_write(wakeFD, 1) }
    }

    // MARK: - Sockets

    /// Adds `fd` to the loop, watched for `.readable`. Call once per socket.
    ///
    /// Sockets stay armed between waits (level-triggered), so the common wait — a statement
    /// sent, its answer awaited — costs no system call of its own: the answer is reported
    /// by the loop's `epoll_wait`, which serves every socket at once. A socket reported
    /// with nobody waiting (an idle connection the server closed, or a waiter not yet back
    /// from reading) is disarmed — taken out of the epoll set, as a hang-up would otherwise
    /// be reported over and over whatever it is watched for — and re-armed by
    /// its next wait.
    /// Returns false when `epoll` refuses it or it is registered already. The caller must own `fd`
    /// until `deregister`: a number closed behind the loop's back and reused by another
    /// socket would be confused with it.
    @discardableResult
    func register(_ fd: Int32) -> Bool {
        state.withLock { s in
            guard s.sockets[fd] == nil else { return false }  // already someone's
            var event = epoll_event(events: Events.readable.rawValue, data: epoll_data_t(fd: fd))
            guard epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0 else { return false }
            s.sockets[fd] = Socket(armed: Events.readable.rawValue, waiter: nil)
            return true
        }
    }

    /// Removes `fd` from the loop (before the socket is closed).
    func deregister(_ fd: Int32) {
        let waiter = state.withLock { s -> UnsafeContinuation<Wake, Never>? in
            guard let socket = s.sockets.removeValue(forKey: fd) else { return nil }
            if socket.armed != nil {
                var event = epoll_event()
                epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
            }
            return socket.waiter
        }
        waiter?.resume(returning: .gone)
    }

    /// Suspends until `fd` (registered) is ready for `events`, has an error or was hung up;
    /// or, rarely, for no reason (callers re-check, as libpq's callers must anyway). Returns
    /// false at once, or when `fd` is deregistered meanwhile, for a socket not registered:
    /// the caller must stop waiting on it. One waiter per socket at a time.
    @discardableResult
    nonisolated(nonsending) func wait(for fd: Int32, events: Events) async -> Bool {
        await wait(for: fd, events: events, until: nil) == .ready
    }

    /// Suspends as `wait(for:events:)` does, and no later than `deadline` (`nil`: no
    /// deadline): returns `.timedOut` when the deadline passes before the socket is ready.
    /// The deadline is kept by the loop itself — `epoll_wait` sleeps no longer than the
    /// earliest deadline of its waits — so it costs no thread and no sleep. A deadline
    /// already past still waits one loop turn (a socket ready by then wins).
    nonisolated(nonsending) func wait(for fd: Int32, events: Events, until deadline: ContinuousClock.Instant?) async -> Wake {
        await withUnsafeContinuation { (continuation: UnsafeContinuation<Wake, Never>) in
            var wake = false
            let parked = state.withLock { s -> Bool in
                guard var socket = s.sockets[fd] else { return false }
                precondition(socket.waiter == nil, "two waiters on socket \(fd)")
                if socket.armed != events.rawValue {
                    // epoll_ctl under the lock: the loop disarms under it too, so the two
                    // can never land in the wrong order.
                    var event = epoll_event(events: events.rawValue, data: epoll_data_t(fd: fd))
                    let operation = socket.armed == nil ? EPOLL_CTL_ADD : EPOLL_CTL_MOD
                    guard epoll_ctl(epollFD, operation, fd, &event) == 0 else { return false }
                    socket.armed = events.rawValue
                }
                socket.waiter = continuation
                socket.token = 0
                if let deadline {
                    socket.token = s.nextToken
                    s.nextToken += 1
                    s.deadlines.push(.init(deadline: deadline, fd: fd, token: socket.token, turn: s.turn))
                    // A loop asleep (in another thread's `epoll_wait`) past this deadline
                    // must wake to sleep less.
                    if s.sleeping, s.sleepingUntil.map({ deadline < $0 }) ?? true {
                        s.sleeping = false
                        wake = true
                    }
                }
                s.sockets[fd] = socket
                return true
            }
            if wake { eventfd_write(wakeFD, 1) }
            if !parked { continuation.resume(returning: .gone) }
        }
    }

    /// Deadlines the loop still keeps, live or not yet dropped (for tests).
    var deadlineCount: Int {
        state.withLock { $0.deadlines.count }
    }

    /// What `fd` is armed for: `nil` when disarmed or not registered (for tests).
    func armedEvents(_ fd: Int32) -> UInt32? {
        state.withLock { $0.sockets[fd]?.armed }
    }

    // MARK: - The loop

    private func run() {
        let executor = asUnownedTaskExecutor()
        var batch: [UnownedJob] = []
        var events = [epoll_event](repeating: epoll_event(), count: 128)
        var resumed: [(UnsafeContinuation<Wake, Never>, Wake)] = []
        while true {
            // The jobs queued so far (resumed tasks first run in the turn after their sockets
            // became ready); jobs they queue wait for the next turn, so sockets are polled
            // between turns however busy the loop is.
            state.withLock { s in swap(&s.jobs, &batch) }
            for job in batch { job.runSynchronously(on: executor) }
            batch.removeAll(keepingCapacity: true)
            // How long epoll_wait may block: not at all with jobs queued, else until the
            // earliest deadline of a wait (-1: none).
            let (timeout, timed, turn) = state.withLock { s -> (Int32, Bool, UInt64) in
                s.turn &+= 1
                s.dropEndedDeadlines()
                let first = s.deadlines.first
                if !s.jobs.isEmpty { return (0, first != nil, s.turn) }
                var timeout: Int32 = -1
                if let first {
                    timeout = Self.milliseconds(until: first.deadline)
                    if timeout == 0 { return (0, true, s.turn) }
                }
                s.sleeping = true
                s.sleepingUntil = first?.deadline
                return (timeout, first != nil, s.turn)
            }
            let count = events.withUnsafeMutableBufferPointer { buffer in
                epoll_wait(epollFD, buffer.baseAddress, Int32(buffer.count), timeout)
            }
            if timeout != 0 { state.withLock { $0.sleeping = false } }
            if count <= 0 && !timed { continue }  // EINTR, or nothing ready and nothing due
            var woken = false
            state.withLock { s in
                for i in 0..<max(0, Int(count)) {
                    let fd = events[i].data.fd
                    if fd == wakeFD {
                        woken = true
                    } else if var socket = s.sockets[fd] {
                        if let waiter = socket.waiter {
                            resumed.append((waiter, .ready))
                            socket.waiter = nil
                        } else {
                            var event = epoll_event()
                            epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, &event)
                            socket.armed = nil
                        }
                        s.sockets[fd] = socket
                    }
                }
                // Deadlines come due after the sockets are read, and only for waits parked
                // before this turn's epoll_wait (a wait parked since, by another thread, has
                // not been polled yet: it is left for the next turn, which will not block).
                // So a socket ready by its deadline wins. The clock is read only when a
                // deadline exists.
                guard let first = s.deadlines.first else { return }
                let now = ContinuousClock.now
                guard first.deadline <= now else { return }
                while let due = s.deadlines.first, due.deadline <= now, due.turn < turn {
                    s.deadlines.removeFirst()
                    guard var socket = s.sockets[due.fd], socket.token == due.token,
                          let waiter = socket.waiter else { continue }  // resumed already
                    resumed.append((waiter, .timedOut))
                    socket.waiter = nil
                    socket.token = 0
                    s.sockets[due.fd] = socket
                }
            }
            if woken {
                var value: eventfd_t = 0
                eventfd_read(wakeFD, &value)
            }
            // Each resumption enqueues its task here (when it prefers this loop): it runs
            // at the top of the next turn, without waking anything.
            for (waiter, wake) in resumed { waiter.resume(returning: wake) }
            resumed.removeAll(keepingCapacity: true)
        }
    }

    /// Whole milliseconds from now until `deadline`, rounded up (`epoll_wait`'s unit: never
    /// wake before it), 0 when it has passed.
    static func milliseconds(until deadline: ContinuousClock.Instant) -> Int32 {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        let ms = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: ms)
    }
}

/// The deadlines of an `EventLoop`'s waits: a binary min-heap by deadline.
struct DeadlineHeap {
    struct Entry {
        var deadline: ContinuousClock.Instant
        var fd: Int32
        var token: UInt64
        /// The loop's `turn` when the wait was parked.
        var turn: UInt64
    }

    private var entries: [Entry] = []

    var first: Entry? { entries.first }
    var count: Int { entries.count }

    mutating func push(_ entry: Entry) {
        entries.append(entry)
        var child = entries.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard entries[child].deadline < entries[parent].deadline else { break }
            entries.swapAt(child, parent)
            child = parent
        }
    }

    @discardableResult
    mutating func removeFirst() -> Entry {
        let first = entries[0]
        let last = entries.removeLast()
        guard !entries.isEmpty else { return first }
        entries[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < entries.count, entries[left].deadline < entries[smallest].deadline { smallest = left }
            if right < entries.count, entries[right].deadline < entries[smallest].deadline { smallest = right }
            if smallest == parent { break }
            entries.swapAt(parent, smallest)
            parent = smallest
        }
        return first
    }
}
