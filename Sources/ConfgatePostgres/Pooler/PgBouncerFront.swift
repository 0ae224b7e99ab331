import ConfgateCore
import Logging

/// PgBouncer in front of another source's server, for a side with `[pooler]`: one process
/// standing for `instances` (`Settings.Pooler.asOneProcess`). The fleet then connects through
/// it, its session settings become the service role's defaults upstream (PgBouncer refuses
/// them in the startup packet, see `PooledSessionSettings`), and finishing the trial stops
/// PgBouncer first, then the server. A side without `[pooler]` gets the upstream's server as
/// it is.
public struct PgBouncerFront: ServerSource {
    /// Where the server behind PgBouncer comes from.
    public var upstream: any ServerSource
    /// `--pgbouncer-bin`: the PgBouncer to run; `nil`: searched.
    public var binary: String?
    /// When run as root, who runs PgBouncer (`--pg-user`; `nil`: `postgres`).
    public var user: String?

    public init(upstream: any ServerSource, binary: String? = nil, user: String? = nil) {
        self.upstream = upstream
        self.binary = binary
        self.user = user
    }

    public func startTrial(_ settings: Settings, users: Int, logger: Logger) async throws(ConfgateError) -> any TrialServer {
        let server = try await upstream.startTrial(settings, users: users, logger: logger)
        guard let pooler = settings.pooler else { return server }
        do throws(ConfgateError) {
            return try await front(server, with: pooler, settings: settings, logger: logger)
        } catch {
            await server.finish()
            throw error
        }
    }

    /// Starts PgBouncer in front of `server` and makes the side's session settings the service
    /// role's defaults there.
    private func front(
        _ server: any TrialServer, with pooler: Settings.Pooler, settings: Settings, logger: Logger
    ) async throws(ConfgateError) -> Trial {
        let runAs = try ServerUser.resolve(requested: user)
        let bouncer = try await PgBouncerServer.start(
            PgBouncerOptions(pooler.asOneProcess, binary: binary), upstream: server.serviceTarget, user: runAs, logger: logger)
        do throws(ConfgateError) {
            let pooled = try bouncer.serviceConnection(for: settings)
            try await pooled.applyAsRoleDefaults(role: AuthSchema.serviceRole, superuser: server.superuserTarget)
            var applied = server.applied
            applied.notes.append("through PgBouncer \(bouncer.installation.version) (\(pooler.poolMode.rawValue) mode, max_client_conn \(pooler.maxClientConn), default_pool_size \(pooler.defaultPoolSize)); \(pooler.instances == 1 ? "one process" : "one process standing for \(pooler.instances), its limits × \(pooler.instances)")")
            return Trial(server: server, bouncer: bouncer, parameters: pooled.parameters, applied: applied)
        } catch {
            await bouncer.stop()
            throw error
        }
    }

    /// A trial's server with PgBouncer in front of it.
    struct Trial: TrialServer {
        /// The server behind PgBouncer.
        var server: any TrialServer
        var bouncer: PgBouncerServer
        /// The service connection's parameters through PgBouncer, for the settings the trial
        /// was started with (their session settings already role defaults upstream).
        var parameters: [String: String]
        /// The server's, with a note on the pooler.
        var applied: AppliedServerSettings

        var serviceTarget: ConnectionTarget { server.serviceTarget }
        var superuserTarget: ConnectionTarget { server.superuserTarget }
        var postgresVersion: String { server.postgresVersion }
        var pooler: PgBouncerServer? { bouncer }
        var hasExited: Bool { server.hasExited || bouncer.hasExited }

        /// The parameters through PgBouncer made when the trial started (`settings` are the
        /// trial's own: its session settings went upstream then).
        func serviceParameters(for settings: Settings) -> [String: String] { parameters }

        @discardableResult
        func finish() async -> [String] {
            let tail = await bouncer.stop()
            return await server.finish() + (tail.isEmpty ? [] : ["pgbouncer log:"] + tail)
        }
    }
}
