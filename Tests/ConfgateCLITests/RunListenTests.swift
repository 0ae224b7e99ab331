import Foundation
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
#if canImport(Glibc)
import Glibc
#endif

/// `confgate run --listen` (issue #14): the outage's pools served under HikariCP's names while
/// it runs, fetched with a plain HTTP client. In the serialized run/verify suite: it starts a
/// server and a fleet too.
extension RunVerifyCommandTests {
    @Test func runListenServesTheOutagesPoolsUnderHikariCPNames() async throws {
        try await withTemporaryDirectory { dir in
            let run = try ConfgateRunner.Child(
                ["run", "--settings", "fixtures/outage.conf", "--deploy", "off", "--listen", "127.0.0.1:0",
                 "--duration", "4s", "--warmup", "1s", "--spike", "off", "--users", "500"],
                environment: Self.environment, output: dir + "/run")
            let process = run.process
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let stderr = { run.stderr }

            // The bound address, printed on stderr before the server starts.
            var url: String?
            _ = await eventually(within: .seconds(30)) {
                url = stderr().firstMatch(of: /serving metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/).map { String($0.1) }
                return url != nil
            }
            let metricsURL = try #require(url, "no address on stderr: \(stderr())")

            // Scrape until five pools are up (the sixth does not start), every poll bounded.
            var samples: [String: Double] = [:]
            let deadline = ContinuousClock.now + .seconds(60)
            while ContinuousClock.now < deadline, process.isRunning {
                if let (status, body) = try? await Self.get(metricsURL), status == 200 {
                    samples = Self.parse(body)
                    let pools = samples.keys.filter { $0.hasPrefix("hikaricp_connections_max{") }.count
                    if pools == 5, samples["confgate_connections_usable"] != nil, samples.keys.contains(where: { $0.hasPrefix("confgate_connections{") }) { break }
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            for n in 1...5 {
                let pool = "{pool=\"auth-service-\(n)\"}"
                #expect(samples["hikaricp_connections_max\(pool)"] == 20, "\(samples)")
                #expect(samples["hikaricp_connections_min\(pool)"] == 20)
                let total = try #require(samples["hikaricp_connections\(pool)"])
                let active = try #require(samples["hikaricp_connections_active\(pool)"])
                let idle = try #require(samples["hikaricp_connections_idle\(pool)"])
                #expect(total == active + idle && total <= 20)
                #expect(samples["hikaricp_connections_pending\(pool)"] != nil)
                #expect(samples["hikaricp_connections_timeout_total\(pool)"] != nil)
                #expect(samples["hikaricp_connections_acquire_seconds_count\(pool)"] != nil)
            }
            #expect(samples[#"hikaricp_connections_max{pool="auth-service-6"}"#] == nil, "the sixth instance did not start")
            #expect(samples["confgate_connections_usable"] == 97)
            #expect(samples["confgate_refusals_total", default: 0] > 0, "the sixth instance's first connection was refused")
            let server = samples.filter { $0.key.hasPrefix("confgate_connections{application_name=\"auth-service-") }.values.reduce(0, +)
            #expect(server > 0 && server <= 97)

            let base = metricsURL.replacingOccurrences(of: "/metrics", with: "")
            #expect(try await Self.get(base + "/").0 == 404)
            #expect(try await Self.get(base + "/metrics", method: "POST").0 == 405)

            let exited = await eventually(within: .seconds(60)) { !process.isRunning }
            try #require(exited, "the run did not end")
            #expect(process.terminationStatus == 0 || stderr().contains("fell behind"), "\(stderr())")
            // Served only while the run lasts.
            if let after = try? await Self.get(metricsURL) { Issue.record("still served after the run: \(after.0)") }
        }
    }

    static func get(_ url: String, method: String = "GET") async throws -> (Int, String) {
        var request = URLRequest(url: URL(string: url)!, timeoutInterval: 5)
        request.httpMethod = method
        let session = URLSession(configuration: .ephemeral)
        defer { session.finishTasksAndInvalidate() }
        let (data, response) = try await session.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, String(decoding: data, as: UTF8.self))
    }

    /// Samples of the Prometheus text format by `name{labels}` as written.
    static func parse(_ text: String) -> [String: Double] {
        var samples: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }
}
