/// The Prometheus text format 0.0.4 that swift-prometheus writes, rewritten as OpenMetrics
/// 1.0 for a scraper that asks for it (`Accept: application/openmetrics-text`):
/// - a counter's family is named without its `_total` suffix (`# TYPE confgate_refusals
///   counter`, sample `confgate_refusals_total`), as OpenMetrics requires;
/// - a counter whose samples do not end in `_total` (HikariCP's
///   `hikaricp_connections_acquire_seconds_count` and `_sum`, which Micrometer publishes as
///   a summary's parts) becomes type `unknown`, which OpenMetrics allows any sample name for;
/// - the exposition ends with `# EOF`.
/// Gauges and everything else pass unchanged.
public enum OpenMetricsText {
    /// The content type of what `convert` returns.
    public static let contentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

    public static func convert(_ text: String) -> String {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var counters: Set<String> = []
        for line in lines {
            let f = line.split(separator: " ", maxSplits: 3)
            if f.count == 4, f[0] == "#", f[1] == "TYPE", f[3] == "counter" { counters.insert(String(f[2])) }
        }
        var out: [String] = []
        for line in lines where !line.isEmpty {
            let f = line.split(separator: " ", maxSplits: 3, omittingEmptySubsequences: false)
            guard f.count >= 3, f[0] == "#", f[1] == "TYPE" || f[1] == "HELP", counters.contains(String(f[2])) else {
                out.append(line)
                continue
            }
            let name = String(f[2])
            let rest = f.count == 4 ? String(f[3]) : ""
            if name.hasSuffix("_total") {
                out.append("# \(f[1]) \(name.dropLast("_total".count)) \(rest)")
            } else {
                out.append("# \(f[1]) \(name) \(f[1] == "TYPE" ? "unknown" : rest)")
            }
        }
        return out.joined(separator: "\n") + "\n# EOF\n"
    }

    /// Whether an `Accept` header asks for OpenMetrics (at any quality above 0).
    public static func asked(_ accept: String?) -> Bool {
        guard let accept else { return false }
        return accept.split(separator: ",").contains { part in
            let fields = part.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            guard fields.first == "application/openmetrics-text" else { return false }
            return !fields.contains { $0.hasPrefix("q=") && Double($0.dropFirst(2)) == 0 }
        }
    }
}
