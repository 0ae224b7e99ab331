import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// `confgate canary` as a user runs it, watching a scratch PostgreSQL (`confgate postgres`,
/// with the fixtures' max_connections 100 and 3 reserved: usable 97) on which `confgate run
/// --postgres` drives a real fleet. Serialized: each test starts a server and a fleet.
/// Synchronised on output (the server's URL, the run's first progress line), never on time;
/// assertions on exit codes, reasons and counts.
@Suite("confgate canary (real PostgreSQL)", .serialized)
struct CanaryCommandTests {
    static let environment = ["XDG_CACHE_HOME": "/tmp/confgate-test-xdg"]
    static let password = "s3cret-fixture-pw"
    /// 60 samples 50 ms apart (the verdict needs 50), a probe every 500 ms.
    static let short = ["--duration", "3s", "--interval", "50ms", "--probe-interval", "500ms"]

    typealias Child = ConfgateRunner.Child

    /// The scratch server's log file (`server.log` in the directory `confgate postgres` names on stderr).
    static func serverLog(_ server: Child) -> String? {
        server.stderr.firstMatch(of: /directory (\S+), postmaster pid/).map { String($0.1) + "/server.log" }
    }

    /// A scratch server from `confgate postgres`, its superuser URL handed to `body`, stopped after.
    func withServer(_ body: (String, String) async throws -> Void) async throws {
        try await withServer { url, dir, _ in try await body(url, dir) }
    }

