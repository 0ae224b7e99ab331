import ConfgateCore
import Foundation
import Testing
@testable import ConfgatePostgres

@Suite("Scratch server (real PostgreSQL)")
struct ScratchServerTests {
    @Test func startQueryStop() async throws {
        var dir = ""
        var pid: Int32 = 0
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            dir = server.directory
            pid = server.postmasterPID
            #expect(server.directory.utf8.count + "/.s.PGSQL.5432".utf8.count < 107)
            #expect(TestSupport.processExists(pid))
            if geteuid() == 0 {
                // The path CI takes: root runs PostgreSQL as the unprivileged `postgres` user.
                let status = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
                let uidLine = status.split(separator: "\n").first { $0.hasPrefix("Uid:") } ?? ""
                let realUID = uidLine.split(whereSeparator: { $0 == "\t" || $0 == " " }).dropFirst().first.flatMap { UInt32($0) }
                #expect(realUID == getpwnam("postgres")?.pointee.pw_uid)
                #expect(realUID != 0)
            }
            let conn = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            defer { Task { await conn.close() } }
            let count = try await conn.query("SELECT count(*) FROM users")
            #expect(count.scalar == String(TestSupport.users))
            let row = try await conn.query("SELECT email, current_user FROM users WHERE id = $1", ["7"])
            #expect(row.rows == [["user7@example.test", "auth"]])
            let show = try await conn.query("SHOW max_connections")
            #expect(show.scalar == "20")
            #expect(server.applied.maxConnections == 20)
            #expect(server.applied.superuserReservedConnections == 3)
        }
        #expect(!FileManager.default.fileExists(atPath: dir))
        #expect(await TestSupport.eventually { !TestSupport.processExists(pid) })
    }

    @Test func seededPasswordHashesMatchTheSharedDefinition() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let conn = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            defer { Task { await conn.close() } }
            let r = try await conn.query(
                "SELECT salt, password_hash, sha256(salt || convert_to($2, 'UTF8')) = password_hash FROM users WHERE email = $1",
                [AuthSchema.email(forUser: 42), AuthSchema.expectedPassword(forUser: 42)])
            #expect(r.rows.first?[2] == "t")
            let saltText = try #require(r.rows.first?[0] ?? nil)
            let salt = try #require(PGBytea.decode(saltText))
            #expect(salt.count == 16)
        }
    }

    @Test func queryErrorsCarrySQLStateAndTransactionsRollBack() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let db = Settings.Database(statementTimeout: .milliseconds(50))
            let parameters = connectionParameters(dsn: nil, target: server.serviceTarget, database: db)
            let conn = try await PGConnection.connect(parameters: parameters)
            defer { Task { await conn.close() } }
            await #expect { try await conn.query("SELECT 1/0") } throws: { ($0 as? PGError)?.sqlState == "22012" }
            await #expect { try await conn.query("SELECT pg_sleep(1)") } throws: {
                ($0 as? PGError)?.sqlState == "57014" && ($0 as? PGError)?.kind == .query
            }
            do {
                _ = try await conn.transaction { (c: PGConnection) async throws(PGError) -> Int in
                    _ = try await c.query("UPDATE users SET failed_attempts = 99 WHERE id = $1", ["1"])
                    _ = try await c.query("SELECT 1/0")
                    return 0
                }
                Issue.record("transaction should have failed")
            } catch {
                #expect((error as? PGError)?.sqlState == "22012")
            }
            let after = try await conn.query("SELECT failed_attempts FROM users WHERE id = 1")
            #expect(after.scalar == "0")
            let id = try await conn.transaction { (c: PGConnection) async throws(PGError) -> String? in
                try await c.query(
                    "INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES ($1, $2, now(), now()) RETURNING id",
                    ["1", PGBytea.encode([1, 2, 3])]).scalar
            }
            #expect(id != nil)
        }
    }

    @Test func fullServerRefusesServiceRoleWith53300ButAdmitsSuperuser() async throws {
        // 6 slots, 3 reserved for superusers, 1 held by an "other client": the service gets 2.
        let settings = Settings.Server(maxConnections: 6, superuserReservedConnections: 3, otherClients: 1)
        try await withScratchServer(TestSupport.options(settings), logger: TestSupport.logger) { server in
            #expect(server.applied.otherClientsHeld == 1)
            var open: [PGConnection] = []
            for _ in 0..<2 { open.append(try await PGConnection.connect(parameters: server.serviceTarget.parameters)) }
            await #expect { try await PGConnection.connect(parameters: server.serviceTarget.parameters) } throws: {
                let e = $0 as? PGError
                return e?.sqlState == "53300" && e?.kind == .connect
            }
            let admin = try await PGConnection.connect(parameters: server.superuserTarget.parameters)
            let n = try await admin.query("SELECT count(*) FROM pg_stat_activity WHERE usename = 'auth'")
            #expect(n.scalar == "3")
            await admin.close()
            for c in open { await c.close() }
        }
    }

    @Test func reservedConnectionsAreModelledOnPostgres15() async throws {
        let settings = Settings.Server(maxConnections: 8, superuserReservedConnections: 2, reservedConnections: 3)
        try await withScratchServer(TestSupport.options(settings), logger: TestSupport.logger) { server in
            #expect(server.applied.reservedConnections == 3)
            var open: [PGConnection] = []
            for _ in 0..<3 { open.append(try await PGConnection.connect(parameters: server.serviceTarget.parameters)) }
            await #expect { try await PGConnection.connect(parameters: server.serviceTarget.parameters) } throws: {
                ($0 as? PGError)?.sqlState == "53300"
            }
            if server.installation.major < 16 { #expect(server.applied.reservedModelledByRoleLimit) }
            for c in open { await c.close() }
        }
    }

    @Test func twoServersAtOnceDoNotCollide() async throws {
        async let a = ScratchServer.start(TestSupport.options(), logger: TestSupport.logger)
        async let b = ScratchServer.start(TestSupport.options(), logger: TestSupport.logger)
        let (first, second) = try await (a, b)
        do {
            #expect(first.directory != second.directory)
            for server in [first, second] {
                let c = try await PGConnection.connect(parameters: server.superuserTarget.parameters)
                #expect(try await c.query("SELECT 1").scalar == "1")
                await c.close()
            }
        } catch {
            Issue.record(error)
        }
        await first.stop()
        await second.stop()
        #expect(!FileManager.default.fileExists(atPath: first.directory))
        #expect(!FileManager.default.fileExists(atPath: second.directory))
    }

    @Test func failedStartIsAnEnvironmentErrorWithTheServerLog() async throws {
        var options = TestSupport.options()
        options.extraSettings = ["shared_buffers": "not-a-size"]
        do {
            let server = try await ScratchServer.start(options, logger: TestSupport.logger)
            await server.stop()
            Issue.record("started with an invalid setting")
        } catch {
            #expect(error.kind == .environment)
            #expect(error.details.contains { $0.contains("shared_buffers") })
        }
    }

    @Test func impossibleReservationIsBadInput() async throws {
        let settings = Settings.Server(maxConnections: 5, superuserReservedConnections: 3, reservedConnections: 2)
        await #expect { try await ScratchServer.start(TestSupport.options(settings), logger: TestSupport.logger) } throws: {
            ($0 as? ConfgateError)?.kind == .badInput
        }
    }
}

