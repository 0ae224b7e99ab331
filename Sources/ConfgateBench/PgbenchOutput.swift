import ConfgateCore
import Foundation

/// The figures of pgbench's summary this benchmark reads.
struct PgbenchOutput: Equatable {
    var tps: Double?
    var processed: Int?
    var failed: Int?
    var duration: Double?

    init(tps: Double?, processed: Int?, failed: Int?, duration: Double?) {
        self.tps = tps
        self.processed = processed
        self.failed = failed
        self.duration = duration
    }

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            let l = line.trimmingCharacters(in: .whitespaces)
            if l.hasPrefix("tps = "), l.contains("without initial connection time") {
                tps = Double(l.dropFirst(6).prefix { $0 != " " })
            } else if l.hasPrefix("number of transactions actually processed: ") {
                processed = Int(l.dropFirst(43).prefix { $0.isNumber })
            } else if l.hasPrefix("number of failed transactions: ") {
                failed = Int(l.dropFirst(31).prefix { $0.isNumber })
            } else if l.hasPrefix("duration: ") {
                duration = Double(l.dropFirst(10).prefix { $0.isNumber || $0 == "." })
            }
        }
    }
}

/// pgbench's per-transaction log (`-l --log-prefix P`: one file per thread, `P.PID` and
/// `P.PID.N`), read for latency percentiles: pgbench's summary has only the average. Each
/// line is `client_id transaction_no time script_no time_epoch time_us [schedule_lag]`, with
/// `time` the transaction's latency in microseconds, or `failed` / `skipped` instead of a
/// number (PostgreSQL 15's pgbench); those lines are counted, not recorded.
struct PgbenchLatencyLog {
    var histogram = LatencyHistogram.latency()
    /// Lines whose `time` was not a latency (`failed`, `skipped`) or that did not parse.
    var unrecorded = 0

    init() {}

    init(_ text: String) { add(text) }

    mutating func add(_ text: String) {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", maxSplits: 3)
            guard fields.count >= 3, let micros = UInt64(fields[2]) else {
                unrecorded += 1
                continue
            }
            _ = histogram.record(max(micros, 1))
        }
    }

    /// Reads every file in `directory` whose name starts with `prefix` (the threads' logs).
    static func read(directory: String, prefix: String) -> PgbenchLatencyLog {
        var log = PgbenchLatencyLog()
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        for name in names.sorted() where name.hasPrefix(prefix) {
            if let text = try? String(contentsOfFile: directory + "/" + name, encoding: .utf8) { log.add(text) }
        }
        return log
    }
}
