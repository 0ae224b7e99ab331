import CLibPQ
import ConfgateCore
import Foundation
import Logging

/// Starts `postgres` on a data directory under the watchdog and waits until a real
/// connection succeeds (the definition of ready): probe with `PQpingParams` on a short
/// back-off (1 ms doubling to 10 ms), then connect as the superuser; that connection is
/// returned as the server's admin connection.
enum ServerLauncher {
    struct Launch {
        var process: ServerProcess
        var admin: PGConnection
    }

    /// Why a start failed, for the retry decision and the message.
    struct StartFailure: Error {
        var error: ConfgateError
        /// The log shows a socket/port/lock clash: worth retrying in a fresh directory.
        var isClash: Bool
    }

    /// `postgres` arguments common to every scratch server: durability off, a Unix socket
    /// in `socketDirectory`, TCP only when `tcp` is given, and dynamic shared memory as files
    /// in the data directory's `pg_dynshmem` (`mmap`) rather than POSIX segments in `/dev/shm`:
    /// a postmaster killed with SIGKILL cleans up nothing, and the watchdog's removal of the
    /// directory then takes its segments too.
    static func arguments(
        installation: PostgresInstallation, dataDirectory: String, socketDirectory: String,
        port: Int, tcp: String?, settings: [(String, String)]
    ) -> [String] {
        var args = [installation.path("postgres"), "-D", dataDirectory, "-k", socketDirectory, "-p", String(port)]
        let fixed: [(String, String)] = [
            ("listen_addresses", tcp ?? ""),
            ("fsync", "off"), ("synchronous_commit", "off"), ("full_page_writes", "off"),
            ("logging_collector", "off"), ("dynamic_shared_memory_type", "mmap"),
        ]
        for (name, value) in fixed + settings { args += ["-c", "\(name)=\(value)"] }
        return args
    }

    static func launch(
        command: [String], directory: String, dataDirectory: String, socketDirectory: String, port: Int,
        database: String, removeOnExit: Bool, stopSignal: String, user: ServerUser?,
        timeout: Duration = .seconds(60), logger: Logger
    ) async throws(StartFailure) -> Launch {
        let logFile = directory + "/server.log"
        let process: ServerProcess
        do {
            process = try ServerProcess(
                command: command, logFile: logFile, removeOnExit: removeOnExit ? directory : nil,
                stopSignal: stopSignal, user: user, workingDirectory: directory)
        } catch {
            throw StartFailure(error: error, isClash: false)
        }
        let target = ConnectionTarget(host: socketDirectory, port: port, database: database, user: AuthSchema.superuserRole)
        var parameters = target.parameters
        parameters["connect_timeout"] = "10"
        parameters["application_name"] = "confgate-admin"
        let probe = ConnectionThread(name: "confgate-probe")
        defer { probe.shutdown() }
        let deadline = ContinuousClock.now + timeout
        var delay = Duration.milliseconds(1)
        var lastError: PGError?

        func fail(_ message: String, _ extra: [String] = []) async -> StartFailure {
            let exit = await process.stop()
            let tail = exit.logTail.isEmpty ? PrivateDirectory.tail(logFile) : exit.logTail
            let clash = tail.contains { line in
                ["already in use", "could not create lock file", "could not bind", "could not create any"]
                    .contains { line.contains($0) }
            }
            return StartFailure(
                error: ConfgateError(.environment, message, details: extra + (tail.isEmpty ? [] : ["server log:"] + tail)),
                isClash: clash)
        }

        while true {
            if process.hasExited {
                throw await fail("PostgreSQL exited during start-up")
            }
            let keys = parameters
            let ping = await probe.run { () -> Int in Int(Self.ping(keys).rawValue) } ?? -1
            if ping == Int(PQPING_OK.rawValue) {
                do {
                    let admin = try await PGConnection.connect(parameters: parameters)
                    return Launch(process: process, admin: admin)
                } catch {
                    // 57P03: the server is starting or shutting down; keep waiting.
                    if error.sqlState != "57P03" { lastError = error }
                }
            } else if ping == Int(PQPING_NO_ATTEMPT.rawValue) {
                throw await fail("cannot probe the scratch server: bad connection parameters")
            }
            if ContinuousClock.now > deadline {
                throw await fail("PostgreSQL was not ready after \(timeout)",
                                 lastError.map { ["last connection attempt: \($0)"] } ?? [])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(10))
        }
    }

    private static func ping(_ parameters: [String: String]) -> PGPing {
        let keys = Array(parameters.keys)
        var k = keys.map { UnsafePointer<CChar>(strdup($0)) } + [nil]
        var v = keys.map { UnsafePointer<CChar>(strdup(parameters[$0]!)) } + [nil]
        defer {
            for p in k { free(UnsafeMutablePointer(mutating: p)) }
            for p in v { free(UnsafeMutablePointer(mutating: p)) }
        }
        return PQpingParams(&k, &v, 0)
    }
}
