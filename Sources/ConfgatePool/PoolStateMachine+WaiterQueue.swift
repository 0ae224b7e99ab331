extension PoolStateMachine {
    /// Waiters in arrival order, with removal by ID in O(1): a removed waiter stays
    /// in `order` and is skipped when it reaches the front; `order` is emptied whenever
    /// nobody waits.
    struct WaiterQueue: Sendable {
        private var entries: [WaiterID: Waiter] = [:]
        private var order: [WaiterID] = []
        private var head = 0

        var count: Int { entries.count }
        var isEmpty: Bool { entries.isEmpty }

        mutating func append(_ id: WaiterID, _ waiter: Waiter) {
            entries[id] = waiter
            order.append(id)
        }

        /// Removes a waiter wherever it is; `nil` when it is not waiting.
        mutating func remove(_ id: WaiterID) -> Waiter? {
            let waiter = entries.removeValue(forKey: id)
            if entries.isEmpty { compact() }
            return waiter
        }

        /// Removes and returns the longest-waiting waiter.
        mutating func popFirst() -> (WaiterID, Waiter)? {
            // Every release asks; with nobody waiting there is nothing to pop or compact.
            guard !entries.isEmpty else { return nil }
            defer { compact() }
            while head < order.count {
                let id = order[head]
                head += 1
                if let waiter = entries.removeValue(forKey: id) { return (id, waiter) }
            }
            return nil
        }

        private mutating func compact() {
            if entries.isEmpty || head == order.count {
                order.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 64, head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }
}
