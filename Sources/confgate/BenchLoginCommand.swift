import ArgumentParser
import ConfgateCore
import ConfgateBench
import ConfgatePostgres
import Foundation
import Logging

/// `confgate bench-login` (hidden): the auth service's logins/s against pgbench running the
/// same SQL on one scratch server (issue #5's benchmark; docs/benchmarks.md).
struct BenchLoginCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-login",
        abstract: "Benchmark: the test auth service's logins/s against pgbench on the same scratch server.",
        discussion: """
            Starts one scratch PostgreSQL (max_connections 200) and, for each case, runs one auth \
            service instance (fixed-size pool, as many closed-loop callers as connections) and then \
            pgbench with the same SQL (bench/login.pgbench, bench/login-dbtime.pgbench) as the service \
            role over the Unix socket. Prints the pgbench command lines, logins/s, tps, the ratio and \
            the load average. With --through pgbouncer, one PgBouncer (transaction mode) in front of \
            the same server, and both sides run again through it in every round: the tier's cost \
            as ratios of one run. Run from the repository root (or pass --scripts). See docs/benchmarks.md.
            """,
        shouldDisplay: false
    )

    @Option(help: ArgumentHelp("Measured seconds per side.", valueName: "n"))
    var seconds = 10

    @Option(help: ArgumentHelp("Rounds per case, alternating which side goes first; the median round is reported.", valueName: "n"))
    var rounds = 1

    @Option(help: ArgumentHelp("Seeded users.", valueName: "n"))
    var users = 10_000

    @Option(help: ArgumentHelp("Directory of login.pgbench and login-dbtime.pgbench.", valueName: "dir"))
    var scripts = "bench"

    @Option(name: .customLong("case"), help: ArgumentHelp("Which comparison: plain (pool 4, no db_time), dbtime (pool 64, 5ms), waiting (pool 16, 5ms), issue (plain and dbtime) or all.", valueName: "name"))
    var benchCase = "all"

    @Option(name: .customLong("pgbench-threads"), help: ArgumentHelp("pgbench -j.", valueName: "n"))
    var pgbenchThreads = 2

    @Option(name: .customLong("pgbench-protocol"), help: ArgumentHelp("pgbench -M: extended (what the service speaks) or prepared. Not simple: the scripts send BEGIN with the first statement in one pipeline, as the service does, and pgbench pipelines only with extended or prepared.", valueName: "mode"))
    var pgbenchProtocol = "extended"

    @Option(name: .customLong("through"), help: ArgumentHelp("Also run both sides through this pooler in the same rounds: pgbouncer (transaction mode), for the tier's cost as ratios.", valueName: "pooler"))
    var through: String?

    @OptionGroup var server: ServerOptions

    func validate() throws {
        guard seconds >= 1 else { throw ValidationError("--seconds must be at least 1") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard users >= 1 else { throw ValidationError("--users must be at least 1") }
        guard pgbenchThreads >= 1 else { throw ValidationError("--pgbench-threads must be at least 1") }
        guard ["extended", "prepared"].contains(pgbenchProtocol) else {
            throw ValidationError("--pgbench-protocol must be extended or prepared (simple cannot pipeline BEGIN with the first statement, as the service and the scripts do)")
        }
        if let through {
            guard through == "pgbouncer" else { throw ValidationError("--through must be pgbouncer") }
            // Transaction pooling hands each transaction whichever server connection is free:
            // a statement pgbench prepared (named, once per connection) on one is missing on
            // the next ("prepared statement P0_1 does not exist"). PgBouncer 1.18 does not
            // track them (max_prepared_statements came in 1.21).
            guard pgbenchProtocol != "prepared" else {
                throw ValidationError("--through pgbouncer needs --pgbench-protocol extended: PgBouncer 1.18's transaction pooling does not keep pgbench's prepared statements")
            }
        }
        guard ["all", "issue", "plain", "dbtime", "waiting"].contains(benchCase) else {
            throw ValidationError("--case must be plain, dbtime, waiting, issue or all")
        }
    }

    func run() async throws {
        var logger = Logger(label: "confgate.bench")
        logger.logLevel = .warning
        var options = LoginBenchmark.Options()
        options.seconds = seconds
        options.rounds = rounds
        options.users = users
        options.scriptDirectory = scripts
        options.pgbenchThreads = pgbenchThreads
        options.pgbenchProtocol = pgbenchProtocol
        options.pgBindir = server.pgBindir
        options.pgUser = server.pgUser
        options.throughPgBouncer = through == "pgbouncer"
        options.pgbouncerBinary = server.pgbouncerBin
        let standard = LoginBenchmark.Case.standard
        switch benchCase {
        case "plain": options.cases = [standard[0]]
        case "dbtime": options.cases = [standard[1]]
        case "waiting": options.cases = [LoginBenchmark.Case.waiting]
        case "issue": options.cases = standard
        default: options.cases = standard + [LoginBenchmark.Case.waiting]
        }
        let chosen = options, quietLogger = logger
        let report = try await Interruption.cancellable {
            try await LoginBenchmark.run(chosen, logger: quietLogger) { Terminal.writeError("confgate: " + $0 + "\n") }
        }
        Terminal.write(report.text)
    }
}
