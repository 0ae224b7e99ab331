import ConfgateCore
import Synchronization

/// Watches a live server for `confgate canary`: one monitoring connection, read-only, that
/// samples `pg_stat_activity` every interval (grouped as postgres_exporter does) and the
/// server's limits at start and every minute; beside it, the refusal probe — every few
/// seconds a connection as the service's role, closed at once — since a refused connection
/// never reaches PostgreSQL's statistics views. With `scrape`, the services' own HikariCP
/// pool metrics every `scrapeInterval` (`MetricsScraper`); with `log`, the server's log
/// followed from its end (`LogTailer`) for the refusals it records.
///
/// Never writes to the watched server: the monitoring session runs with
/// `default_transaction_read_only = on` and sends only `SELECT`s; the probe sends nothing.
/// Returns what it saw when its duration is over, when its task is cancelled (Ctrl-C), or
/// when the monitoring connection breaks (`CanaryRecord.failure`).
public struct CanarySampler: Sendable {
    /// libpq parameters of the monitoring connection (password included; never printed).
    let monitor: [String: String]
    /// libpq parameters of the probe, `nil` for none.
    let probe: [String: String]?
    let interval: Duration
    let duration: Duration
    let probeInterval: Duration
    let limitsInterval: Duration
    /// The services' metrics pages (`--scrape`), each GET every `scrapeInterval`.
    let scrape: [String]
    let scrapeInterval: Duration
    /// The server's log (`--log`), opened at its end; read every `interval`.
    let log: LogTailer?

    public init(monitor: [String: String], probe: [String: String]?, interval: Duration, duration: Duration,
                probeInterval: Duration = .seconds(5), limitsInterval: Duration = .seconds(60),
                scrape: [String] = [], scrapeInterval: Duration? = nil, log: LogTailer? = nil) {
        self.monitor = monitor
        self.probe = probe
        self.interval = interval
        self.duration = duration
        self.probeInterval = probeInterval
        self.limitsInterval = limitsInterval
        var seen = Set<String>()
        self.scrape = scrape.filter { seen.insert($0).inserted }  // a URL named twice is scraped once
        self.scrapeInterval = scrapeInterval ?? interval
        self.log = log
    }

    /// The monitoring connection's parameters from `--postgres URL`: read-only sessions,
    /// `application_name` `confgate-canary`. A URL libpq rejects is `.badInput` (its reason
    /// scrubbed of the password).
    public static func monitorParameters(url: String) throws(ConfgateError) -> [String: String] {
        var p: [String: String]
        do { p = try DSNParser.parse(url).libpqParameters } catch {
            throw ConfgateError(.badInput, "--postgres: \(error.reason)")
        }
        p["application_name"] = "confgate-canary"
        p["options"] = ((p["options"].map { $0 + " " }) ?? "") + "-c default_transaction_read_only=on"
        if p["connect_timeout"] == nil { p["connect_timeout"] = "10" }
        return p
    }

    /// The probe's parameters: `--probe-url` when given; otherwise the watched server (host,
    /// port, database of `monitor`) as the settings DSN's user, with its password. `nil`
    /// when neither names a role.
    public static func probeParameters(url: String?, dsn: DSN?, monitor: [String: String]) throws(ConfgateError) -> [String: String]? {
        var p: [String: String]
        if let url {
            do { p = try DSNParser.parse(url).libpqParameters } catch {
                throw ConfgateError(.badInput, "--probe-url: \(error.reason)")
            }
        } else {
            guard let user = dsn?["user"] else { return nil }
            p = monitor.filter { ["host", "hostaddr", "port", "dbname", "sslmode"].contains($0.key) }
            p["user"] = user
            if let password = dsn?["password"] { p["password"] = password }
        }
        p["application_name"] = "confgate-probe"
        if p["connect_timeout"] == nil { p["connect_timeout"] = "5" }
        return p
    }

