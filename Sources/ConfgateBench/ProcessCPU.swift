import Foundation

/// CPU time of another process (the benchmarks' `pgbouncer`), from `/proc/PID/stat`: its
/// `utime` and `stime`, all its threads, none of its children. Used where `getrusage` cannot
/// see the process (PgBouncer runs under the scratch server's watchdog, not reaped until it
/// stops).
enum ProcessCPU {
    /// User + system seconds of `pid` so far; NaN when it cannot be read.
    static func seconds(pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return .nan }
        return seconds(stat: text, ticksPerSecond: Double(sysconf(Int32(_SC_CLK_TCK))))
    }

    /// Reads a `/proc/PID/stat` line: fields 14 and 15 (`utime`, `stime`, in clock ticks),
    /// counted after the parenthesised command name, which may itself hold spaces.
    static func seconds(stat: String, ticksPerSecond: Double) -> Double {
        guard let close = stat.lastIndex(of: ")") else { return .nan }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is the state (field 3), so utime (14) and stime (15) are at 11 and 12.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]), ticksPerSecond > 0
        else { return .nan }
        return (user + system) / ticksPerSecond
    }
}
