import ConfgateCore
import Logging

/// Where each trial's server comes from. `TrialRunner` asks its source for one server per
/// trial and finishes it on every path; nothing else in a trial depends on the kind of server.
///
/// The conformers: `ScratchServer.Options` (a scratch PostgreSQL per trial, the default),
/// `ExistingServer` (`--postgres URL`: a fresh database per trial on a server of the user's)
/// and `PgBouncerFront` (PgBouncer in front of another source's server, for a side with
/// `[pooler]`). A new server kind is one more conformer and its `TrialServer`.
public protocol ServerSource: Sendable {
    /// Starts (or prepares) one trial's server for `settings` (its `[server]` section, and
    /// `[pooler]` where the source puts one in front) with `users` seeded accounts. The
    /// caller must `finish()` it. Throws `.environment` (exit 3) when the server cannot be
    /// had, `.badInput` (exit 2) for settings or a URL it cannot take.
    func startTrial(_ settings: Settings, users: Int, logger: Logger) async throws(ConfgateError) -> any TrialServer
}

/// One trial's server, as a `ServerSource` started it.
public protocol TrialServer: Sendable {
    /// Where the service role connects (host, port, database), and where a pooler in front
    /// points its upstream.
    var serviceTarget: ConnectionTarget { get }
    /// Where a superuser connects (setup, role defaults, confgate's monitoring connection).
    var superuserTarget: ConnectionTarget { get }
    /// The settings in force, read back from the server, with notes on what differs from the
    /// asked ones (`AppliedServerSettings.readBack`).
    var applied: AppliedServerSettings { get }
    /// The PostgreSQL that runs the trial, for the result's provenance: `15.18 (scratch server)`.
    var postgresVersion: String { get }
    /// PgBouncer in front of the server, when the side has `[pooler]`.
    var pooler: PgBouncerServer? { get }
    /// Whether the server (or the pooler in front of it) has ended during the trial.
    var hasExited: Bool { get }
    /// The libpq parameters of one service connection for `settings`: its DSN's session
    /// parameters pointed at this server (or at the pooler in front of it) as the service role.
    func serviceParameters(for settings: Settings) -> [String: String]
    /// Stops or releases the server, waiting until it is done; safe to call more than once.
    /// - Returns: the server's log's last lines, where it has a log of confgate's.
    @discardableResult
    func finish() async -> [String]
}

extension TrialServer {
    public var pooler: PgBouncerServer? { nil }
}
