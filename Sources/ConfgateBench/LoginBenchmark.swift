import ConfgateCore
import ConfgatePostgres
import Foundation
import Logging

/// `confgate bench-login`: the test auth service's login throughput against `pgbench`
/// running the same SQL on the same scratch server and data (issue #5's benchmark). Not a
/// test: it prints figures.
///
/// Each case runs one `AuthService` (pool `max_size = callers`, a fixed-size pool, warm
/// before measuring) driven by `callers` closed-loop callers of the load driver
/// (`LoadDriver`, as `confgate run --concurrency` drives a fleet), each logging a seeded user
/// in with the right password back to back; then `pgbench -c callers` with the case's
/// script (`bench/login.pgbench` or `bench/login-dbtime.pgbench`). Rounds alternate the
/// order (service first, then pgbench first) so neither side always gets the fresher
/// tables. Both sides measure from their first transaction with their connections already
/// open (pgbench's "tps without initial connection time").
public enum LoginBenchmark {
    /// One comparison.
    public struct Case: Sendable {
        public var name: String
        public var dbTime: SettingDuration
        /// Pool `max_size`, service callers and pgbench clients.
        public var callers: Int
        /// The pgbench script's file name in the script directory.
        public var script: String
        /// Issue #5's target for logins/s ÷ tps.
        public var target: Double

        public init(name: String, dbTime: SettingDuration, callers: Int, script: String, target: Double) {
            self.name = name
            self.dbTime = dbTime
            self.callers = callers
            self.script = script
            self.target = target
        }

        /// Issue #5: pool 4 / 4 callers without db_time (≥ 0.8), pool 64 / 64 callers with
        /// 5 ms (≥ 0.95).
        public static let standard: [Case] = [
            Case(name: "no db_time, pool 4, 4 callers", dbTime: .init(microseconds: 0), callers: 4,
                 script: "login.pgbench", target: 0.8),
            Case(name: "db_time 5ms, pool 64, 64 callers", dbTime: .milliseconds(5), callers: 64,
                 script: "login-dbtime.pgbench", target: 0.95),
        ]

        /// Not one of issue #5's: db_time 5 ms with 16 callers, where the work really is
        /// waiting (Little's law: at most 16 / 5 ms = 3,200/s, well below what 2 cores do),
        /// while 64 callers would need 12,800/s and so saturate a small machine's CPU.
        public static let waiting = Case(
            name: "db_time 5ms, pool 16, 16 callers (extra: waiting-bound)", dbTime: .milliseconds(5), callers: 16,
            script: "login-dbtime.pgbench", target: 0.95)
    }

    public struct Options: Sendable {
        /// Measured seconds per side. Default 10.
        public var seconds: Int = 10
        /// Rounds per case; the reported ratio is the median round's. Default 1.
        public var rounds: Int = 1
        /// Seeded users (the scripts pick among them). Default 10,000.
        public var users: Int = 10_000
        /// Where the pgbench scripts are. Default `bench` (the repository's).
        public var scriptDirectory: String = "bench"
        /// pgbench `-j`. Default 2.
        public var pgbenchThreads: Int = 2
        /// pgbench `-M`. Default `extended`: what the service speaks (`PQsendQueryParams`,
        /// unnamed statements: Parse, Bind, Describe, Execute, Sync per statement), so that
        /// the ratio compares clients, not protocols. `prepared` costs the server far less per
        /// statement. Not `simple`: the scripts pipeline `BEGIN` with the first statement, as
        /// the service does, and pgbench pipelines only with the extended protocols.
        public var pgbenchProtocol: String = "extended"
        /// `max_connections` of the scratch server: room for the largest case's pool or
        /// pgbench clients. Default 200.
        public var maxConnections: Int = 200
        public var pgBindir: String?
        public var pgUser: String?
        public var cases: [Case] = Case.standard
        /// `--through pgbouncer`: also run both sides through one PgBouncer (transaction
        /// mode, `default_pool_size` = the largest case's callers) in front of the same
        /// server, in the same rounds: the pooler tier's cost, as ratios of one run.
        public var throughPgBouncer = false
        /// `--pgbouncer-bin`; `nil`: searched (`PgBouncerInstallation.find`).
        public var pgbouncerBinary: String?

