import Foundation
import Synchronization
import Testing
@testable import ConfgatePostgres

/// A connected pair of non-blocking Unix stream sockets (what libpq's socket is).
private func socketPair() -> (Int32, Int32) {
    var fds: [Int32] = [0, 0]
    precondition(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
    for fd in fds { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
    return (fds[0], fds[1])
}

/// The event loop alone, with socket pairs: no server.
@Suite("Event loop")
struct EventLoopTests {
    /// A socket pair whose read end is registered with the loop; closed (and deregistered) by `close()`.
    struct Pipe {
        let read: Int32, write: Int32
        init(on loop: EventLoop) {
            (read, write) = socketPair()
            loop.register(read)
        }
        func send(_ byte: UInt8) { var b = byte; _ = Glibc.write(write, &b, 1) }
        func receive() -> UInt8? { var b: UInt8 = 0; return Glibc.read(read, &b, 1) == 1 ? b : nil }
        func close(on loop: EventLoop) { loop.deregister(read); Glibc.close(read); Glibc.close(write) }
    }

    @Test func tasksThatPreferTheLoopRunOnItsThread() async {
        let loop = EventLoop.shared
        let onLoop = await Task(executorPreference: loop) { loop.inLoop }.value
        #expect(onLoop)
        let children = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<8 { group.addTask(executorPreference: loop) { await Task.yield(); return loop.inLoop } }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(children == Array(repeating: true, count: 8))
        let elsewhere = await Task.detached { loop.inLoop }.value
        #expect(!elsewhere)
    }

    @Test func aWaiterResumesWhenItsSocketBecomesReadable() async {
        let loop = EventLoop.shared
        let pipe = Pipe(on: loop)
        defer { pipe.close(on: loop) }
        let received = await Task(executorPreference: loop) { () -> UInt8? in
            // Written from another thread, before or after the wait is armed: either way
            // the waiter resumes (arming a socket that is already readable reports it).
            Task.detached { pipe.send(42) }
            await loop.wait(for: pipe.read, events: .readable)
            #expect(loop.inLoop)
            return pipe.receive()
        }.value
        #expect(received == 42)
    }

    @Test func aDataAlreadyWaitingIsReportedAtOnce() async {
        let loop = EventLoop.shared
        let pipe = Pipe(on: loop)
        defer { pipe.close(on: loop) }
        pipe.send(7)
        await loop.wait(for: pipe.read, events: .readable)  // level-triggered: already readable
        #expect(pipe.receive() == 7)
    }

    @Test func aHungUpSocketResumesItsWaiter() async {
        let loop = EventLoop.shared
        let fds = socketPair()
        loop.register(fds.0)
        Glibc.close(fds.1)
        await loop.wait(for: fds.0, events: .readable)
        var b: UInt8 = 0
        #expect(Glibc.read(fds.0, &b, 1) == 0)  // end of file
        loop.deregister(fds.0)
        Glibc.close(fds.0)
    }

    /// An idle socket whose peer hangs up (a server that closed an idle connection) is
    /// reported once and then taken out of the epoll set — `epoll` reports a hang-up whatever
    /// a socket is watched for, so merely disarming it would spin the loop — and a later
    /// wait puts it back and returns at once.
    @Test func anIdleSocketThatHangsUpIsDisarmedNotSpunOn() async {
        let loop = EventLoop.shared
        let fds = socketPair()
        loop.register(fds.0)
        #expect(loop.armedEvents(fds.0) == EventLoop.Events.readable.rawValue)
        Glibc.close(fds.1)
        // Two trips through the loop: between the two jobs it has polled at least once
        // after the hang-up (a turn runs the queued jobs, then polls).
        for _ in 0..<2 { await Task(executorPreference: loop) { await Task.yield() }.value }
        #expect(loop.armedEvents(fds.0) == nil)
        await loop.wait(for: fds.0, events: .readable)
        var b: UInt8 = 0
        #expect(Glibc.read(fds.0, &b, 1) == 0)  // end of file
        loop.deregister(fds.0)
        Glibc.close(fds.0)
    }

    @Test func aSocketNotRegisteredDoesNotHangItsWaiter() async {
        let loop = EventLoop.shared
        let fds = socketPair()
        await loop.wait(for: fds.0, events: .readable)  // returns; the caller's read then fails
        Glibc.close(fds.0)
        Glibc.close(fds.1)
    }

    /// Many sockets at once, each waited on several times in turn: every waiter resumes once
    /// per byte, with its own socket's byte, and the loop keeps no waiter afterwards.
    @Test func manySocketsManyTurns() async {
        let loop = EventLoop.shared
        let pipes = (0..<64).map { _ in Pipe(on: loop) }
        defer { for p in pipes { p.close(on: loop) } }
        let turns = 20
        let received = await withTaskGroup(of: [UInt8].self) { group in
            for (i, p) in pipes.enumerated() {
                group.addTask(executorPreference: loop) {
                    var got: [UInt8] = []
                    for turn in 0..<turns {
                        let byte = UInt8((i + turn) % 251)
                        Task.detached { p.send(byte) }
                        await loop.wait(for: p.read, events: .readable)
                        if let b = p.receive() { got.append(b) }
                    }
                    return got
                }
            }
            return await group.reduce(into: [[UInt8]]()) { $0.append($1) }
        }
        #expect(received.count == 64)
        let expected = Set((0..<64).map { i in (0..<turns).map { UInt8((i + $0) % 251) } })
        #expect(Set(received) == expected)
    }
}

/// Deadlines of waits, kept by the loop's own `epoll_wait` timeout.
@Suite("Event loop deadlines")
struct EventLoopDeadlineTests {
    @Test func aWaitOnASilentSocketTimesOutAndTheSocketStaysUsable() async {
        let loop = EventLoop.shared
        let pipe = EventLoopTests.Pipe(on: loop)
        defer { pipe.close(on: loop) }
        #expect(await loop.wait(for: pipe.read, events: .readable, until: .now + .milliseconds(20)) == .timedOut)
        pipe.send(1)
        #expect(await loop.wait(for: pipe.read, events: .readable, until: .now + .seconds(60)) == .ready)
        #expect(pipe.receive() == 1)
    }

    @Test func aReadySocketWinsOverADeadlineAlreadyPast() async {
        let loop = EventLoop.shared
        let pipe = EventLoopTests.Pipe(on: loop)
        defer { pipe.close(on: loop) }
        pipe.send(3)
        #expect(await loop.wait(for: pipe.read, events: .readable, until: .now - .seconds(1)) == .ready)
        #expect(pipe.receive() == 3)
    }

    /// A loop of its own, idle: asleep in `epoll_wait` with no timeout. A wait with a deadline
    /// from another thread must wake it to sleep no longer than the deadline (else this hangs).
    @Test func aDeadlineSetFromAnotherThreadWakesAnIdleLoop() async {
        let loop = EventLoop(name: "confgate-test-idle-loop")
        let pipe = EventLoopTests.Pipe(on: loop)
        defer { pipe.close(on: loop) }
        let wake = await Task.detached {
            await loop.wait(for: pipe.read, events: .readable, until: .now + .milliseconds(20))
        }.value
        #expect(wake == .timedOut)
        #expect(await loop.wait(for: pipe.read, events: .readable, until: .now - .seconds(1)) == .timedOut)
    }

    /// Many waits with deadlines in random order each end by their own deadline, and those
    /// whose sockets become ready first end ready.
    @Test func manyDeadlinesEachEndTheirOwnWait() async {
        let loop = EventLoop.shared
        let pipes = (0..<32).map { _ in EventLoopTests.Pipe(on: loop) }
        defer { for p in pipes { p.close(on: loop) } }
        let wakes = await withTaskGroup(of: (Int, EventLoop.Wake).self) { group in
            for (i, p) in pipes.enumerated() {
                group.addTask(executorPreference: loop) {
                    if i % 2 == 0 { p.send(UInt8(i)) }
                    let deadline = ContinuousClock.now + .milliseconds(Int64(1 + (i * 7) % 31))
                    return (i, await loop.wait(for: p.read, events: .readable, until: deadline))
                }
            }
            return await group.reduce(into: [Int: EventLoop.Wake]()) { $0[$1.0] = $1.1 }
        }
        for i in 0..<32 { #expect(wakes[i] == (i % 2 == 0 ? .ready : .timedOut), "wait \(i)") }
    }

    /// A wait its socket ends leaves no deadline behind once the loop turns again: else every
    /// turn would read the clock and sleep until it came due (a pool's connects leave one
    /// each, for its 30 s `connect_timeout`).
    @Test func aWaitEndedByItsSocketLeavesNoDeadlineBehind() async {
        let loop = EventLoop(name: "confgate-test-deadline-loop")
        let pipe = EventLoopTests.Pipe(on: loop)
        defer { pipe.close(on: loop) }
        let (wake, left) = await Task(executorPreference: loop) { () -> (EventLoop.Wake, Int) in
            pipe.send(1)
            let wake = await loop.wait(for: pipe.read, events: .readable, until: .now + .seconds(60))
            await Task.yield()  // runs in the loop's next turn, after it dropped what had ended
            return (wake, loop.deadlineCount)
        }.value
        #expect(wake == .ready)
        #expect(left == 0)
        #expect(pipe.receive() == 1)
    }

    @Test func theDeadlineHeapGivesTheEarliestFirst() {
        var heap = DeadlineHeap()
        let start = ContinuousClock.now
        let offsets = [50, 3, 17, 3, 99, 0, 42, 8, 61, 25, 1, 77]
        for (i, o) in offsets.enumerated() {
            heap.push(.init(deadline: start + .milliseconds(o), fd: Int32(i), token: UInt64(i), turn: 0))
        }
        var popped: [Int] = []
        while heap.first != nil { popped.append(Int((heap.removeFirst().deadline - start) / .milliseconds(1))) }
        #expect(popped == offsets.sorted())
    }
}
