import Foundation

/// The summary of one run as a person reads it at a glance (`confgate run`).
public enum RunText {
    public static func render(_ result: RunResult) -> String {
        let s = result.summary
        var lines: [String] = []
        let title = result.settings.file ?? "settings"
        lines.append("confgate run: \(title)\(s.complete ? "" : "  [INCOMPLETE: interrupted]")")
        lines.append("")
        let total = s.outcomes.reduce(0) { $0 + $1.count }
        lines.append("logins      \(s.completed) completed of \(s.scheduled) scheduled, \(format(s.throughput)) /s over \(format(s.measuredSeconds)) s measured")
        for tally in s.outcomes {
            let share = total > 0 ? Double(tally.count) * 100 / Double(total) : 0
            let phases = Phase.allCases.compactMap { p in tally.byPhase[p].map { "\(p.rawValue) \($0)" } }.joined(separator: ", ")
            let mark = tally.outcome.kind.isFailure ? "  FAILED" : ""
            lines.append("  \(pad(tally.outcome.description, 22)) \(pad(String(tally.count), 8)) \(pad(String(format: "%.1f%%", share), 7)) [\(phases)]\(mark)")
        }
        let l = s.latency
        lines.append("latency     p50 \(ms(l.p50))  p90 \(ms(l.p90))  p99 \(ms(l.p99))  p99.9 \(ms(l.p999))  max \(ms(l.max))  (from scheduled start)")
        if let phases = s.latencyByPhase, phases.count > 1 {
            for p in phases {
                lines.append("  \(pad(p.phase.rawValue, 10)) p50 \(ms(p.latency.p50))  p99 \(ms(p.latency.p99))  max \(ms(p.latency.max))  (\(p.latency.count) logins)")
            }
        }
        let share = s.usable > 0 ? Double(s.peakServerConnections) * 100 / Double(s.usable) : 0
        lines.append("server      peak \(s.peakServerConnections)/\(s.usable) usable connections (\(String(format: "%.0f%%", share))) at \(format(Double(s.peakServerConnectionsAt) / 1e6)) s")
        let byPooler = Set(PoolerRefusal.allCases.map(\.rawValue))
        let serverRefusals = s.connectFailures.filter { !byPooler.contains($0.key) }
        let poolerRefusals = s.connectFailures.filter { byPooler.contains($0.key) }
        if !serverRefusals.isEmpty {
            let refused = serverRefusals.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
            lines.append("            connection attempts refused: \(refused)")
        }
        if let waiting = s.poolerPeakWaiting, let held = s.poolerPeakServerConnections {
            lines.append("pooler      peak \(held) server connections, peak \(waiting) clients waiting for one")
            if !poolerRefusals.isEmpty {
                let refused = poolerRefusals.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", ")
                lines.append("            pool connection attempts refused by the pooler: \(refused)")
            }
        }
        for failure in s.instancesNotStarted ?? [] {
            lines.append("fleet       \(failure.sentence)")
        }
        lines.append("pools       peak \(s.peakPending) requests waiting for a connection")
        lines.append("driver      schedule lag p50 \(ms(s.lag.p50))  p99 \(ms(s.lag.p99))  max \(ms(s.lag.max))")
        for note in s.notes { lines.append("note: \(note)") }
        return lines.joined(separator: "\n") + "\n"
    }

    static func ms(_ micros: Int64) -> String {
        micros >= 100_000 ? String(format: "%.0fms", Double(micros) / 1e3) : String(format: "%.1fms", Double(micros) / 1e3)
    }

    static func format(_ x: Double) -> String { String(format: x >= 100 ? "%.0f" : "%.1f", x) }

    static func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