        public init() {}
    }

    /// One side of one round.
    public struct Side: Sendable {
        /// Logins (service) or transactions (pgbench) per second.
        public var perSecond: Double
        public var count: Int
        public var failures: Int
        public var seconds: Double
        /// CPU seconds (user + system) spent by confgate (service side) or by pgbench (its
        /// own process), over the side's run.
        public var cpuSeconds: Double
        /// Context switches (voluntary and involuntary, all threads) of the same process:
        /// each is a thread that went to sleep waiting, or was preempted.
        public var contextSwitches: Int
        /// The whole machine's 1-minute load average when the side finished.
        public var loadAverage: Double
        /// Latency of each login or transaction (µs): the service's own clock around
        /// `login`; pgbench's per-transaction log (`-l`).
        public var latency: LatencySummary = .init()
        /// Through the pooler: CPU seconds the `pgbouncer` process spent over the side
        /// (`/proc/PID/stat`); in neither process's own figure. `nil` directly.
        public var poolerCPUSeconds: Double?
    }

    public struct Round: Sendable {
        public var service: Side
        public var pgbench: Side
        public var serviceFirst: Bool
        /// `--through pgbouncer`: the same two sides through the pooler, in the same round.
        public var pooledService: Side?
        public var pooledPgbench: Side?
        /// Service ÷ pgbench, directly.
        public var ratio: Double { Self.ratio(service, pgbench) }
        /// Service ÷ pgbench, both through the pooler.
        public var pooledRatio: Double? { pooledService.flatMap { s in pooledPgbench.map { Self.ratio(s, $0) } } }
        /// Through the pooler ÷ directly, for the service and for pgbench.
        public var serviceTierRatio: Double? { pooledService.map { Self.ratio($0, service) } }
        public var pgbenchTierRatio: Double? { pooledPgbench.map { Self.ratio($0, pgbench) } }

        static func ratio(_ a: Side, _ b: Side) -> Double { b.perSecond > 0 ? a.perSecond / b.perSecond : .nan }
    }

    public struct CaseResult: Sendable {
        public var benchCase: Case
        public var pgbenchCommand: String
        /// `--through pgbouncer`: pgbench's command line through the pooler.
        public var pooledPgbenchCommand: String?
        public var rounds: [Round]
        /// The median round by ratio.
        public var median: Round? {
            rounds.sorted { $0.ratio < $1.ratio }.dropFirst((rounds.count - 1) / 2).first
        }

        /// `--through pgbouncer`: each ratio's median over the rounds, taken separately.
        public var tierMedians: (pgbench: Double, service: Double, direct: Double, through: Double)? {
            let pgbench = rounds.compactMap(\.pgbenchTierRatio), service = rounds.compactMap(\.serviceTierRatio)
            let through = rounds.compactMap(\.pooledRatio)
            guard !rounds.isEmpty, pgbench.count == rounds.count, service.count == rounds.count, through.count == rounds.count
            else { return nil }
            return (LoginBenchmark.median(pgbench), LoginBenchmark.median(service),
                    LoginBenchmark.median(rounds.map(\.ratio)), LoginBenchmark.median(through))
        }
    }

    /// The median (the lower of the two middle values for an even count, as `median` picks
    /// rounds); NaN for none.
    static func median(_ values: [Double]) -> Double {
        values.sorted().dropFirst((values.count - 1) / 2).first ?? .nan
    }

    public struct Report: Sendable {
        public var header: [String]
        public var results: [CaseResult]

