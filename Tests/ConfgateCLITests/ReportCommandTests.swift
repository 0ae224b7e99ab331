import Foundation
import Testing

/// `confgate report` (issue #13), run as a user runs it: a saved verify or run result re-rendered
/// without a server, and every file that is not one refused with exit 2 and what it is.
@Suite("confgate report")
struct ReportCommandTests {
    private func temporaryDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-report-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func writesTheHTMLReportToAFile() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("report.html").path
        let r = try await ConfgateRunner.run(["report", "fixtures/results/verify-outage.json", "-o", output])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        let html = try String(contentsOfFile: output, encoding: .utf8)
        let golden = try String(contentsOf: ConfgateRunner.packageRoot.appendingPathComponent("fixtures/results/verify-outage.html"), encoding: .utf8)
        #expect(html == golden)
    }

    @Test func rendersTheOtherFormatsToStdout() async throws {
        let markdown = try await ConfgateRunner.run(["report", "fixtures/results/verify-outage.json", "--format", "markdown"])
        #expect(markdown.status == 0)
        #expect(markdown.stdout.hasPrefix("### ⛔ [quick] BLOCKED: exhaustion"))
        let text = try await ConfgateRunner.run(["report", "fixtures/results/verify-pass.json", "--format", "text"])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("[quick] PASS"))
        let junit = try await ConfgateRunner.run(["report", "fixtures/results/verify-outage.json", "--format", "junit"])
        #expect(junit.status == 0)
        #expect(junit.stdout.contains("<testcase classname=\"confgate.verify\" name=\"exhaustion\">"))
        let html = try await ConfgateRunner.run(["report", "fixtures/results/verify-pass.json"])
        #expect(html.status == 0)
        #expect(html.stdout.hasPrefix("<!DOCTYPE html>"))
    }

    @Test func refusesWhatIsNotAVerifyResultWithExit2() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        func file(_ name: String, _ text: String) throws -> String {
            let path = directory.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        var outage = try String(contentsOf: ConfgateRunner.packageRoot.appendingPathComponent("fixtures/results/verify-outage.json"), encoding: .utf8)
        outage = outage.replacingOccurrences(of: "\n  \"schemaVersion\" : 1,", with: "\n  \"schemaVersion\" : 99,")
        let cases: [(String, String)] = [
            (try file("broken.json", "{ not json"), "is not JSON"),
            (try file("other.json", "{\"name\": \"k6\", \"metrics\": {}}"), "is JSON but not a confgate verify or run result"),
            (try file("list.json", "[1, 2]"), "its top level is not an object"),
            (try file("run.json", "{\"schemaVersion\": 1, \"summary\": {}, \"timeline\": []}"), "is a confgate run result (schema version 1) but does not read"),
            (try file("run-future.json", "{\"schemaVersion\": 9, \"summary\": {}, \"timeline\": []}"), "is a confgate run result of schema version 9; this confgate reads version 1"),
            (try file("future.json", outage), "schema version 99; this confgate reads version 1"),
            (directory.appendingPathComponent("missing.json").path, "cannot read"),
        ]
        for (path, message) in cases {
            let r = try await ConfgateRunner.run(["report", path, "-o", directory.appendingPathComponent("out.html").path])
            #expect(r.status == 2, "\(path): exit \(r.status)")
            #expect(r.stderr.contains(message), "\(path): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("out.html").path))
    }

    /// The proposed round of the saved outage result, as the run result `run --output` writes.
    private func savedRun(in directory: URL) throws -> String {
        let data = try Data(contentsOf: ConfgateRunner.packageRoot.appendingPathComponent("fixtures/results/verify-outage.json"))
        let verify = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let trials = try #require((verify["proposed"] as? [String: Any])?["trials"] as? [[String: Any]])
        let run = try #require(trials.first?["result"] as? [String: Any])
        let path = directory.appendingPathComponent("run.json").path
        try JSONSerialization.data(withJSONObject: run, options: [.prettyPrinted, .sortedKeys]).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func rendersARunResult() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let run = try savedRun(in: directory)
        let output = directory.appendingPathComponent("report.html").path
        let r = try await ConfgateRunner.run(["report", run, "-o", output])
        #expect(r.status == 0, "\(r.stderr)")
        let golden = try String(contentsOf: ConfgateRunner.packageRoot.appendingPathComponent("fixtures/results/run-outage.html"), encoding: .utf8)
        #expect(try String(contentsOfFile: output, encoding: .utf8) == golden)
        let text = try await ConfgateRunner.run(["report", run, "--format", "text"])
        #expect(text.status == 0)
        #expect(text.stdout.hasPrefix("confgate run: fixtures/outage.conf"))
        let junit = try await ConfgateRunner.run(["report", run, "--format", "junit"])
        #expect(junit.status == 2)
        #expect(junit.stderr.contains("no verdict to write as JUnit"))
    }

    @Test func verifyReportDirAlsoWritesTheHTMLReport() async throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let r = try await ConfgateRunner.run(["verify", "--current", "fixtures/current.conf", "--proposed", "fixtures/outage.conf",
                                        "--lint-only", "--report-dir", directory.path])
        #expect(r.status == 1, "\(r.stderr)")
        let html = try String(contentsOfFile: directory.appendingPathComponent("report.html").path, encoding: .utf8)
        #expect(html.contains("BLOCKED"))
        #expect(html.contains("--lint-only"))
        #expect(!html.contains("s3cret-fixture-pw"))
        // The saved result re-renders to the same page.
        let again = try await ConfgateRunner.run(["report", directory.appendingPathComponent("result.json").path])
        #expect(again.status == 0)
        #expect(again.stdout == html)
    }
}
