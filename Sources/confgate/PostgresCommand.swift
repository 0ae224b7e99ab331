import ArgumentParser
import ConfgateCore
import ConfgateBench
import ConfgatePostgres
import Foundation
import Logging

/// `confgate postgres`: a scratch server to try settings by hand (psql, pgbench).
struct PostgresCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "postgres",
        abstract: "Start a scratch PostgreSQL with seeded auth data, print its URLs, stop it on Ctrl-C.",
        discussion: """
            Prints a libpq URL for the service role (`auth`, a non-superuser) and one for the \
            superuser (`confgate`) on stdout, then waits. With --settings whose file has a \
            [pooler] section, also starts PgBouncer in front with those settings and prints a \
            `pooler:` URL that reaches the service database through it. Ctrl-C or SIGTERM stops \
            both and removes their directories; so does confgate's death by any other means (a \
            watchdog). Seeded user i logs in as user<i>@example.test with password pw-<i>.
            """
    )

    @Option(help: "A settings file whose [server] section configures the server (and whose [pooler] section, if any, a PgBouncer in front).")
    var settings: String?

    @Option(help: "Seeded user accounts.")
    var users: Int = 10_000

    @OptionGroup var serverOptions: ServerOptions

    @Option(name: .customLong("tcp-port"), help: "Also listen on 127.0.0.1:PORT (default: Unix socket only).")
    var tcpPort: Int?

    @Flag(name: .customLong("bench"), help: .hidden)
    var bench = false

    @Flag(name: .customLong("bench-pgbouncer"), help: .hidden)
    var benchPgBouncer = false

    @Option(name: .customLong("runs"), help: .hidden)
    var runs = 10

    func validate() throws {
        guard users >= 1 else { throw ValidationError("--users must be at least 1") }
        guard runs >= 1 else { throw ValidationError("--runs must be at least 1") }
    }

    func run() async throws {
        var logger = Logger(label: "confgate.postgres")
        logger.logLevel = .warning
        if benchPgBouncer {
            let report = try await PgBouncerBenchmark.run(
                runs: runs, users: users, pgBindir: serverOptions.pgBindir, pgUser: serverOptions.pgUser, logger: logger)
            Terminal.write(report.text + "\n")
            return
        }
        if bench {
            let report = try await ScratchBenchmark.run(
                runs: runs, users: users, pgBindir: serverOptions.pgBindir, pgUser: serverOptions.pgUser, logger: logger)
            Terminal.write(report.text + "\n")
            return
        }
        let loaded = try settings.map { path throws(ConfgateError) in try SettingsFile.load(path: path) }
        let signals = SignalWaiter()
        let scratch = try await ScratchServer.start(
            .init(server: loaded?.server ?? .init(), users: users, pgBindir: serverOptions.pgBindir, pgUser: serverOptions.pgUser,
                  tcpPort: tcpPort),
            logger: logger)
        var pooler: PgBouncerServer?
        if let settings = loaded?.pooler, signals.received == nil {
            do throws(ConfgateError) {
                pooler = try await PgBouncerServer.start(
                    PgBouncerOptions(settings, binary: serverOptions.pgbouncerBin), upstream: scratch.serviceTarget,
                    user: try ServerUser.resolve(requested: serverOptions.pgUser), logger: logger)
            } catch {
                await scratch.stop()
                throw error
            }
        }
        if signals.received == nil {
            Terminal.write("service:   \(scratch.serviceTarget.url())\nsuperuser: \(scratch.superuserTarget.url())\n")
            if let pooler { Terminal.write("pooler:    \(pooler.serviceTarget.url())\n") }
            let a = scratch.applied
            var info = ["PostgreSQL \(scratch.installation.version) (\(scratch.installation.bindir))",
                        "max_connections=\(a.maxConnections) superuser_reserved_connections=\(a.superuserReservedConnections) reserved_connections=\(a.reservedConnections) other_clients held=\(a.otherClientsHeld) usable=\(a.usable)"]
            if let tcpPort = scratch.tcpPort { info.append("TCP: 127.0.0.1:\(tcpPort)") }
            info += a.notes
            if let pooler {
                let p = pooler.options.pooler
                info.append("PgBouncer \(pooler.installation.version): \(p.poolMode.rawValue) mode, max_client_conn \(p.maxClientConn), default_pool_size \(p.defaultPoolSize); directory \(pooler.directory), pid \(pooler.pid)")
            }
            info.append("directory \(scratch.directory), postmaster pid \(scratch.postmasterPID); Ctrl-C stops it and removes the directory")
            FileHandle.standardError.write(Data((info.map { "confgate: " + $0 }.joined(separator: "\n") + "\n").utf8))
            _ = await signals.wait()
        }
        if let pooler { await pooler.stop() }
        await scratch.stop()
    }
}
