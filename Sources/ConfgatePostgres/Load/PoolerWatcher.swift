import ConfgateCore

/// Watches a fleet that reaches the server through PgBouncer: the server's connections from
/// `pg_stat_activity`, and the pooler's pool from its admin console (`SHOW POOLS`), in one
/// look. The fleet's tier holds what the pooler holds on the server: its connected server
/// connections (the application names on them are whichever client last ran there).
struct PoolerWatcher: ServerWatcher {
    let server: PGServerWatcher
    let pooler: PgBouncerServer

    func sample() async throws -> ServerObservation {
        async let rows = pooler.showPools()
        var observation = try await server.sample()
        let database = pooler.serviceTarget.database
        let mine = try await rows.filter { $0.database == database }
        let sample = mine.reduce(into: PoolerSample()) { sum, row in
            sum.clientActive += row.clActive
            sum.clientWaiting += row.clWaiting
            sum.serverActive += row.svActive
            sum.serverIdle += row.svIdle + row.svUsed + row.svTested
            sum.serverLogin += row.svLogin
            sum.maxWait = max(sum.maxWait, Int64(row.maxwait) * 1_000_000 + Int64(row.maxwaitUs))
        }
        observation.pooler = sample
        // Connected ones only: a login in progress may be the one the server refuses.
        observation.clientConnections = sample.serverActive + sample.serverIdle
        return observation
    }
}
