import Foundation
import Testing

/// Every command, hidden ones included, parses its own options: `--help` exits 0 and shows
/// its usage. Two options of the same name (a command's own and a shared option group's)
/// fail here, before a user meets them.
@Suite("every command's --help")
struct HelpTests {
    @Test(arguments: ["verify", "canary", "tune", "report", "diff", "lint", "init", "run", "postgres", "bench-login", "bench-pooler"])
    func helpParses(_ command: String) async throws {
        let result = try await ConfgateRunner.run([command, "--help"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("USAGE: confgate \(command)"), "\(result.stdout)")
        #expect(!result.stderr.contains("Validation failed"))
    }
}
