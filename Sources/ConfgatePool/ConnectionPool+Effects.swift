extension ConnectionPool {
    /// What to do once the lock is released.
    enum Effect: Sendable {
        case event(Event)
        case lease(CheckedContinuation<Handoff, any Error>, Handoff)
        case fail(CheckedContinuation<Handoff, any Error>, any Error)
        case resume(CheckedContinuation<Void, Never>)
        case finishEvents
    }

    /// Turns the machine's actions into effects, taking continuations out of the
    /// state while the lock is held.
    func apply(_ actions: [Machine.Action], to state: inout State) -> [Effect] {
        var effects: [Effect] = []
        for action in actions {
            switch action {
            case .openConnection(let id, let loginTimeout):
                effects.append(.event(.open(id, loginTimeout: loginTimeout)))
            case .validateConnection(let id, let connection):
                effects.append(.event(.validate(id, connection)))
            case .offerConnection(let waiter, let id):
                if let continuation = state.waiters.removeValue(forKey: waiter) {
                    effects.append(.lease(continuation, .offer(id)))
                }
            case .closeConnection(let id, let connection, _):
                effects.append(.event(.close(id, connection)))
            case .leaseConnection(let waiter, let id, let connection):
                if let continuation = state.waiters.removeValue(forKey: waiter) {
                    let lease = Lease(connection: connection, connectionID: id, waiterID: waiter, pool: self)
                    effects.append(.lease(continuation, .lease(lease)))
                }
            case .failWaiter(let waiter, let failure):
                if let continuation = state.waiters.removeValue(forKey: waiter) {
                    let error: any Error
                    switch failure {
                    case .timeout(let last): error = PoolError.acquireTimeout(lastConnectError: last)
                    case .shutDown: error = PoolError.shutDown
                    case .cancelled: error = CancellationError()
                    }
                    effects.append(.fail(continuation, error))
                }
            case .scheduleTimer(let timer):
                effects.append(.event(.timer(timer)))
            case .cancelTimer(let id):
                if let continuation = state.timerCancellations.removeValue(forKey: id) {
                    effects.append(.resume(continuation))
                }
            case .startFailed:
                break  // the shutdown that follows fails the waiters
            case .shutdownComplete:
                effects += state.shutdownWaiters.map { .resume($0) }
                state.shutdownWaiters.removeAll()
                effects.append(.finishEvents)
            }
        }
        if !state.observers.isEmpty {
            let metrics = state.machine.metrics
            state.observers.removeAll { observer in
                guard observer.predicate(metrics) else { return false }
                effects.append(.resume(observer.continuation))
                return true
            }
        }
        return effects
    }

    func perform(_ effects: [Effect]) {
        for effect in effects {
            switch effect {
            case .event(let event): eventSink.yield(event)
            case .lease(let continuation, let lease): continuation.resume(returning: lease)
            case .fail(let continuation, let error): continuation.resume(throwing: error)
            case .resume(let continuation): continuation.resume()
            case .finishEvents: eventSink.finish()
            }
        }
    }
}
