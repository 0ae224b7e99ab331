extension LintRenderer {
    /// The schema the SARIF output follows; a copy is kept in `schemas/sarif-2.1.0.json`.
    public static let sarifSchemaURI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"

    /// A SARIF 2.1.0 log with one run: the tool `confgate` with every rule's metadata (ID,
    /// name, descriptions, default level, a link to the rule's section of docs/rules.md in
    /// `help` and, when `docsBase` is an absolute URI, in `helpUri` too: SARIF requires
    /// `helpUri` to be absolute, so with the default relative `docs/rules.md` it is left out),
    /// and one result per finding with its physical location (region start line and column,
    /// columns counted in Unicode code points). Suppressed findings carry a `suppressions`
    /// entry (`inSource` for a comment, `external` for the gate file).
    public static func sarif(_ findings: [Finding], docsBase: String = Rules.docsPath) -> String {
        let rules = Rules.all
        let descriptors = rules.map { rule in
            SARIF.ReportingDescriptor(
                id: rule.id, name: rule.name,
                shortDescription: .init(text: rule.title),
                fullDescription: .init(text: rule.summary),
                helpUri: isAbsoluteURI(docsBase) ? rule.helpURI(base: docsBase) : nil,
                help: .init(
                    text: "\(rule.summary) See \(rule.helpURI(base: docsBase)).",
                    markdown: "\(rule.summary) See [\(rule.id) in the rule reference](\(rule.helpURI(base: docsBase)))."),
                defaultConfiguration: .init(level: level(rule.severity)))
        }
        let results = findings.map { finding in
            SARIF.Result(
                ruleId: finding.ruleID,
                ruleIndex: rules.firstIndex { $0.id == finding.ruleID },
                level: level(finding.severity),
                message: .init(text: "\(finding.message)\nFix: \(finding.fix)"),
                locations: finding.location.map { [physical($0)] },
                suppressions: finding.suppression.map { suppression in
                    [SARIF.Suppression(
                        kind: suppression.source == .comment ? "inSource" : "external",
                        status: "accepted",
                        justification: suppression.reason ?? suppression.summary)]
                })
        }
        let log = SARIF.Log(
            schema: sarifSchemaURI, version: "2.1.0",
            runs: [SARIF.Run(
                tool: .init(driver: .init(name: "confgate", rules: descriptors)),
                results: results,
                columnKind: "unicodeCodePoints")])
        return encodeJSON(log)
    }

    /// Whether `text` starts with a URI scheme (`https:`, `file:`), as SARIF's `helpUri` needs.
    static func isAbsoluteURI(_ text: String) -> Bool {
        guard let colon = text.firstIndex(of: ":"), colon != text.startIndex,
              let first = text.first, first.isASCII, first.isLetter else { return false }
        return text[..<colon].allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) }
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .info: "note"
        }
    }

    static func physical(_ location: SourceLocation) -> SARIF.Location {
        SARIF.Location(physicalLocation: .init(
            artifactLocation: .init(uri: artifactURI(location.file)),
            region: .init(startLine: max(location.line, 1), startColumn: max(location.column, 1))))
    }

    /// A file path as a URI reference: relative paths stay relative (to the repository root,
    /// where CI runs), `./` dropped; absolute paths become `file://` URIs; every byte outside
    /// RFC 3986's unreserved set and `/` is percent-encoded.
    public static func artifactURI(_ path: String) -> String {
        var path = path
        while path.hasPrefix("./") { path.removeFirst(2) }
        var encoded = ""
        for byte in path.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"):
                encoded.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF")
                encoded += "%\(hex[Int(byte >> 4)])\(hex[Int(byte & 0xF)])"
            }
        }
        return path.hasPrefix("/") ? "file://" + encoded : encoded
    }
}

/// The parts of SARIF 2.1.0 confgate writes. Optional properties left `nil` are omitted.
enum SARIF {
    struct Log: Encodable {
        var schema: String
        var version: String
        var runs: [Run]
        enum CodingKeys: String, CodingKey {
            case schema = "$schema", version, runs
        }
    }
    struct Run: Encodable {
        var tool: Tool
        var results: [Result]
        var columnKind: String
    }
    struct Tool: Encodable { var driver: Driver }
    struct Driver: Encodable {
        var name: String
        var rules: [ReportingDescriptor]
    }
    struct Message: Encodable { var text: String }
    struct MultiformatMessage: Encodable {
        var text: String
        var markdown: String?
    }
    struct Configuration: Encodable { var level: String }
    struct ReportingDescriptor: Encodable {
        var id: String
        var name: String
        var shortDescription: MultiformatMessage
        var fullDescription: MultiformatMessage
        var helpUri: String?
        var help: MultiformatMessage
        var defaultConfiguration: Configuration
    }
    struct Result: Encodable {
        var ruleId: String
        var ruleIndex: Int?
        var level: String
        var message: Message
        var locations: [Location]?
        var suppressions: [Suppression]?
    }
    struct Location: Encodable { var physicalLocation: PhysicalLocation }
    struct PhysicalLocation: Encodable {
        var artifactLocation: ArtifactLocation
        var region: Region
    }
    struct ArtifactLocation: Encodable { var uri: String }
    struct Region: Encodable {
        var startLine: Int
        var startColumn: Int
    }
    struct Suppression: Encodable {
        var kind: String
        var status: String
        var justification: String
    }
}