@Suite("Finding PostgreSQL and the template cache")
struct InstallationTests {
    @Test func missingBinariesAreAnEnvironmentErrorWithInstallHint() async {
        await #expect { try await PostgresInstallation.find(environment: ["PATH": "/nonexistent"], versionedRoot: "/nonexistent") } throws: {
            let e = $0 as? ConfgateError
            return e?.kind == .environment && e?.exitCode == 3
                && (e?.details.contains { $0.contains("apt-get install postgresql") } ?? false)
        }
        await #expect { try await PostgresInstallation.find(pgBindir: "/nonexistent") } throws: {
            ($0 as? ConfgateError)?.kind == .environment
        }
        var options = TestSupport.options()
        options.pgBindir = "/nonexistent"
        await #expect { try await ScratchServer.start(options, logger: TestSupport.logger) } throws: {
            ($0 as? ConfgateError)?.exitCode == 3
        }
    }

    @Test func discoveryPrefersTheExplicitDirectory() async throws {
        let found = try await PostgresInstallation.find(environment: ["PATH": "/nonexistent"])
        let explicit = try await PostgresInstallation.find(pgBindir: found.bindir, environment: [:])
        #expect(explicit.foundBy == "--pg-bindir")
        #expect(explicit.major >= 13)
        let viaEnv = try await PostgresInstallation.find(environment: ["PG_BINDIR": found.bindir])
        #expect(viaEnv.foundBy == "PG_BINDIR")
    }

    @Test func templateIsCachedAndRebuiltWhenItsKeyChanges() async throws {
        let cache = TemplateCache(directory: "/tmp/confgate-test-cache-key-\(getpid())")
        defer { try? FileManager.default.removeItem(atPath: cache.directory) }
        let installation = try await PostgresInstallation.find()
        let owner = try ServerUser.resolve(requested: nil)
        let first = try await cache.template(installation: installation, users: 10, owner: owner, logger: TestSupport.logger)
        #expect(first.built)
        let again = try await cache.template(installation: installation, users: 10, owner: owner, logger: TestSupport.logger)
        #expect(!again.built)
        #expect(again.path == first.path)
        let other = try await cache.template(installation: installation, users: 11, owner: owner, logger: TestSupport.logger)
        #expect(other.built)
        #expect(other.path != first.path)
        let entries = try FileManager.default.contentsOfDirectory(atPath: cache.directory)
        #expect(entries.sorted() == [first.path, other.path].map { ($0 as NSString).lastPathComponent }.sorted())
    }
}