        public var text: String {
            var lines = header
            for r in results {
                lines.append("")
                lines.append("\(r.benchCase.name) (target ≥ \(r.benchCase.target)):")
                lines.append("  pgbench: \(r.pgbenchCommand)")
                if let pooled = r.pooledPgbenchCommand { lines.append("  pgbench through pgbouncer: \(pooled)") }
                for (i, round) in r.rounds.enumerated() {
                    lines.append("  round \(i + 1) (\(round.serviceFirst ? "service" : "pgbench") first):")
                    lines.append(Self.sideLine("service  direct ", round.service, unit: "logins/s", per: "login"))
                    lines.append(Self.sideLine("pgbench  direct ", round.pgbench, unit: "tps", per: "txn"))
                    if let s = round.pooledService { lines.append(Self.sideLine("service  through", s, unit: "logins/s", per: "login")) }
                    if let p = round.pooledPgbench { lines.append(Self.sideLine("pgbench  through", p, unit: "tps", per: "txn")) }
                    var ratios = String(format: "    ratio service ÷ pgbench %.3f", round.ratio)
                    if let pooled = round.pooledRatio, let s = round.serviceTierRatio, let p = round.pgbenchTierRatio {
                        ratios += String(format: " direct, %.3f through; through ÷ direct: service %.3f, pgbench %.3f", pooled, s, p)
                    }
                    lines.append(ratios)
                }
                if let m = r.median {
                    let verdict = m.ratio >= r.benchCase.target ? "meets" : "misses"
                    lines.append(String(format: "  => ratio %.3f (median of %d), %@ the target %.2f",
                                        m.ratio, r.rounds.count, verdict, r.benchCase.target))
                }
                if let tier = r.tierMedians {
                    lines.append(String(
                        format: "  => through pgbouncer ÷ direct: pgbench %.3f, service %.3f; service ÷ pgbench: direct %.3f, through %.3f (medians of %d rounds)",
                        tier.pgbench, tier.service, tier.direct, tier.through, r.rounds.count))
                }
            }
            return lines.joined(separator: "\n") + "\n"
        }

        /// One side of a round: throughput, counts, CPU and switches per item, p50/p99, load.
        static func sideLine(_ label: String, _ s: Side, unit: String, per item: String) -> String {
            var line = String(
                format: "    %@ %8.1f %@ (%d in %.1f s, %d failed, %.0f µs CPU/%@, %.1f cs/%@, p50 %.2f ms, p99 %.2f ms",
                label, s.perSecond, unit, s.count, s.seconds, s.failures, perItemMicros(s.cpuSeconds, s), item,
                perItemSwitches(s), item, Double(s.latency.p50) / 1000, Double(s.latency.p99) / 1000)
            if let pooler = s.poolerCPUSeconds {
                line += String(format: ", pgbouncer %.0f µs CPU/%@", perItemMicros(pooler, s), item)
            }
            return line + String(format: ", load %.2f)", s.loadAverage)
        }

        private static func perItemMicros(_ seconds: Double, _ s: Side) -> Double { s.count > 0 ? seconds / Double(s.count) * 1e6 : .nan }
        private static func perItemSwitches(_ s: Side) -> Double { s.count > 0 ? Double(s.contextSwitches) / Double(s.count) : .nan }
    }