    /// Opens the monitoring connection and reads who it is; a server that cannot be reached
    /// is `.environment` (exit 3).
    public static func connectMonitor(_ parameters: [String: String]) async throws(ConfgateError) -> PGConnection {
        do { return try await PGConnection.connect(parameters: parameters) } catch {
            throw ConfgateError(.environment, "cannot connect to the watched server: \(error)")
        }
    }

    /// Samples until the duration is over or the task is cancelled. `onUpdate` gets the
    /// record after every sample and probe (for a progress line or a metrics endpoint).
    public func watch(onUpdate: @escaping @Sendable (CanaryRecord) -> Void = { _ in }) async throws(ConfgateError) -> CanaryRecord {
        let connection = try await Self.connectMonitor(monitor)
        let clock = ContinuousClock(), start = clock.now
        let state = RecordBox(CanaryRecord(probeRole: probe?["user"], scrapeURLs: scrape.map(PoolScrape.redacted),
                                           log: log.map { ServerLogWatch(file: $0.path) }))
        @Sendable func seconds() -> Double { Self.seconds(clock.now - start) }
        do {
            let who = try await connection.query("""
                SELECT current_user, rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'USAGE')
                FROM pg_roles WHERE rolname = current_user
                """)
            state.withLock {
                $0.role = who.rows.first?[0] ?? ""
                $0.privileged = who.rows.first?[1] == "t"
            }
            let limits = try await Self.readLimits(connection, at: seconds())
            state.withLock { $0.limits.append(limits) }
        } catch {
            await connection.close()
            throw ConfgateError(.environment, "cannot read the watched server's limits: \(error)")
        }
        let end = start + duration
        let (probe, interval, probeInterval, limitsInterval) = (self.probe, self.interval, self.probeInterval, self.limitsInterval)
        let (scrapeInterval, log) = (self.scrapeInterval, self.log)
        let scraper = scrape.isEmpty ? nil : MetricsScraper()
        await withTaskGroup(of: Bool.self) { group in
            for url in scrape {
                guard let scraper else { break }
                group.addTask {
                    var next = start
                    while next < end, !Task.isCancelled {
                        let result = await scraper.scrape(url, at: seconds())
                        let record = state.withLock { $0.scrapes.append(result); return $0 }
                        onUpdate(record)
                        next = max(next + scrapeInterval, clock.now)  // a slow scrape delays the next, never piles up
                        do { try await Task.sleep(until: min(next, end), clock: clock) } catch { break }
                    }
                    return false
                }
            }
            if let log {
                group.addTask {
                    var tailer = log
                    defer { tailer.close() }
                    @Sendable func read(_ lines: [String], reopened: Int) {
                        guard !lines.isEmpty || reopened != state.withLock({ $0.log?.reopened ?? 0 }) else { return }
                        let at = seconds()
                        let record = state.withLock {
                            $0.log?.read(lines, at: at)
                            $0.log?.reopened = reopened
                            return $0
                        }
                        onUpdate(record)
                    }
                    var next = start
                    while next < end, !Task.isCancelled {
                        read(tailer.poll(), reopened: tailer.reopened)
                        next = next + interval
                        do { try await Task.sleep(until: min(next, end), clock: clock) } catch { break }
                    }
                    read(tailer.poll(), reopened: tailer.reopened)  // what was written up to the end
                    return false
                }
            }
            if let probe {
                group.addTask {
                    var next = start
                    while next < end, !Task.isCancelled {
                        let result = await Self.probeOnce(probe, at: Self.seconds(clock.now - start))
                        let record = state.withLock { $0.probes.append(result); return $0 }
                        onUpdate(record)
                        next = next + probeInterval
                        do { try await Task.sleep(until: min(next, end), clock: clock) } catch { break }
                    }
                    return false
                }
            }
            group.addTask {
                var next = start, nextLimits = start + limitsInterval
                while next < end, !Task.isCancelled {
                    do throws(PGError) {
                        if clock.now >= nextLimits {
                            let limits = try await Self.readLimits(connection, at: seconds())
                            state.withLock { $0.limits.append(limits) }
                            nextLimits = nextLimits + limitsInterval
                        }
                        let sample = try await Self.sample(connection, at: seconds())
                        let record = state.withLock { $0.samples.append(sample); return $0 }
                        onUpdate(record)
                    } catch {
                        state.withLock { $0.failure = "the monitoring connection failed at \(CanaryJudge.seconds(seconds())): \(error)" }
                        break
                    }
                    next = next + interval
                    do { try await Task.sleep(until: next, clock: clock) } catch { break }
                }
                return true
            }
            // Sampling ended (or failed): the probe stops too.
            for await sampling in group where sampling { group.cancelAll() }
        }
        await connection.close()
        scraper?.finish()
        return state.withLock { r in
            if Task.isCancelled { r.interrupted = true }
            return r
        }
    }

