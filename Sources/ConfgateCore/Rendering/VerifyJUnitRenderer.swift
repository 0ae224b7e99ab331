/// `verify`'s verdict as JUnit XML, for CI systems that show test reports: one test case
/// per check (exhaustion, each latency judgement, rules, environment), failed when it blocks.
public enum VerifyJUnitRenderer {
    public static func render(_ r: VerifyResult) -> String {
        let v = r.verdict
        var cases: [(name: String, failure: String?, error: String?)] = []
        let exhaustion = v.reasons.filter { $0.kind == .exhaustion }
        cases.append(("exhaustion", exhaustion.isEmpty ? nil : exhaustion.map(\.message).joined(separator: "\n"), nil))
        for metric in v.latency.isEmpty ? ["p50", "p99"] : v.latency.map(\.metric) {
            let c = v.latency.first { $0.metric == metric }
            let failure = c.flatMap { $0.regressed ? v.reasons.first { $0.kind == .latency && $0.message.hasPrefix(metric + " ") }?.message : nil }
            cases.append(("latency \(metric)", failure, nil))
        }
        let rules = v.reasons.filter { $0.kind == .rule }
        cases.append(("lint rules", rules.isEmpty ? nil : rules.map(\.message).joined(separator: "\n"), nil))
        let env = v.reasons.filter { $0.kind == .environment }
        cases.append(("environment", nil, env.isEmpty ? nil : env.map(\.message).joined(separator: "\n")))
        let failures = cases.filter { $0.failure != nil }.count, errors = cases.filter { $0.error != nil }.count
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuites name=\"confgate verify\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\">\n"
        xml += "  <testsuite name=\"\(escape(r.proposed.file))\" tests=\"\(cases.count)\" failures=\"\(failures)\" errors=\"\(errors)\">\n"
        for c in cases {
            xml += "    <testcase classname=\"confgate.verify\" name=\"\(escape(c.name))\""
            if let f = c.failure {
                xml += ">\n      <failure message=\"\(escape(v.headline))\">\(escape(f))</failure>\n    </testcase>\n"
            } else if let e = c.error {
                xml += ">\n      <error message=\"inconclusive\">\(escape(e))</error>\n    </testcase>\n"
            } else {
                xml += "/>\n"
            }
        }
        xml += "    <system-out>\(escape(v.headline))</system-out>\n  </testsuite>\n</testsuites>\n"
        return xml
    }

    /// XML-safe text: the same escaping as the HTML report's (`&#39;` is valid XML too).
    static func escape(_ s: String) -> String { HTML.escape(s) }
}