    /// Runs every case in `options` on one scratch server. `progress` gets a line per step.
    public static func run(
        _ options: Options, logger: Logger, progress: @Sendable (String) -> Void = { _ in }
    ) async throws(ConfgateError) -> Report {
        var scripts: [String: String] = [:]
        for c in options.cases {
            let path = options.scriptDirectory + "/" + c.script
            guard FileManager.default.isReadableFile(atPath: path) else {
                throw ConfgateError(.badInput, "no pgbench script \(path) (run from the repository root or pass --scripts DIR)")
            }
            scripts[c.script] = URL(fileURLWithPath: path).standardizedFileURL.path
        }
        var server = Settings.Server()
        server.maxConnections = options.maxConnections
        let scratch = try await ScratchServer.start(
            .init(server: server, users: options.users, pgBindir: options.pgBindir, pgUser: options.pgUser),
            logger: logger)
        let pgbench = scratch.installation.path("pgbench")
        guard PostgresInstallation.isExecutable(pgbench) else {
            await scratch.stop()
            throw ConfgateError(.environment, "no pgbench beside postgres in \(scratch.installation.bindir)",
                                details: ["Debian/Ubuntu: it comes with postgresql-client-\(scratch.installation.major)"])
        }
        var pooler: PgBouncerServer?
        if options.throughPgBouncer {
            do throws(ConfgateError) {
                pooler = try await startPooler(options, in: scratch, logger: logger)
            } catch {
                await scratch.stop()
                throw error
            }
        }
        var header = [
            "confgate login benchmark: PostgreSQL \(scratch.installation.version), \(ProcessInfo.processInfo.activeProcessorCount) cores, load average \(loadAverages()) at start",
            "scratch server: max_connections=\(scratch.applied.maxConnections), \(options.users) seeded users, socket \(scratch.socketDirectory); \(options.seconds) s per side, \(options.rounds) round(s) per case",
        ]
        if let pooler {
            let o = pooler.options.pooler
            header.append("through: PgBouncer \(pooler.installation.version), \(o.poolMode.rawValue) mode, default_pool_size=\(o.defaultPoolSize), max_client_conn=\(o.maxClientConn), socket \(pooler.socketDirectory) port \(pooler.port); session settings as role defaults upstream")
        }
        progress(header.joined(separator: "\n"))
        // Direct and pooled connections carry the same session settings: in the startup
        // packet directly, as role defaults through the pooler (`PooledSessionSettings`).
        let direct = connectionParameters(dsn: nil, target: scratch.serviceTarget, database: serviceDatabase)
        var results: [CaseResult] = []
        do throws(ConfgateError) {
            var pooled: [String: String] = [:]
            if let pooler { pooled = try await pooledParameters(pooler, scratch: scratch) }
            for c in options.cases {
                let tiers: [(name: String, host: String, port: Int, parameters: [String: String], pooler: PgBouncerServer?)] =
                    [("direct", scratch.socketDirectory, scratch.port, direct, nil)]
                    + (pooler.map { p in [("through pgbouncer", p.socketDirectory, p.port, pooled, p)] } ?? [])
                let commands = tiers.map { pgbenchCommand(pgbench, c, options, script: scripts[c.script]!, host: $0.host, port: $0.port) }
                var result = CaseResult(
                    benchCase: c, pgbenchCommand: commands[0].joined(separator: " "),
                    pooledPgbenchCommand: commands.count > 1 ? commands[1].joined(separator: " ") : nil, rounds: [])
                for round in 0..<options.rounds {
                    if Task.isCancelled { break }
                    // Even rounds: the service first in each tier; odd rounds the reverse
                    // order, so no side always gets the fresher tables.
                    var steps = tiers.indices.flatMap { [(service: true, tier: $0), (service: false, tier: $0)] }
                    if round % 2 == 1 { steps.reverse() }
                    var sides: [String: Side] = [:]
                    for step in steps {
                        let tier = tiers[step.tier]
                        let cpu0 = tier.pooler.map { ProcessCPU.seconds(pid: $0.pid) }
                        var side: Side
                        if step.service {
                            progress("\(c.name), round \(round + 1): service \(tier.name) ...")
                            side = await measureService(c, seconds: options.seconds, users: options.users, parameters: tier.parameters)
                        } else {
                            progress("\(c.name), round \(round + 1): pgbench \(tier.name): \(commands[step.tier].joined(separator: " "))")
                            side = try await measurePgbench(commands[step.tier])
                        }
                        if let cpu0, let pid = tier.pooler?.pid { side.poolerCPUSeconds = ProcessCPU.seconds(pid: pid) - cpu0 }
                        sides["\(step.service) \(step.tier)"] = side
                    }
                    result.rounds.append(Round(
                        service: sides["true 0"]!, pgbench: sides["false 0"]!, serviceFirst: round % 2 == 0,
                        pooledService: sides["true 1"], pooledPgbench: sides["false 1"]))
                }
                results.append(result)
            }
        } catch {
            if let pooler { await pooler.stop() }
            await scratch.stop()
            throw error
        }
        if let pooler { await pooler.stop() }
        await scratch.stop()
        return Report(header: header, results: results)
    }

