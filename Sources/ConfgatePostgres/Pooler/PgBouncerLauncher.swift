import ConfgateCore
import Foundation
import Logging

/// The start-up steps of `PgBouncerServer` after the process is launched: readiness, the
/// console connection, an empty pool.
enum PgBouncerLauncher {
    struct Failure: Error {
        var message: String
        var details: [String] = []
    }

    /// Probes until a connection through PgBouncer as the service role runs `SELECT 1`
    /// upstream (the definition of ready), on a short back-off (1 ms doubling to 10 ms), each
    /// attempt bounded by libpq's `connect_timeout` of 2 s. Fails when the process exits or
    /// `timeout` passes.
    static func waitUntilReady(
        service: ConnectionTarget, process: ServerProcess, timeout: Duration
    ) async throws(Failure) {
        var parameters = service.parameters
        parameters["connect_timeout"] = "2"
        parameters["application_name"] = "confgate-probe"
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(1)
        var lastError: PGError?
        while true {
            if process.hasExited { throw Failure(message: "PgBouncer exited during start-up") }
            do throws(PGError) {
                let probe = try await PGConnection.connect(parameters: parameters)
                do throws(PGError) {
                    _ = try await probe.simpleQuery("SELECT 1")
                    await probe.close()
                    return
                } catch {
                    await probe.close()
                    throw error
                }
            } catch {
                lastError = error
            }
            if ContinuousClock.now > deadline {
                throw Failure(message: "PgBouncer was not ready after \(timeout)",
                              details: lastError.map { ["last connection attempt: \($0)"] } ?? [])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(10))
        }
    }

    /// Connects to the admin console (database `pgbouncer`) as the admin role.
    static func openConsole(_ admin: ConnectionTarget) async throws(Failure) -> PGConnection {
        var parameters = admin.parameters
        parameters["connect_timeout"] = "5"
        do { return try await PGConnection.connect(parameters: parameters) } catch {
            throw Failure(message: "cannot connect to the PgBouncer admin console", details: ["\(error)"])
        }
    }

    /// Drops the probe's client and server connections (`KILL db`, then `RESUME db`) and
    /// waits (at most 5 s) until `SHOW POOLS` shows the pool empty, so that a trial starts
    /// from no connections, as a freshly started PgBouncer does. Best effort: a pool that
    /// does not empty is logged, not an error.
    static func emptyPool(console: PGConnection, database: String, user: String, logger: Logger) async {
        do {
            _ = try await console.simpleQuery("KILL \(database)")
            _ = try await console.simpleQuery("RESUME \(database)")
        } catch {
            logger.warning("cannot empty the pgbouncer pool after the readiness probe", metadata: ["error": "\(error)"])
            return
        }
        let end = ContinuousClock.now + .seconds(5)
        var delay = Duration.microseconds(500)
        while ContinuousClock.now < end {
            let result = try? await console.simpleQuery("SHOW POOLS")
            let rows = result.flatMap { try? PgBouncerPoolRow.parse(columns: $0.columns, rows: $0.rows) } ?? []
            let pool = rows.first { $0.database == database && $0.user == user }
            if let pool, pool.clActive + pool.clWaiting + pool.serverConnections == 0 { return }
            if pool == nil, result != nil { return }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(5))
        }
        logger.warning("the pgbouncer pool still had connections 5 s after the readiness probe")
    }
}