@Suite("Scratch server TCP listener")
struct ScratchServerTCPTests {
    @Test func tcpListenerOnRequestAndABusyPortIsAnEnvironmentErrorWithTheLog() async throws {
        var options = TestSupport.options()
        options.tcpPort = 0  // a random free-looking port, retried on a clash
        try await withScratchServer(options, logger: TestSupport.logger) { server in
            let port = try #require(server.tcpPort)
            let viaTCP = try await PGConnection.connect(parameters: [
                "host": "127.0.0.1", "port": String(port), "dbname": "auth", "user": "confgate",
            ])
            #expect(try await viaTCP.query("SELECT inet_server_port()").scalar == String(port))
            await viaTCP.close()
            var clash = TestSupport.options()
            clash.tcpPort = port
            do {
                let second = try await ScratchServer.start(clash, logger: TestSupport.logger)
                await second.stop()
                Issue.record("two servers bound the same port")
            } catch let error as ConfgateError {
                #expect(error.kind == .environment)
                #expect(error.details.contains { $0.contains("already in use") })
            }
        }
    }
}

@Suite("PGConnection transactions")
struct PGTransactionTests {
    @Test func aWholeLoginTransactionRunsOnTheEventLoop() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let conn = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            let email = AuthSchema.email(forUser: 3)
            // As the load driver's logins run: on the loop, every statement sent, awaited
            // and read on its one thread.
            let (sessionID, onLoop) = try await Task(executorPreference: EventLoop.shared) { () async throws -> (String?, Bool) in
                try await conn.transaction { (c: PGConnection) throws(PGError) -> (String?, Bool) in
                    let user = try await c.query("SELECT id, salt, password_hash FROM users WHERE email = $1", [email])
                    let id = user.rows.first?[0] ?? nil
                    let inserted = try await c.query(
                        "INSERT INTO sessions (user_id, token_hash, created_at, expires_at) VALUES ($1, '\\x00', now(), now() + interval '1 hour') RETURNING id",
                        [id])
                    _ = try await c.query("UPDATE users SET last_login_at = now(), failed_attempts = 0 WHERE id = $1", [id])
                    return (inserted.scalar, EventLoop.shared.inLoop)
                }
            }.value
            #expect(sessionID != nil)
            #expect(onLoop)
            #expect(try await conn.query("SELECT count(*) FROM sessions WHERE id = $1", [sessionID]).scalar == "1")
            // A failed statement inside a transaction rolls it back and keeps its SQLSTATE.
            await #expect {
                try await conn.transaction { (c: PGConnection) throws(PGError) in
                    _ = try await c.query("UPDATE users SET failed_attempts = 99 WHERE email = $1", [email])
                    try await c.execute("SELECT * FROM nope")
                }
            } throws: { ($0 as? PGError)?.sqlState == "42P01" }
            #expect(try await conn.query("SELECT failed_attempts FROM users WHERE email = $1", [email]).scalar == "0")
            await conn.close()
            await #expect { try await conn.query("SELECT 1") } throws: { ($0 as? PGError)?.kind == .closed }
        }
    }

    @Test func severalStatementsInOneExecuteReportTheFirstError() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let conn = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            try await conn.execute("CREATE TEMP TABLE t (x int); INSERT INTO t VALUES (1)")
            #expect(try await conn.query("SELECT x FROM t").scalar == "1")
            await #expect { try await conn.execute("SELECT 1/0; SELECT * FROM nope") } throws: {
                ($0 as? PGError)?.sqlState == "22012"
            }
            // The connection is usable afterwards: every result of the failed batch was read.
            #expect(try await conn.query("SELECT 2").scalar == "2")
            await conn.close()
        }
    }

    @Test func closeDuringAStatementClosesWhenItEnds() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let conn = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            let admin = try await PGConnection.connect(parameters: server.superuserTarget.parameters)
            // The statement runs until the test lets it end (it waits for a lock another
            // session holds), so no machine is too slow for "while it runs".
            let locker = try await PGConnection.connect(parameters: server.superuserTarget.parameters)
            try await locker.execute("BEGIN; LOCK TABLE users IN ACCESS EXCLUSIVE MODE")
            let running = Task { try await conn.query("SELECT count(*) > 0, 'done' FROM users") }
            try await waitUntilSleeping(conn, admin: admin, on: "relation")
            // A second statement while one runs is refused, not interleaved.
            await #expect { try await conn.query("SELECT 1") } throws: {
                ($0 as? PGError)?.message.contains("busy") == true
            }
            let closing = Task { await conn.close() }
            try await locker.execute("COMMIT")
            await closing.value
            await locker.close()
            #expect(try await running.value.rows.first?[1] == "done")
            await #expect { try await conn.query("SELECT 1") } throws: { ($0 as? PGError)?.kind == .closed }
            // Its backend is gone.
            let deadline = ContinuousClock.now + .seconds(10)
            var left = "1"
            while ContinuousClock.now < deadline, left != "0" {
                left = try await admin.query("SELECT count(*) FROM pg_stat_activity WHERE pid = $1", [String(conn.backendPID)]).scalar ?? "?"
                if left != "0" { try await Task.sleep(for: .milliseconds(5)) }
            }
            #expect(left == "0")
            await admin.close()
        }
    }
}

