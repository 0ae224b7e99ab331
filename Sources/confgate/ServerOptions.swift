import ArgumentParser
import ConfgateCore
import ConfgatePostgres
import Logging

/// Where PostgreSQL's and PgBouncer's binaries are and who runs them; shared by every command
/// that starts a scratch server (`run`, `verify`, `postgres`, `bench-login`).
struct ServerOptions: ParsableArguments {
    @Option(name: .customLong("pg-bindir"), help: ArgumentHelp(
        "Directory with PostgreSQL's initdb and postgres (default: $PG_BINDIR, pg_config --bindir, PATH, the highest /usr/lib/postgresql/*/bin).",
        valueName: "dir"))
    var pgBindir: String?

    @Option(name: .customLong("pg-user"), help: ArgumentHelp(
        "When run as root, the unprivileged user that runs PostgreSQL and PgBouncer (default: postgres).", valueName: "user"))
    var pgUser: String?

    @Option(name: .customLong("pgbouncer-bin"), help: ArgumentHelp(
        "The PgBouncer program a side with [pooler] runs in front of the server (default: pgbouncer on PATH, then /usr/sbin/pgbouncer; Debian/Ubuntu: apt-get install pgbouncer).",
        valueName: "path"))
    var pgbouncerBin: String?
}

/// Where `run` and `verify` get each trial's server: a scratch one, or `--postgres URL`.
struct TrialServerOptions: ParsableArguments {
    @OptionGroup var server: ServerOptions

    @Option(name: .customLong("postgres"), help: ArgumentHelp(
        "auto (default): a scratch PostgreSQL per trial; or a superuser URL of an existing server (e.g. a CI service container): a fresh database per trial, judged against that server's own max_connections.",
        valueName: "auto|url"))
    var postgres: String = "auto"

    /// The trial runner for `users` seeded accounts: the server source, PgBouncer's program
    /// and user for a side with `[pooler]`.
    func runner(users: Int, logger: Logger) throws(ConfgateError) -> TrialRunner {
        TrialRunner(source: try source(users: users), logger: logger,
                    pgbouncerBinary: server.pgbouncerBin, poolerUser: server.pgUser)
    }

    /// Where trials get their server, for `users` seeded accounts. A URL libpq rejects is bad
    /// input here, before anything runs (libpq's reason scrubbed of the password).
    func source(users: Int) throws(ConfgateError) -> any ServerSource {
        if postgres == "auto" {
            return ScratchServer.Options(users: users, pgBindir: server.pgBindir, pgUser: server.pgUser)
        }
        return try ExistingServer(url: postgres)
    }
}
