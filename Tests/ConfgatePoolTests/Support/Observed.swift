import Synchronization

/// State behind a lock that tests can wait on: `wait(until:)` suspends until a
/// mutation makes the predicate true. No sleeping, no polling.
final class Observed<Value: Sendable>: Sendable {
    private struct Box: Sendable {
        var value: Value
        var waiters: [(predicate: @Sendable (Value) -> Bool, continuation: CheckedContinuation<Void, Never>)] = []
    }

    private let box: Mutex<Box>

    init(_ value: Value) {
        box = Mutex(Box(value: value))
    }

    /// Reads the value.
    func read<R: Sendable>(_ body: (Value) -> R) -> R {
        box.withLock { body($0.value) }
    }

    /// Changes the value, then wakes the waiters whose predicate now holds.
    func mutate<R: Sendable>(_ body: (inout Value) -> R) -> R {
        let (result, ready) = box.withLock { box -> (R, [CheckedContinuation<Void, Never>]) in
            let result = body(&box.value)
            var ready: [CheckedContinuation<Void, Never>] = []
            let value = box.value
            box.waiters.removeAll { waiter in
                guard waiter.predicate(value) else { return false }
                ready.append(waiter.continuation)
                return true
            }
            return (result, ready)
        }
        for continuation in ready { continuation.resume() }
        return result
    }

    /// Suspends until `predicate` holds.
    func wait(until predicate: @escaping @Sendable (Value) -> Bool) async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let satisfied = box.withLock { box -> Bool in
                if predicate(box.value) { return true }
                box.waiters.append((predicate, continuation))
                return false
            }
            if satisfied { continuation.resume() }
        }
    }
}
