import ConfgateCore
import Foundation

/// `confgate run --schedule-out FILE` (hidden): the exact arrival schedule a run drives, with
/// the settings a second load driver needs to reproduce it, for the HikariCP conformance
/// harness (`conformance/hikaricp/`). Plain text so a small Java program reads it without a
/// JSON library:
///
/// ```
/// # confgate schedule 1
/// # instances=6
/// # max_size=15
/// …
/// offset_us,user,bad_password,phase
/// 1843,4117,0,warmup
/// ```
///
/// `# key=value` lines first (durations in the unit their name ends with; a duration left
/// unset is `-1`), then a header, then one line per arrival in schedule order. The pool keys
/// are the main pool's; each `[pool.NAME]` follows with its own under `pool.NAME.`
/// (`# pool.replica.max_size=5`, `min_idle`, `acquire_timeout_ms`, `idle_timeout_ms`,
/// `max_lifetime_ms`), which a harness that drives only the main pool skips.
enum ScheduleFile {
    static func render(settings: Settings, load: GateSettings.Load, plan: LoadPlan) -> String {
        func ms(_ d: SettingDuration?) -> String { d.map { String($0.microseconds / 1_000) } ?? "-1" }
        func pool(_ p: Settings.Pool, _ prefix: String) -> [(String, String)] {
            [(prefix + "max_size", String(p.maxSize)),
             (prefix + "min_idle", String(p.effectiveMinIdle)),
             (prefix + "acquire_timeout_ms", ms(p.acquireTimeout)),
             (prefix + "idle_timeout_ms", ms(p.idleTimeout)),
             (prefix + "max_lifetime_ms", ms(p.maxLifetime))]
        }
        let f = settings.fleet, db = settings.database
        let header: [(String, String)] = [
            ("instances", String(f.instances)),
            ("processes", String(f.processes)),
        ] + pool(settings.pool, "") + [
            ("request_timeout_ms", ms(f.requestTimeout)),
            ("connect_timeout_ms", ms(db.connectTimeout)),
            ("statement_timeout_ms", ms(db.statementTimeout)),
            ("idle_in_transaction_session_timeout_ms", ms(db.idleInTransactionSessionTimeout)),
            ("application_name", db.dsn?["application_name"].flatMap { $0.isEmpty ? nil : $0 } ?? "auth-service"),
            ("db_time_us", String(load.dbTime.microseconds)),
            ("warmup_us", String(plan.warmup)),
            ("total_us", String(plan.total)),
            ("arrivals", String(plan.arrivals.count)),
        ] + settings.namedPools.flatMap { pool($0.pool, "pool.\($0.name).") }
        var text = "# confgate schedule 1\n"
        for (key, value) in header { text += "# \(key)=\(value)\n" }
        text += "offset_us,user,bad_password,phase\n"
        text.reserveCapacity(text.utf8.count + plan.arrivals.count * 24)
        for a in plan.arrivals {
            text += "\(a.offset),\(a.user),\(a.badPassword ? 1 : 0),\(a.phase.rawValue)\n"
        }
        return text
    }

    static func write(settings: Settings, load: GateSettings.Load, plan: LoadPlan, to path: String) throws {
        do {
            try render(settings: settings, load: load, plan: plan).write(toFile: path, atomically: true, encoding: .utf8)
        } catch {
            throw ConfgateError(.badInput, "cannot write \(path): \(error.localizedDescription)")
        }
    }
}