    /// The service's `[database]` settings in every case (the defaults: no session settings
    /// beyond them).
    static let serviceDatabase = Settings.Database()

    /// PgBouncer in front of `scratch` for the largest case: transaction mode (a server
    /// connection per transaction, the mode a pooler tier is for), `default_pool_size` =
    /// callers, so the pooler never makes a caller wait for a server connection; room for
    /// one side's clients while the previous side's close.
    static func startPooler(_ options: Options, in scratch: ScratchServer, logger: Logger) async throws(ConfgateError) -> PgBouncerServer {
        let callers = options.cases.map(\.callers).max() ?? 1
        var pgbouncer = PgBouncerOptions.with {
            $0.poolMode = .transaction
            $0.defaultPoolSize = callers
            $0.maxClientConn = 2 * callers
        }
        pgbouncer.binary = options.pgbouncerBinary
        let user = try ServerUser.resolve(requested: options.pgUser)
        return try await PgBouncerServer.start(pgbouncer, upstream: scratch.serviceTarget, user: user, logger: logger)
    }

    /// The service's connection parameters through `pooler`: as a trial's fleet gets them
    /// (`TrialRunner`), without `options`, its session settings made role defaults upstream.
    static func pooledParameters(_ pooler: PgBouncerServer, scratch: ScratchServer) async throws(ConfgateError) -> [String: String] {
        var settings = Settings()
        settings.database = serviceDatabase
        let split = try pooler.serviceConnection(for: settings)
        try await split.applyAsRoleDefaults(role: AuthSchema.serviceRole, superuser: scratch.superuserTarget)
        return split.parameters
    }

    /// pgbench's command line for case `c` against `host`:`port`, run through `env -u
    /// PGOPTIONS`: libpq would send that variable as the `options` startup parameter, which
    /// PgBouncer refuses (docs/pooler.md); pgbench itself sends none.
    static func pgbenchCommand(_ pgbench: String, _ c: Case, _ options: Options, script: String, host: String, port: Int) -> [String] {
        [
            "/usr/bin/env", "-u", "PGOPTIONS", pgbench,
            "-n", "-c", "\(c.callers)", "-j", "\(min(options.pgbenchThreads, c.callers))", "-M", options.pgbenchProtocol,
            "-T", "\(options.seconds)", "-D", "users=\(options.users)", "-f", script,
            "-h", host, "-p", "\(port)", "-U", AuthSchema.serviceRole, AuthSchema.database,
        ]
    }

    /// One instance, a warm fixed-size pool of `callers` connections with `parameters`,
    /// `callers` callers back to back for `seconds`.
    static func measureService(_ c: Case, seconds: Int, users: Int, parameters: [String: String]) async -> Side {
        var settings = Settings()
        settings.database = serviceDatabase
        settings.pool = .init(maxSize: c.callers, acquireTimeout: .seconds(30))
        let service = AuthService(name: "bench-service", settings: settings, parameters: parameters, dbTime: c.dbTime)
        service.start()
        await service.warm()
        // The load driver's own closed loop (`confgate run --concurrency`): `callers` logins
        // back to back, every one with the right password, as the pgbench scripts.
        var load = GateSettings().load
        load.duration = .seconds(Int64(seconds))
        load.warmup = .seconds(0)
        load.spike = nil
        load.deploy = false
        load.users = users
        load.badPasswordRatio = 0
        let driver = LoadDriver(plan: LoadPlan.make(load), concurrency: c.callers, requestTimeout: .seconds(3600))
        let usage0 = Usage(children: false)
        let observed = await driver.run(target: OneService(service: service), watcher: nil, usable: c.callers)
        let usage = Usage(children: false) - usage0
        await service.stop()
        let s = observed.summary
        return Side(perSecond: s.measuredSeconds > 0 ? Double(s.completed) / s.measuredSeconds : 0, count: s.completed,
                    failures: s.failures, seconds: s.measuredSeconds, cpuSeconds: usage.cpuSeconds,
                    contextSwitches: usage.contextSwitches, loadAverage: loadAverage1(), latency: s.latency)
    }

