import ConfgateCore
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress on stderr: a live status line on a terminal, a plain line every few seconds
/// otherwise (CI logs).
final class Progress: Sendable {
    let label: String
    let total: Double
    let usable: Int
    let live: Bool
    private let state = Mutex<(lastPrinted: Double, failures: Int, rate: Int)>((-10, 0, 0))

    init(label: String, totalSeconds: Double, usable: Int) {
        self.label = label
        self.total = totalSeconds
        self.usable = usable
        live = isatty(STDERR_FILENO) != 0
    }

    /// Called by the driver once per 100 ms tick.
    func update(_ point: TimelinePoint, _ elapsed: Duration, label: String? = nil) {
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let failures = point.outcomes.failures
        let line: String? = state.withLock { s in
            s.failures += failures
            s.rate = point.started * 10
            guard live || seconds - s.lastPrinted >= 5 else { return nil }
            s.lastPrinted = seconds
            let p99 = point.p99.map { String(format: "%.1fms", Double($0) / 1000) } ?? "-"
            let usableText = self.usable > 0 ? "/\(self.usable)" : ""
            return "\(label ?? self.label) \(point.phase.rawValue) \(String(format: "%.0f/%.0fs", seconds, total)) rate \(s.rate)/s p99 \(p99) conns \(point.serverConnections)\(usableText) failures \(s.failures)"
        }
        guard let line else { return }
        Terminal.writeError(live ? "\r\u{1B}[K" + line : line + "\n")
    }

    /// Ends the live line.
    func finish() {
        if live { Terminal.writeError("\r\u{1B}[K") }
    }
}