@Suite("PGConnection failures")
struct PGConnectionFailureTests {
    @Test func aTerminatedBackendIsConnectionLost() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let conn = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            let admin = try await PGConnection.connect(parameters: server.superuserTarget.parameters)
            _ = try await admin.query("SELECT pg_terminate_backend($1)", [String(conn.backendPID)])
            await admin.close()
            await #expect { try await conn.query("SELECT 1") } throws: {
                ($0 as? PGError)?.kind == .connectionLost && ($0 as? PGError)?.sqlState == "57P01"
            }
            #expect(await conn.isUsable == false)
            await conn.close()
        }
    }
}

@Suite("PGConnection sockets")
struct PGConnectionSocketTests {
    /// libpq closes its socket itself when the server ends the session, and the next
    /// connection may get that number. Each connection watches its own duplicate, so
    /// closing the dead one later cannot unregister (and so spin) the live one.
    @Test func aDeadConnectionsNumberReusedByANewOneStaysApart() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let admin = try await PGConnection.connect(parameters: server.superuserTarget.parameters)
            let dead = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            _ = try await admin.query("SELECT pg_terminate_backend($1)", [String(dead.backendPID)])
            await #expect { try await dead.query("SELECT 1") } throws: { ($0 as? PGError)?.kind == .connectionLost }
            let live = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            #expect(live.socket != dead.socket)
            await dead.close()
            #expect(live.loop.armedEvents(live.socket) != nil, "still watched after the other one closed")
            #expect(try await live.query("SELECT 2").scalar == "2")
            await live.close()
            #expect(live.loop.armedEvents(live.socket) == nil)
            await admin.close()
        }
    }
}

@Suite("PGConnection cancel")
struct PGConnectionCancelTests {
    @Test func cancelStopsARunningStatementWith57014() async throws {
        try await withScratchServer(TestSupport.options(), logger: TestSupport.logger) { server in
            let conn = try await PGConnection.connect(parameters: server.serviceTarget.parameters)
            let admin = try await PGConnection.connect(parameters: server.superuserTarget.parameters)
            let running = Task { () -> PGError? in
                do { _ = try await conn.query("SELECT pg_sleep(30)"); return nil } catch { return error as? PGError }
            }
            try await waitUntilSleeping(conn, admin: admin)
            #expect(await conn.cancel())
            let error = await running.value
            #expect(error?.sqlState == "57014")
            #expect(error?.kind == .query)
            #expect(try await conn.query("SELECT 1").scalar == "1")
            await admin.close()
            await conn.close()
        }
    }
}

/// Waits (at most 10 s, polling `pg_stat_activity`) until `conn`'s backend is inside
/// `pg_sleep`: a statement is then really running on it.
private func waitUntilSleeping(_ conn: PGConnection, admin: PGConnection, on event: String = "PgSleep") async throws {
    let deadline = ContinuousClock.now + .seconds(10)
    while ContinuousClock.now < deadline {
        let state = try await admin.query("SELECT wait_event FROM pg_stat_activity WHERE pid = $1", [String(conn.backendPID)])
        if state.scalar == event { return }
        try await Task.sleep(for: .milliseconds(5))
    }
    Issue.record("backend \(conn.backendPID) never waited on \(event) within 10 s")
}
