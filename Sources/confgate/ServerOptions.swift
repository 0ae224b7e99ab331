import ArgumentParser
import ConfgatePostgres

/// Where the scratch PostgreSQL comes from; shared by `run`, `verify` and `postgres`.
struct ServerOptions: ParsableArguments {
    @Option(name: .customLong("pg-bindir"), help: ArgumentHelp(
        "Directory with PostgreSQL's initdb and postgres (default: $PG_BINDIR, pg_config --bindir, PATH, the highest /usr/lib/postgresql/*/bin).",
        valueName: "dir"))
    var pgBindir: String?

    @Option(name: .customLong("pg-user"), help: ArgumentHelp(
        "When run as root, the unprivileged user that runs PostgreSQL (default: postgres).", valueName: "user"))
    var pgUser: String?

    /// Scratch-server options for `users` seeded accounts.
    func scratchOptions(users: Int) -> ScratchServer.Options {
        ScratchServer.Options(users: users, pgBindir: pgBindir, pgUser: pgUser)
    }
}