    /// One sample: `pg_stat_activity` counted by database, user, application, state and
    /// backend type, with the oldest `idle in transaction` per group.
    static func sample(_ c: PGConnection, at time: Double) async throws(PGError) -> CanarySample {
        let result = try await c.query("""
            SELECT coalesce(datname, ''), coalesce(usename, ''), coalesce(application_name, ''),
                   coalesce(state, ''), coalesce(backend_type, ''), count(*),
                   max(extract(epoch FROM clock_timestamp() - state_change))
                     FILTER (WHERE state LIKE 'idle in transaction%')
            FROM pg_stat_activity GROUP BY 1, 2, 3, 4, 5 ORDER BY 1, 2, 3, 4, 5
            """)
        var groups: [ConnectionGroup] = []
        var oldest: Double?
        for row in result.rows {
            groups.append(ConnectionGroup(database: row[0] ?? "", user: row[1] ?? "", application: row[2] ?? "",
                                          state: row[3] ?? "", backendType: row[4] ?? "", count: Int(row[5] ?? "0") ?? 0))
            if let age = row[6].flatMap(Double.init) { oldest = max(oldest ?? 0, age) }
        }
        return CanarySample(at: time, groups: groups, oldestIdleInTransaction: oldest)
    }

    /// `max_connections`, the reserved slots, and the role and database connection limits.
    static func readLimits(_ c: PGConnection, at time: Double) async throws(PGError) -> ServerLimits {
        let s = try await c.query("""
            SELECT current_setting('max_connections'), current_setting('superuser_reserved_connections'),
                   coalesce(current_setting('reserved_connections', true), '0')
            """)
        let row = s.rows.first ?? []
        let roles = try await c.query("SELECT rolname, rolconnlimit FROM pg_roles WHERE rolcanlogin AND rolconnlimit >= 0")
        let databases = try await c.query("SELECT datname, datconnlimit FROM pg_database WHERE datallowconn AND datconnlimit >= 0")
        func limits(_ r: PGResult) -> [String: Int] {
            Dictionary(r.rows.compactMap { row in (row[1].flatMap { Int($0) }).map { (row[0] ?? "", $0) } }) { a, _ in a }
        }
        return ServerLimits(at: time, maxConnections: Int(row.first.flatMap { $0 } ?? "") ?? 0,
                            superuserReservedConnections: Int(row.count > 1 ? row[1] ?? "" : "") ?? 0,
                            reservedConnections: Int(row.count > 2 ? row[2] ?? "" : "") ?? 0,
                            roleLimits: limits(roles), databaseLimits: limits(databases))
    }

    /// Connects as the service's role and closes at once: admitted, refused (53300), or failed.
    static func probeOnce(_ parameters: [String: String], at time: Double) async -> ProbeResult {
        do {
            let c = try await PGConnection.connect(parameters: parameters)
            await c.close()
            return ProbeResult(at: time, outcome: .ok)
        } catch {
            return ProbeResult(at: time, outcome: error.sqlState == "53300" ? .refused : .failed,
                               sqlState: error.sqlState, message: error.message)
        }
    }

    /// The record shared by the sampling and probing tasks.
    final class RecordBox: Sendable {
        private let mutex: Mutex<CanaryRecord>
        init(_ record: CanaryRecord) { mutex = Mutex(record) }
        func withLock<T>(_ body: (inout CanaryRecord) -> T) -> T { mutex.withLock { body(&$0) } }
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }
}
