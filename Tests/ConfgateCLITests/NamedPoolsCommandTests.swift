import Foundation
import Testing

/// Named pools (`[pool.NAME]`, issue #12 item 2) as a user meets them: `diff` and `lint`
/// count every pool, and `run` opens each instance's named pools on the scratch server, where
/// they hold their connections beside the main pool's. Serialized and short, as
/// RunVerifyCommandTests are: 1 s warmup, 2 s measured, no spike, no deploy, 500 users.
@Suite("Named pools on the command line (real PostgreSQL for run)", .serialized)
struct NamedPoolsCommandTests {
    static let environment = ["XDG_CACHE_HOME": "/tmp/confgate-test-xdg"]
    static let short = ["--duration", "2s", "--warmup", "1s", "--spike", "off", "--users", "500", "--deploy", "off"]
    static let current = "fixtures/named-pools/current.conf"
    static let proposed = "fixtures/named-pools/proposed.conf"

    @Test func diffShowsTheReplicaPoolsLinesAndLintBlocksOnTheSum() async throws {
        let diff = try await ConfgateRunner.run(["diff", "--current", Self.current, "--proposed", Self.proposed])
        #expect(diff.status == 0, "\(diff.stderr)")
        #expect(diff.stdout.contains("pool.replica.max_size   5 → 10"), "\(diff.stdout)")
        #expect(diff.stdout.contains("steady demand 150 (6 instances × max_size (pool 15 + replica 10)) exceeds usable 127 by 23"))

        let lint = try await ConfgateRunner.run(["lint", Self.proposed])
        #expect(lint.status == 1)
        #expect(lint.stdout.contains("\(Self.proposed):9:1: error[CG101]: steady demand 6 × (15 + 10) = 150 > usable 127"), "\(lint.stdout)")
        #expect(try await ConfgateRunner.run(["lint", Self.current]).status == 0)
    }

    /// Every instance holds its main pool (15) and its replica pool (5), both fixed-size: the
    /// server sees 6 × (15 + 5) = 120 of the fleet's connections, the replica ones under
    /// `auth-service-N/replica`, and the timeline shows each replica pool.
    @Test func runHoldsEveryInstancesReplicaPoolOnTheServer() async throws {
        try await withTemporaryDirectory { dir in
            let output = dir + "/run.json"
            let result = try await ConfgateRunner.run(
                ["run", "--settings", Self.current, "--output", output] + Self.short, environment: Self.environment)
            #expect(result.status == 0 || (result.status == 3 && result.stderr.contains("fell behind")), "\(result.stderr)")
            #expect(!(result.stdout + result.stderr).contains("s3cret-fixture-pw"))
            guard result.status == 0 else { return }
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any])
            let summary = try #require(json["summary"] as? [String: Any])
            #expect(summary["peakServerConnections"] as? Int == 120)
            #expect(summary["instancesNotStarted"] == nil)
            let timeline = try #require(json["timeline"] as? [[String: Any]])
            let last = try #require(timeline.last)
            let pools = try #require(last["pools"] as? [[String: Any]])
            let replicas = pools.filter { ($0["instance"] as? String)?.hasSuffix("/replica") == true }
            #expect(replicas.count == 6 && replicas.allSatisfy { $0["total"] as? Int == 5 }, "\(pools)")
            let server = try #require(last["server"] as? [[String: Any]])
            let onServer = server.filter { ($0["application"] as? String)?.hasSuffix("/replica") == true }
                .reduce(0) { $0 + ($1["count"] as? Int ?? 0) }
            #expect(onServer == 6 * 5, "\(server)")
        }
    }

    /// The proposed replica pools need 150 of 127: the sixth instance's pools are refused at
    /// start (HikariCP's fail-fast start), so it does not start; the five that did hold
    /// 5 × (15 + 10) = 125 (the sixth's few connections before the refusal come and go
    /// between two 100 ms samples, so the peak is 125 to 127).
    @Test func runOnTheProposedSideLeavesTheLastInstanceUnstarted() async throws {
        try await withTemporaryDirectory { dir in
            let output = dir + "/run.json"
            let result = try await ConfgateRunner.run(
                ["run", "--settings", Self.proposed, "--output", output] + Self.short, environment: Self.environment)
            #expect(result.status == 0 || (result.status == 3 && result.stderr.contains("fell behind")), "\(result.stderr)")
            guard result.status == 0 else { return }
            #expect(result.stdout.contains("auth-service-6 did not start: its first connection was refused (53300)"), "\(result.stdout)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output))) as? [String: Any])
            let summary = try #require(json["summary"] as? [String: Any])
            let peak = try #require(summary["peakServerConnections"] as? Int)
            #expect((125...127).contains(peak), "peak \(peak)")
            #expect(((summary["connectFailures"] as? [String: Int]) ?? [:])["53300", default: 0] > 0)
        }
    }

    private func withTemporaryDirectory(_ body: (String) async throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-named-pools-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await body(dir)
    }
}