    func withServer(_ body: (String, String, Child) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-canary-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let server = try Child(["postgres", "--users", "200", "--settings", "fixtures/outage.conf"], environment: CanaryCommandTests.environment, output: dir + "/postgres")
        do {
            let up = await eventually(within: .seconds(60)) { server.stdout.contains("superuser:") || !server.process.isRunning }
            let line = server.stdout.split(separator: "\n").first { $0.hasPrefix("superuser:") }
            let url = try #require(line.map { String($0.dropFirst("superuser:".count)).trimmingCharacters(in: .whitespaces) },
                                   "no server (up \(up)): \(server.stderr)")
            try await body(url, dir, server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    /// `confgate run --postgres URL` on `settings` for up to a minute, handed to `body` once its
    /// load is running (its first progress line), interrupted after.
    func whileRunning(_ settings: String, url: String, dir: String, _ extra: [String] = [], _ body: (Child) async throws -> Void) async throws {
        let run = try Child(["run", "--settings", settings, "--postgres", url, "--duration", "60s", "--warmup", "1s",
                             "--spike", "off", "--deploy", "off", "--users", "200", "--rate", "100/s"] + extra, environment: CanaryCommandTests.environment, output: dir + "/run")
        do {
            let running = await eventually(within: .seconds(60)) { run.stderr.contains("/61s") || !run.process.isRunning }
            try #require(running && run.process.isRunning, "run did not start: \(run.stdout)\n\(run.stderr)")
            try await body(run)
        } catch {
            await run.stop()
            throw error
        }
        await run.stop()
    }

    func canary(_ arguments: [String]) async throws -> ConfgateRunner.Result {
        try await ConfgateRunner.run(["canary"] + arguments, environment: Self.environment)
    }

    func expectNoPassword(_ r: ConfgateRunner.Result, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!(r.stdout + r.stderr).contains(Self.password), "password in output", sourceLocation: sourceLocation)
    }

    @Test func theOutageIsBlockedWithItsRefusalsAndPeakAndTheHarmlessChangePasses() async throws {
        try await withServer { url, dir in
            try await whileRunning("fixtures/outage.conf", url: url, dir: dir) { _ in
                let reports = dir + "/outage-report"
                let r = try await canary(["--postgres", url, "--settings", "fixtures/outage.conf", "--report-dir", reports] + Self.short)
                #expect(r.status == 1, "\(r.stdout)\n\(r.stderr)")
                #expect(r.stdout.hasPrefix("BLOCKED: exhaustion — connections reached usable: "), "\(r.stdout)")
                #expect(r.stdout.contains("of 97 at"))
                #expect(r.stdout.contains("probe connections as auth (53300)"), "\(r.stdout)")
                #expect(r.stdout.contains("declared steady demand 120 > usable 97"))
                #expect(r.stdout.contains("application auth-service"))
                expectNoPassword(r)
                for file in ["result.json", "summary.txt", "summary.md", "junit.xml", "report.html"] {
                    let text = try String(contentsOfFile: reports + "/" + file, encoding: .utf8)
                    #expect(!text.contains(Self.password), "password in \(file)")
                }
                let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: reports + "/result.json"))) as? [String: Any])
                let budget = try #require(json["budget"] as? [String: Any])
                #expect((budget["peak"] as? Int ?? 0) >= 97)
                #expect(((json["record"] as? [String: Any])?["samples"] as? [Any])?.count ?? 0 >= 50)
            }
            try await whileRunning("fixtures/harmless.conf", url: url, dir: dir) { _ in
                let r = try await canary(["--postgres", url, "--settings", "fixtures/harmless.conf", "--format", "markdown"] + Self.short)
                #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
                #expect(r.stdout.hasPrefix("### ✅ PASS"), "\(r.stdout)")
                #expect(r.stdout.contains("none refused"))
                expectNoPassword(r)
            }
        }
    }

    @Test func anApplicationThatNeverConnectsIsInconclusiveAndCtrlCReportsWhatWasSeen() async throws {
        try await withServer { url, dir in
            let watch = try Child(["canary", "--postgres", url, "--settings", "fixtures/harmless.conf", "--duration", "60s",
                                   "--interval", "50ms"], environment: CanaryCommandTests.environment, output: dir + "/canary")
            let sampling = await eventually(within: .seconds(30)) { watch.stderr.contains("canary ") || !watch.process.isRunning }
            #expect(sampling, "\(watch.stderr)")
            await watch.stop()
            #expect(watch.process.terminationStatus == 3, "\(watch.stdout)\n\(watch.stderr)")
            #expect(watch.stdout.hasPrefix("INCONCLUSIVE: "), "\(watch.stdout)")
            #expect(watch.stdout.contains("interrupted after"))
            #expect(watch.stderr.contains("interrupted; the verdict below covers what was seen"))

            let r = try await canary(["--postgres", url, "--settings", "fixtures/harmless.conf", "--application", "billing",
                                "--format", "json"] + Self.short)
            #expect(r.status == 3, "\(r.stdout)\n\(r.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
            let verdict = try #require(json["verdict"] as? [String: Any])
            #expect(verdict["decision"] as? String == "inconclusive")
            let reasons = (verdict["reasons"] as? [[String: Any]])?.compactMap { $0["message"] as? String } ?? []
            #expect(reasons.contains { $0.hasPrefix("application billing never appeared") }, "\(reasons)")
        }
    }

    /// `--listen`: the canary's live figures at /metrics while it watches, under the names the
    /// shipped rules alert on.
    @Test func canaryListenServesItsFiguresUnderTheRulesNames() async throws {
        try await withServer { url, dir in
            let watch = try Child(["canary", "--postgres", url, "--settings", "fixtures/harmless.conf", "--listen", "127.0.0.1:0",
                                   "--duration", "60s", "--interval", "50ms"], environment: CanaryCommandTests.environment, output: dir + "/canary-listen")
            var metricsURL: String?
            _ = await eventually(within: .seconds(30)) {
                metricsURL = watch.stderr.firstMatch(of: /serving metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/).map { String($0.1) }
                return metricsURL != nil || !watch.process.isRunning
            }
            let address = try #require(metricsURL, "no address on stderr: \(watch.stderr)")
            var samples: [String: Double] = [:]
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline, watch.process.isRunning {
                if let (status, body) = try? await RunVerifyCommandTests.get(address), status == 200 {
                    samples = RunVerifyCommandTests.parse(body)
                    if (samples["confgate_samples_total"] ?? 0) > 0 { break }
                }
                try await Task.sleep(for: .milliseconds(50))
            }
            await watch.stop()
            #expect((samples["confgate_samples_total"] ?? 0) > 0, "\(samples)")
            #expect(samples["confgate_connections_usable"] == 97)
            #expect(samples["confgate_connections_demand{kind=\"steady\"}"] == 90)
            #expect(samples["confgate_refusals_total"] == 0)
            #expect(samples["confgate_verdict"] != nil)
            // The canary's own monitoring session is one of the connections it reports.
            #expect(samples.keys.contains { $0.hasPrefix("confgate_connections{datname=") }, "\(samples.keys.sorted())")
            #expect(!watch.stdout.contains(Self.password) && !watch.stderr.contains(Self.password))
        }
    }

    @Test func anUnreachableServerIsInconclusive() async throws {
        let r = try await canary(["--postgres", "postgresql://auth:\(Self.password)@127.0.0.1:1/auth", "--settings", "fixtures/harmless.conf"] + Self.short)
        #expect(r.status == 3, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stderr.contains("cannot connect to the watched server"))
        expectNoPassword(r)
    }

    @Test func badInputIsExitTwoBeforeConnecting() async throws {
        let settings = ["--settings", "fixtures/harmless.conf"]
        for args in [["--postgres", "postgresql://x@127.0.0.1:1/x", "--duration", "0"] + settings,
                     ["--postgres", "postgresql://x@127.0.0.1:1/x", "--interval", "10"] + settings,
                     ["--postgres", "postgresql://x@127.0.0.1:1/x", "--no-such-flag"] + settings,
                     ["--postgres", "postgresql://postgres:Top%ZZSecret@localhost/db"] + settings,
                     ["--postgres", "postgresql://x@127.0.0.1:1/x", "--scrape", "file:///etc/hostname"] + settings,
                     ["--postgres", "postgresql://x@127.0.0.1:1/x", "--scrape", "auth-1:8080/metrics"] + settings,
                     ["--postgres", "postgresql://x@127.0.0.1:1/x", "--scrape-interval", "0"] + settings,
                     ["--postgres", "postgresql://x@127.0.0.1:1/x", "--log", "/nonexistent/server.log"] + settings] {
            let r = try await canary(args)
            #expect(r.status == 2, "\(args): \(r.stderr)")
            #expect(!r.stderr.contains("ZZSecret"))
        }
    }
}

/// Polls `condition` every 20 ms until it holds or `deadline` passes.
private func eventually(within deadline: Duration, _ condition: () -> Bool) async -> Bool {
    let end = ContinuousClock.now + deadline
    while ContinuousClock.now < end {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
