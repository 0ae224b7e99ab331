import Foundation
import Testing

@Suite("confgate lint, run as a user runs it")
struct LintCommandTests {
    @Test func theOutageFailsWithCG101AtMaxSizeAndTheArithmetic() async throws {
        let r = try await ConfgateRunner.run(["lint", "fixtures/outage.conf"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("fixtures/outage.conf:9:1: error[CG101]: steady demand 6 × 20 = 120 > usable 97"))
        #expect(!r.stdout.contains("s3cret-fixture-pw"))
    }

    @Test func theHarmlessChangePasses() async throws {
        let r = try await ConfgateRunner.run(["lint", "fixtures/harmless.conf"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("0 errors"))
    }

    @Test func strictFailsOnWarnings() async throws {
        let r = try await ConfgateRunner.run(["lint", "--strict", "fixtures/harmless.conf"])
        #expect(r.status == 1)
    }

    @Test func githubFormatAnnotatesTheLine() async throws {
        let r = try await ConfgateRunner.run(["lint", "--format", "github", "fixtures/outage.conf"])
        #expect(r.status == 1)
        #expect(r.stdout.contains("::error file=fixtures/outage.conf,line=9,col=1,title=CG101%3A "))
    }

    @Test func jsonAndSarifParse() async throws {
        for format in ["json", "sarif"] {
            let r = try await ConfgateRunner.run(["lint", "--format", format, "fixtures/outage.conf", "fixtures/current.conf"])
            #expect(r.status == 1)
            #expect((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) != nil, "\(format) output is JSON")
        }
    }

    @Test func anInvalidFileIsExitTwo() async throws {
        let r = try await ConfgateRunner.run(["lint", "fixtures/invalid/unknown-key.conf"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("fixtures/invalid/unknown-key.conf:4:1: error:"))
    }

    @Test func anUnknownRuleInTheGateIsExitTwo() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-lint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let gate = dir.appendingPathComponent("bad.gate")
        try "[lint]\nignore = CG999\n".write(to: gate, atomically: true, encoding: .utf8)
        let r = try await ConfgateRunner.run(["lint", "--gate", gate.path, "fixtures/current.conf"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("CG999"))
    }

    @Test func diffShowsEachSidesFindings() async throws {
        let r = try await ConfgateRunner.run(["diff", "--current", "fixtures/current.conf", "--proposed", "fixtures/outage.conf"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("proposed fixtures/outage.conf:9:1: error[CG101]"))
        #expect(r.stdout.contains("current  fixtures/current.conf:9:1: warning[CG103]"))
    }
}

@Suite("confgate verify without load")
struct VerifyLintOnlyTests {
    @Test func lintOnlyBlocksOnTheProposedSidesErrorsAndStartsNoServer() async throws {
        let r = try await ConfgateRunner.run(["verify", "--current", "fixtures/current.conf", "--proposed", "fixtures/outage.conf",
                                        "--lint-only", "--pg-bindir", "/nonexistent"])
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("BLOCKED: rule — fixtures/outage.conf:9:1: CG101 steady demand 6 × 20 = 120 > usable 97"))
    }

    @Test func againReadsTheCurrentSettingsFromGit() async throws {
        // The committed current.conf read through git must give the same verdict as the file.
        let viaGit = try await ConfgateRunner.run(["verify", "--against", "HEAD", "--proposed", "fixtures/current.conf", "--lint-only"])
        #expect(viaGit.status == 0)
        #expect(viaGit.stdout.contains("current  HEAD:fixtures/current.conf"))
        let missing = try await ConfgateRunner.run(["verify", "--against", "no-such-ref-xyz", "--proposed", "fixtures/current.conf", "--lint-only"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("cannot read fixtures/current.conf at no-such-ref-xyz"))
    }
}
