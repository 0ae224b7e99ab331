extension ConnectionPool {
    /// A leased connection. Call ``release(broken:)`` exactly once (later calls are
    /// ignored); pass `broken: true` when the connection must not be reused (e.g. the
    /// server closed it): the pool closes and replaces it.
    public struct Lease: Sendable {
        /// The connection, for the caller's exclusive use until release.
        public let connection: Factory.Connection
        let connectionID: Int
        let waiterID: Int
        let pool: ConnectionPool

        /// Returns the connection to the pool.
        public func release(broken: Bool = false) {
            pool.release(self, broken: broken)
        }
    }
}
