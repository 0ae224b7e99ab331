import Foundation
import Testing

/// `monitoring/confgate.rules.yml` checked and unit-tested by Prometheus' own promtool
/// (Debian package `prometheus`, installed by `.ci/run`): the hand-written tests and the
/// series recorded from real `confgate run --listen` runs (scripts/record-metrics-series.py).
@Suite struct PromtoolRulesTests {
    static let packageRoot: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    static let promtool: String? = ["/usr/bin/promtool", "/usr/local/bin/promtool"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    static func promtool(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(promtool))
        process.arguments = arguments
        process.currentDirectoryURL = packageRoot
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test(.enabled(if: promtool != nil, "promtool is not installed (Debian package prometheus; .ci/run installs it)"))
    func theRulesPassPromtoolCheck() throws {
        let result = try Self.promtool(["check", "rules", "monitoring/confgate.rules.yml"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("SUCCESS: 4 rules found"), "\(result.output)")
    }

    @Test(.enabled(if: promtool != nil, "promtool is not installed (Debian package prometheus; .ci/run installs it)"),
          arguments: ["rules.test.yml", "outage-run.test.yml", "harmless-run.test.yml"])
    func theRuleTestsPass(_ file: String) throws {
        let result = try Self.promtool(["test", "rules", "monitoring/tests/\(file)"])
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("SUCCESS"), "\(result.output)")
    }

    /// The recorded tests are runs, not hand-written series: each says how it was made, and
    /// the outage's expects every alert of the connection budget to fire.
    @Test func theRecordedTestsComeFromRealRuns() throws {
        let outage = try String(contentsOf: Self.packageRoot.appendingPathComponent("monitoring/tests/outage-run.test.yml"), encoding: .utf8)
        #expect(outage.contains("recorded by scripts/record-metrics-series.py"))
        #expect(outage.contains("confgate run --settings fixtures/outage.conf"))
        for alert in ["DatabaseConnectionsAtUsable", "DatabaseConnectionsAbove80Percent", "DatabaseConnectionsRefused"] {
            #expect(outage.contains("alertname: \(alert)\n        exp_alerts:\n          - exp_labels"), "\(alert) expected to fire")
        }
        let harmless = try String(contentsOf: Self.packageRoot.appendingPathComponent("monitoring/tests/harmless-run.test.yml"), encoding: .utf8)
        #expect(harmless.contains("confgate run --settings fixtures/harmless.conf"))
    }
}
