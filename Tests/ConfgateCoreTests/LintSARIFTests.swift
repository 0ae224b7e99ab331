import Foundation
import Testing
@testable import ConfgateCore

@Suite("Lint: SARIF")
struct LintSARIFTests {
    /// The repository's copy of the published SARIF 2.1.0 schema.
    static let schemaPath = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("schemas/sarif-2.1.0.json").path

    /// Validates `sarif` against the stored schema with Python's `jsonschema` (Draft 4, the
    /// schema's own draft, with format checks). Returns the validator's exit status and output.
    /// A missing python3 or jsonschema is a failure with a clear message, never a skip.
    static func validate(_ sarif: String) throws -> (status: Int32, output: String) {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("confgate-sarif-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let document = directory.appendingPathComponent("out.sarif")
        try Data(sarif.utf8).write(to: document)
        let script = """
            import json, sys
            try:
                import jsonschema
            except ImportError:
                print("python3 has no jsonschema module: install it (python3 -m pip install jsonschema); .ci/run does")
                sys.exit(3)
            schema = json.load(open(sys.argv[1]))
            doc = json.load(open(sys.argv[2]))
            validator = jsonschema.Draft4Validator(schema, format_checker=jsonschema.FormatChecker())
            errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
            for e in errors:
                print("/".join(str(p) for p in e.absolute_path), ":", e.message)
            sys.exit(1 if errors else 0)
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, schemaPath, document.path]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do {
            try process.run()
        } catch {
            return (127, "could not run python3 (needed to validate SARIF against its schema): \(error)")
        }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output)
    }

    static func render(docsBase: String = Rules.docsPath) throws -> String {
        var findings = try LintRendererTests.sample()
        // One finding with no location and one gate-suppressed with an awkward path.
        findings.append(Finding(ruleID: "CG111", severity: .warning, message: "no statement_timeout", explanation: "e", fix: "f"))
        findings.append(Finding(
            ruleID: "CG112", severity: .warning, message: "password", explanation: "e", fix: "f",
            location: SourceLocation(file: "./conf dir/ä,b.conf", line: 2, column: 3),
            suppression: Suppression(source: .gate, location: SourceLocation(file: "confgate.gate", line: 4, column: 10))))
        return LintRenderer.sarif(findings, docsBase: docsBase)
    }

    @Test("the SARIF output validates against the published SARIF 2.1.0 schema")
    func validatesAgainstSchema() throws {
        #expect(FileManager.default.fileExists(atPath: Self.schemaPath), "schema missing at \(Self.schemaPath)")
        for base in [Rules.docsPath, "https://example.org/confgate/docs/rules.md"] {
            let result = try Self.validate(try Self.render(docsBase: base))
            #expect(result.status == 0, "SARIF validation failed (status \(result.status)):\n\(result.output)")
        }
    }

    @Test("the schema check is real: a broken document fails it")
    func schemaRejectsBrokenLog() throws {
        let broken = try Self.render().replacingOccurrences(of: "\"version\" : \"2.1.0\"", with: "\"version\" : \"2.0.0\"")
        #expect(broken != (try Self.render()))
        #expect(try Self.validate(broken).status == 1)
    }

    @Test("SARIF carries rule metadata, levels, physical locations and suppressions")
    func content() throws {
        let root = try #require(try JSONSerialization.jsonObject(with: Data(try Self.render().utf8)) as? [String: Any])
        #expect(root["version"] as? String == "2.1.0")
        #expect(root["$schema"] as? String == LintRenderer.sarifSchemaURI)
        let run = try #require((root["runs"] as? [[String: Any]])?.first)
        #expect(run["columnKind"] as? String == "unicodeCodePoints")
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "confgate")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        #expect(rules.map { $0["id"] as? String } == Rules.all.map(\.id))
        let cg101 = rules[0]
        #expect(cg101["name"] as? String == "SteadyDemandExceedsUsableConnections")
        #expect((cg101["shortDescription"] as? [String: String])?["text"] == "Steady demand exceeds usable connections")
        #expect((cg101["defaultConfiguration"] as? [String: String])?["level"] == "error")
        #expect(cg101["helpUri"] == nil, "helpUri must be absolute; the default docs path is relative")
        let help = try #require(cg101["help"] as? [String: String])
        let markdown = try #require(help["markdown"])
        #expect(markdown.contains("(docs/rules.md#cg101)"))

        let results = try #require(run["results"] as? [[String: Any]])
        #expect(results.map { $0["ruleId"] as? String } == ["CG101", "CG105", "CG109", "CG111", "CG112"])
        #expect(results.map { $0["level"] as? String } == ["error", "warning", "note", "warning", "warning"])
        #expect(results[0]["ruleIndex"] as? Int == 0)
        let location = try #require((results[0]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((location["artifactLocation"] as? [String: String])?["uri"] == "svc.conf")
        #expect(location["region"] as? [String: Int] == ["startLine": 7, "startColumn": 1])
        #expect(results[3]["locations"] == nil)
        let awkward = try #require((results[4]["locations"] as? [[String: Any]])?.first?["physicalLocation"] as? [String: Any])
        #expect((awkward["artifactLocation"] as? [String: String])?["uri"] == "conf%20dir/%C3%A4%2Cb.conf")
        let inSource = try #require((results[1]["suppressions"] as? [[String: String]])?.first)
        #expect(inSource == ["kind": "inSource", "status": "accepted", "justification": "callers retry"])
        #expect((results[4]["suppressions"] as? [[String: String]])?.first?["kind"] == "external")
        #expect(results[0]["suppressions"] == nil)
    }

    @Test("with an absolute docs URL, every rule has helpUri to its section")
    func absoluteHelpURI() throws {
        let base = "https://example.org/confgate/docs/rules.md"
        let root = try #require(try JSONSerialization.jsonObject(with: Data(try Self.render(docsBase: base).utf8)) as? [String: Any])
        let run = try #require((root["runs"] as? [[String: Any]])?.first)
        let rules = try #require(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["rules"] as? [[String: Any]])
        #expect(rules.map { $0["helpUri"] as? String } == Rules.all.map { "\(base)#\($0.anchor)" })
    }

    @Test("artifact URIs: relative stays relative, absolute becomes file://, odd bytes encoded")
    func artifactURIs() {
        #expect(LintRenderer.artifactURI("fixtures/outage.conf") == "fixtures/outage.conf")
        #expect(LintRenderer.artifactURI("./fixtures/a b.conf") == "fixtures/a%20b.conf")
        #expect(LintRenderer.artifactURI("/srv/app/db#1.conf") == "file:///srv/app/db%231.conf")
        #expect(LintRenderer.isAbsoluteURI("https://x/y") && !LintRenderer.isAbsoluteURI("docs/rules.md"))
    }
}