    /// One service as the load driver's target: no fleet, no deploy.
    struct OneService: LoginTarget {
        let service: AuthService
        func login(user: Int, badPassword: Bool) async -> Outcome { await service.login(user: user, badPassword: badPassword) }
        func poolSamples() -> [PoolSample] { service.samples() }
        func startSurge() async {}
        func retireOld() async {}
    }

    /// Runs pgbench (`command`: the program and its arguments) and reads its `tps = …
    /// (without initial connection time)`, and its per-transaction log (`-l`, written into a
    /// private temporary directory removed afterwards) for p50/p99.
    static func measurePgbench(_ command: [String]) async throws(ConfgateError) -> Side {
        var template = Array("/tmp/confgate-pgbench-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw ConfgateError(.environment, "cannot create a directory for pgbench's log: \(String(cString: strerror(errno)))")
        }
        let logDirectory = String(cString: made)
        defer { try? FileManager.default.removeItem(atPath: logDirectory) }
        let usage0 = Usage(children: true)
        let out: String
        do {
            out = try await ProcessRunner.output(
                command[0], Array(command.dropFirst()) + ["-l", "--log-prefix", logDirectory + "/log"])
        } catch {
            throw ConfgateError(.environment, "pgbench failed", details: ["\(error)"])
        }
        let usage = Usage(children: true) - usage0
        let parsed = PgbenchOutput(out)
        guard let tps = parsed.tps else {
            throw ConfgateError(.environment, "cannot read tps from pgbench's output", details: out.split(separator: "\n").suffix(8).map(String.init))
        }
        let log = PgbenchLatencyLog.read(directory: logDirectory, prefix: "log")
        return Side(perSecond: tps, count: parsed.processed ?? 0, failures: parsed.failed ?? 0,
                    seconds: parsed.duration ?? 0, cpuSeconds: usage.cpuSeconds,
                    contextSwitches: usage.contextSwitches, loadAverage: loadAverage1(),
                    latency: LatencySummary(log.histogram))
    }

    /// CPU seconds (user + system) and context switches of this process, or of its
    /// waited-for children (`getrusage`).
    struct Usage {
        var cpuSeconds: Double
        var contextSwitches: Int

        init(children: Bool) {
            var usage = rusage()
            getrusage(children ? RUSAGE_CHILDREN.rawValue : RUSAGE_SELF.rawValue, &usage)
            func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
            cpuSeconds = s(usage.ru_utime) + s(usage.ru_stime)
            contextSwitches = usage.ru_nvcsw + usage.ru_nivcsw
        }

        private init(cpuSeconds: Double, contextSwitches: Int) {
            self.cpuSeconds = cpuSeconds
            self.contextSwitches = contextSwitches
        }

        static func - (a: Usage, b: Usage) -> Usage {
            Usage(cpuSeconds: a.cpuSeconds - b.cpuSeconds, contextSwitches: a.contextSwitches - b.contextSwitches)
        }
    }

    /// `/proc/loadavg`'s three figures, or `?` elsewhere.
    static func loadAverages() -> String {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return "?" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }

    static func loadAverage1() -> Double {
        Double(loadAverages().split(separator: " ").first ?? "") ?? .nan
    }
}
