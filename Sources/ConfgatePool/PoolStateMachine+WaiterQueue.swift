extension PoolStateMachine {
    /// Waiters in arrival order, with removal by ID in O(1): a removed waiter stays
    /// in `order` and is skipped when it reaches the front.
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
            entries.removeValue(forKey: id)
        }

        /// Removes and returns the longest-waiting waiter.
        mutating func popFirst() -> (WaiterID, Waiter)? {
            defer { compact() }
            while head < order.count {
                let id = order[head]
                head += 1
                if let waiter = entries.removeValue(forKey: id) { return (id, waiter) }
            }
            return nil
        }

        private mutating func compact() {
            if head == order.count {
                order.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 64, head * 2 > order.count {
                order.removeFirst(head)
                head = 0
            }
        }
    }
}
