import ConfgateCore

/// What a trial's PgBouncer is configured with: the side's `[pooler]` settings under test
/// (their defaults, PgBouncer 1.18's, are declared once, in `Settings.Pooler` and the key
/// catalog, whose readers also judge their values), and how to run the program.
public struct PgBouncerOptions: Hashable, Sendable {
    /// The pool settings: `pool_mode`, `max_client_conn`, `default_pool_size`, … (`instances`
    /// and `file_limit` describe production, not the one process a trial starts).
    public var pooler: Settings.Pooler
    /// `--pgbouncer-bin`: the program to run. Default: searched (see `PgBouncerInstallation`).
    public var binary: String?
    /// Further `name = value` lines for the `[pgbouncer]` section (after ours, so they win).
    public var extraSettings: [String: String]
    /// How long start-up may take before it is an environment failure. Default 30 s.
    public var startTimeout: Duration

    public init(_ pooler: Settings.Pooler = .init(), binary: String? = nil, extraSettings: [String: String] = [:],
                startTimeout: Duration = .seconds(30)) {
        self.pooler = pooler
        self.binary = binary
        self.extraSettings = extraSettings
        self.startTimeout = startTimeout
    }

    /// Options whose pool settings are `edit`ed from PgBouncer's defaults (tests, benchmarks).
    public static func with(_ edit: (inout Settings.Pooler) -> Void) -> PgBouncerOptions {
        var pooler = Settings.Pooler()
        edit(&pooler)
        return PgBouncerOptions(pooler)
    }
}
