import ConfgateCore
import Foundation
import Testing
@testable import ConfgatePostgres

/// The real PgBouncer in front of a real scratch server: queries through it, its admin
/// console, the refusals a trial will classify, teardown, and the admin password's secrecy.
@Suite("PgBouncer (real program)", .serialized)
struct PgBouncerServerTests {
    static let password = "pw-Zq8TEST-admin-3141"

    /// A scratch server with PgBouncer in front, both stopped on every path.
    func withPooler<T: Sendable>(
        _ options: PgBouncerOptions, _ body: (ScratchServer, PgBouncerServer) async throws -> T
    ) async throws -> T {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let pooler = try await PgBouncerServer.start(
                options, upstream: server.serviceTarget, user: try ServerUser.resolve(requested: nil),
                adminPassword: Self.password, logger: TestSupport.logger)
            do {
                let value = try await body(server, pooler)
                await pooler.stop()
                return value
            } catch {
                await pooler.stop()
                throw error
            }
        }
    }

    @Test func queryThroughThePoolerAndShowPools() async throws {
        var directory = ""
        var pid: Int32 = 0
        try await withPooler(.init()) { _, pooler in
            directory = pooler.directory
            pid = pooler.pid
            #expect(TestSupport.processExists(pid))
            #expect(pooler.installation.version.hasPrefix("1."))
            if geteuid() == 0 {
                let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
                #expect(status.contains("\nUid:\t\(getpwnam("postgres")!.pointee.pw_uid)\t"))
            }
            // After start-up the probe's connections are gone: an empty pool.
            let before = try await pooler.showPools().first { $0.database == "auth" && $0.user == "auth" }
            #expect(before.map { $0.clActive + $0.clWaiting + $0.serverConnections } ?? 0 == 0)

            let conn = try await PGConnection.connect(parameters: pooler.serviceTarget.parameters)
            let r = try await conn.query("SELECT current_user, count(*) FROM users WHERE id <= $1", ["50"])
            #expect(r.rows == [["auth", "50"]])
            let pools = try await pooler.showPools()
            let pool = try #require(pools.first { $0.database == "auth" && $0.user == "auth" })
            #expect(pool.clActive == 1)
            #expect(pool.clWaiting == 0)
            #expect(pool.svActive == 1, "session mode: the client keeps its server connection")
            #expect(pool.svIdle == 0)
            #expect(pool.svLogin == 0)
            #expect(pool.poolMode == "session")
            let clients = try await pooler.adminQuery("SHOW CLIENTS")
            #expect(clients.columns.contains("user"))
            let stats = try await pooler.adminQuery("SHOW STATS")
            #expect(stats.columns.contains("total_xact_count"))
            await conn.close()

            let files = try FileManager.default.contentsOfDirectory(atPath: pooler.directory)
            for file in files where file != PgBouncerConfig.authFile {
                let text = (try? String(contentsOfFile: pooler.directory + "/" + file, encoding: .utf8)) ?? ""
                #expect(!text.contains(Self.password), "\(file) holds the admin password")
            }
            let auth = pooler.directory + "/" + PgBouncerConfig.authFile
            let mode = try FileManager.default.attributesOfItem(atPath: auth)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(await TestSupport.eventually { !TestSupport.processExists(pid) })
    }

    @Test func sessionSettingsReachTheServerAsRoleDefaults() async throws {
        try await withPooler(.with { $0.poolMode = .transaction }) { server, pooler in
            var settings = Settings()
            settings.database.statementTimeout = .milliseconds(1500)
            let pooled = try pooler.serviceConnection(for: settings)
            #expect(pooled.parameters["options"] == nil)
            try await pooled.applyAsRoleDefaults(role: AuthSchema.serviceRole, superuser: server.superuserTarget)
            let conn = try await PGConnection.connect(parameters: pooled.parameters)
            #expect(try await conn.query("SHOW statement_timeout").scalar == "1500ms")
            await conn.close()

            // Sent as `options`, they are refused rather than dropped.
            var withOptions = pooler.serviceTarget.parameters
            withOptions["options"] = "-c statement_timeout=1500"
            await #expect {
                _ = try await PGConnection.connect(parameters: withOptions)
            } throws: { error in
                (error as? PGError)?.message.contains("unsupported startup parameter: options") == true
            }
        }
    }

    @Test func maxClientConnRefusesTheNextClient() async throws {
        try await withPooler(.with { $0.maxClientConn = 3 }) { _, pooler in
            var held: [PGConnection] = []
            for _ in 0..<3 { held.append(try await PGConnection.connect(parameters: pooler.serviceTarget.parameters)) }
            do throws(PGError) {
                let fourth = try await PGConnection.connect(parameters: pooler.serviceTarget.parameters)
                await fourth.close()
                Issue.record("a fourth client was admitted with max_client_conn = 3")
            } catch {
                #expect(error.kind == .connect)
                #expect(error.sqlState == "08P01")
                #expect(error.message.contains("no more connections allowed (max_client_conn)"))
            }
            // The console still answers (it was connected before the clients).
            #expect(try await pooler.showPools().contains { $0.database == "auth" })
            for c in held { await c.close() }
        }
    }

    @Test func queryWaitTimeoutDisconnectsTheWaitingClient() async throws {
        let options = PgBouncerOptions.with { $0.poolMode = .transaction; $0.defaultPoolSize = 1; $0.queryWaitTimeout = .seconds(1) }
        try await withPooler(options) { _, pooler in
            let holder = try await PGConnection.connect(parameters: pooler.serviceTarget.parameters)
            try await holder.execute("BEGIN")
            _ = try await holder.query("SELECT 1")
            do throws(PGError) {
                // Whether the wait comes at login or at the query depends on PgBouncer's
                // cached server parameters; the error is the same.
                let waiter = try await PGConnection.connect(parameters: pooler.serviceTarget.parameters)
                defer { Task { await waiter.close() } }
                _ = try await waiter.query("SELECT 1")
                Issue.record("the waiting client got a server connection")
            } catch {
                #expect(error.sqlState == "08P01", "\(error) \(error.kind)")
                #expect(error.message.contains("query_wait_timeout"))
            }
            try await holder.execute("ROLLBACK")
            await holder.close()
        }
    }

    @Test func aKilledPgBouncerLeavesNoDirectory() async throws {
        try await withPooler(.init()) { _, pooler in
            #expect(kill(pooler.pid, SIGKILL) == 0)
            #expect(await TestSupport.eventually { pooler.hasExited })
            #expect(await TestSupport.eventually { !FileManager.default.fileExists(atPath: pooler.directory) })
        }
    }

    @Test func missingBinaryIsAnEnvironmentErrorWithTheInstallCommand() async throws {
        let attempts: [(String?, [String: String])] = [("/nonexistent/pgbouncer", [:]), (nil, ["PATH": "/nonexistent"])]
        for attempt in attempts {
            do {
                _ = try await PgBouncerInstallation.find(
                    explicit: attempt.0, environment: attempt.1, debianPath: "/nonexistent/sbin/pgbouncer")
                Issue.record("found a PgBouncer that does not exist")
            } catch {
                #expect(error.kind == .environment)
                #expect(error.exitCode == 3)
                #expect(error.description.contains("apt-get install pgbouncer"))
                #expect(error.description.contains("--pgbouncer-bin PATH"))
            }
        }
        let upstream = ConnectionTarget(host: "/nonexistent", port: 5432, database: "auth", user: "auth")
        await #expect {
            _ = try await PgBouncerServer.start(.init(binary: "/nonexistent/pgbouncer"), upstream: upstream, user: nil,
                                                logger: TestSupport.logger)
        } throws: { ($0 as? ConfgateError)?.kind == .environment }
    }

    @Test func failedStartsNeverShowTheAdminPassword() async throws {
        let user = try ServerUser.resolve(requested: nil)
        // PgBouncer refuses its configuration and exits; then an upstream that is not there.
        let cases: [(PgBouncerOptions, ConnectionTarget, String)] = [
            (.init(extraSettings: ["server_tls_sslmode": "bogus"]),
             ConnectionTarget(host: "/nonexistent", port: 5432, database: "auth", user: "auth"), "exited"),
            (.init(startTimeout: .seconds(1)),
             ConnectionTarget(host: "/nonexistent", port: 5432, database: "auth", user: "auth"), "not ready"),
        ]
        for (options, upstream, expected) in cases {
            do {
                let pooler = try await PgBouncerServer.start(
                    options, upstream: upstream, user: user, adminPassword: Self.password, logger: TestSupport.logger)
                await pooler.stop()
                Issue.record("PgBouncer started with \(options)")
            } catch {
                #expect(error.kind == .environment)
                #expect(error.message.contains(expected), "\(error)")
                #expect(error.details.contains("pgbouncer log:"), "\(error)")
                #expect(!error.description.contains(Self.password))
            }
        }
    }
}

@Suite("Leftover sweep and PgBouncer")
struct PgBouncerSweepTests {
    @Test func keepsADirectoryWhosePgBouncerStillRuns() throws {
        let running = try PrivateDirectory.make(owner: nil)
        defer { PrivateDirectory.remove(running) }
        // Its confgate is gone, but the pid file names a live process (this one).
        try "\(Int32.max)\n".write(toFile: running + "/" + PrivateDirectory.ownerFile, atomically: true, encoding: .utf8)
        try "\(getpid())\n".write(toFile: running + "/" + PgBouncerConfig.pidFile, atomically: true, encoding: .utf8)
        PrivateDirectory.sweepLeftovers()
        #expect(FileManager.default.fileExists(atPath: running))
    }
}
