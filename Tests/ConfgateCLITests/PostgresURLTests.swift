import Foundation
import Testing

/// `--postgres URL` as a user passes it: a URL libpq rejects is bad input, and no output
/// quotes its password (libpq's reason names the token it choked on, here the password).
@Suite("confgate --postgres URL")
struct PostgresURLTests {
    static let url = "postgresql://postgres:Top%ZZSecret@localhost/db"
    static let secret = "ZZSecret"

    @Test func runWithAURLLibpqRejectsIsExitTwoAndNeverShowsThePassword() async throws {
        let result = try await ConfgateRunner.run(["run", "--settings", "fixtures/current.conf", "--postgres", Self.url])
        #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("--postgres: invalid percent-encoded token"), "\(result.stderr)")
        #expect(!result.stdout.contains(Self.secret), "password in stdout: \(result.stdout)")
        #expect(!result.stderr.contains(Self.secret), "password in stderr: \(result.stderr)")
    }

    @Test func verifyWithAURLLibpqRejectsIsExitTwoAndNeverShowsThePassword() async throws {
        let result = try await ConfgateRunner.run([
            "verify", "--current", "fixtures/current.conf", "--proposed", "fixtures/current.conf", "--quick",
            "--postgres", Self.url,
        ])
        #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stderr.contains("--postgres: invalid percent-encoded token"), "\(result.stderr)")
        #expect(!result.stdout.contains(Self.secret), "password in stdout: \(result.stdout)")
        #expect(!result.stderr.contains(Self.secret), "password in stderr: \(result.stderr)")
    }
}
