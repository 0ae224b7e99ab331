import Foundation
import Testing

/// `confgate tune` (issue #17) as a user runs it: the arithmetic edges on the fixtures (no
/// server), a rate no pool can serve (exit 1, no server), and one short real search whose
/// written recommendation `verify --quick` then passes.
///
/// Serialized and short: the search runs 1 s phases with no spike and one round per full step,
/// so its lower edge is a smoke test, not a measurement; what is asserted exactly is the
/// arithmetic and today's place. Exit 3 with "fell behind" (a busy shared machine) is accepted
/// as the environment's failure, as in `RunVerifyCommandTests`.
@Suite("confgate tune", .serialized)
struct TuneCommandTests {
    static let environment = ["XDG_CACHE_HOME": "/tmp/confgate-test-xdg"]
    static let short = ["--duration", "1s", "--warmup", "1s", "--spike", "off", "--users", "500", "--trials", "1"]

    func confgate(_ arguments: [String]) async throws -> ConfgateRunner.Result {
        try await ConfgateRunner.run(arguments, environment: Self.environment)
    }

    func fellBehind(_ result: ConfgateRunner.Result) -> Bool {
        result.status == 3 && (result.stdout + result.stderr).contains("fell behind")
    }

    @Test func theArithmeticEdgesOfCurrentConfAndWhereTodaySits() async throws {
        let result = try await confgate(["tune", "--settings", "fixtures/current.conf", "--arithmetic-only"])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "max_size at most 16 fits (6 × 16 = 96 ≤ 97), at most 14 keeps the 90% utilization headroom (6 × 14 = 84 ≤ 87.3); the lower edge needs trials (run without --arithmetic-only)")
        #expect(lines.contains("today: max_size 15 fits but is above the 90% utilization edge 14 (6 × 15 = 90 > 87.3)"))
        #expect(lines.contains("  hard upper edge       16        6 × 16 = 96 ≤ 97 usable"))
        #expect(lines.contains("  90% utilization edge  14        6 × 14 = 84 ≤ 87.3 (90% of 97)"))
    }

    @Test func aRateNoPoolCanServeExitsOneWithTheReason() async throws {
        let result = try await confgate(["tune", "--settings", "fixtures/tune/small-server.conf", "--gate", "fixtures/tune/busy.gate"])
        #expect(result.status == 1)
        #expect(result.stdout.hasPrefix("no safe max_size: the rate needs more connections than the server allows: 2000/s × 3 spike = 6000 logins/s × 5ms = 30.0 connections busy at least (Little's law), but the largest pool.max_size that fits, 2, gives the fleet 12 (6 × 2 = 12 ≤ 17)"))
        #expect(!result.stdout.contains("s3cret-fixture-pw"))
        let json = try await confgate(["tune", "--settings", "fixtures/tune/small-server.conf", "--gate", "fixtures/tune/busy.gate", "--format", "json"])
        #expect(json.status == 1)
        #expect(json.stdout.contains("\"littleMinimum\" : 5"))
        #expect(!json.stdout.contains("s3cret-fixture-pw"))
    }

    @Test func aSearchOnCurrentConfFindsARangeUpTo16AndItsRecommendationPassesVerify() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-tune-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let written = directory.appendingPathComponent("recommended.conf").path
        let result = try await confgate(["tune", "--settings", "fixtures/current.conf", "--write", written] + Self.short)
        if fellBehind(result) { return }
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        guard result.status == 0 else { return }
        let first = result.stdout.split(separator: "\n").first.map(String.init) ?? ""
        #expect(first.hasPrefix("max_size "))
        #expect(first.contains("…16 is safe for 400 logins/s (6 × 16 = 96 ≤ 97)"))
        #expect(first.contains("above 16, the server refuses connections (53300): 6 × 17 = 102 > 97 usable"))
        #expect(result.stdout.contains("today: max_size 15 is inside the safe range but above the 90% utilization edge 14 (6 × 15 = 90 > 87.3)"))
        #expect(result.stdout.contains("recommended: max_size "))
        // The written file: current.conf with one value changed, its comment kept.
        let text = try String(contentsOfFile: written, encoding: .utf8)
        let original = try String(contentsOf: ConfgateRunner.packageRoot.appendingPathComponent("fixtures/current.conf"), encoding: .utf8)
        let changed = zip(text.split(separator: "\n", omittingEmptySubsequences: false), original.split(separator: "\n", omittingEmptySubsequences: false)).filter { $0 != $1 }
        #expect(changed.count == 1)
        #expect(changed.first?.0.hasSuffix("# min_idle unset: a fixed-size pool, as HikariCP recommends") == true)
        let verify = try await confgate(["verify", "--current", "fixtures/current.conf", "--proposed", written, "--quick",
                                   "--duration", "2s", "--warmup", "1s", "--spike", "3x for 1s", "--users", "500"])
        #expect(verify.status == 0 || fellBehind(verify), "\(verify.stdout)\n\(verify.stderr)")
    }
}
