import Foundation
import Testing
@testable import ConfgateCore

/// The key catalog is the one place a settings key is declared; docs/settings.md must say
/// the same, and every rule must name keys that exist.
@Suite("Settings catalog: one declaration per key")
struct SettingsCatalogDocsTests {
    /// `section.key` → the docs row's cells after the key: meaning, unit, default, default from.
    private func documentedRows() throws -> [(path: String, cells: [String])] {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let text = try String(contentsOf: url.appendingPathComponent("docs/settings.md"), encoding: .utf8)
        var section: String?
        var rows: [(String, [String])] = []
        for line in text.split(separator: "\n") {
            if line.hasPrefix("## ") {
                // "## `[pool]` — …"
                section = line.range(of: "`[").flatMap { start in
                    line[start.upperBound...].range(of: "]`").map { String(line[start.upperBound..<$0.lowerBound]) }
                }
                continue
            }
            guard let section, line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 5 else { continue }
            let name = cells[0].trimmingCharacters(in: ["`"])
            rows.append(("\(section).\(name)", Array(cells.dropFirst())))
        }
        return rows
    }

    @Test func docsListEveryKeyAsTheCatalogDeclaresIt() throws {
        let rows = try documentedRows()
        #expect(rows.map(\.path) == SettingsCatalog.keys.map(\.path))
        for key in SettingsCatalog.keys {
            guard let row = rows.first(where: { $0.path == key.path }) else { continue }
            #expect(row.cells == [key.meaning, key.unitDoc, key.defaultText, key.defaultFrom], "\(key.path)")
        }
    }

    @Test func theParserReadsEveryCatalogKey() {
        #expect(SettingsFile.schema.keys.map(\.path) == SettingsCatalog.keys.map(\.path))
    }

    @Test func everyRuleNamesCatalogKeys() {
        let paths = Set(SettingsCatalog.keys.map(\.path))
        for rule in Rules.all {
            for key in rule.keys { #expect(paths.contains(key), "\(rule.id) names \(key)") }
        }
    }

    @Test func everySourceBindsCatalogKeys() {
        let paths = Set(SettingsCatalog.keys.map(\.path))
        for key in HikariKeys.pool { #expect(paths.contains(key.path)) }
        for setting in PostgresConfSource.settings { #expect(paths.contains(setting.path)) }
    }
}

/// The gate file's keys are declared once too (GateFile.schema, with their docs); the docs'
/// tables must say the same, and each documented default, read through the key itself, must
/// be the model's default.
@Suite("Gate keys: one declaration per key")
struct GateKeyDocsTests {
    private func documentedRows() throws -> [(path: String, cells: [String])] {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        let text = try String(contentsOf: url.appendingPathComponent("docs/settings.md"), encoding: .utf8)
        guard let start = text.range(of: "## Gate file") else { return [] }
        var section: String?
        var rows: [(String, [String])] = []
        for line in text[start.upperBound...].split(separator: "\n") {
            if line.hasPrefix("### ") {
                section = line.range(of: "`[").flatMap { s in line[s.upperBound...].range(of: "]`").map { String(line[s.upperBound..<$0.lowerBound]) } }
                continue
            }
            if line.hasPrefix("## ") { break }
            guard let section, line.hasPrefix("| `") else { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            rows.append(("\(section).\(cells[0].trimmingCharacters(in: ["`"]))", Array(cells.dropFirst())))
        }
        return rows
    }

    @Test func docsListEveryGateKeyAsTheSchemaDeclaresIt() throws {
        let rows = try documentedRows()
        let keys = GateFile.schema.keys
        #expect(rows.map(\.path) == keys.map(\.path))
        for key in keys {
            let doc = try #require(key.doc, "\(key.path) has no doc")
            let expected = [doc.meaning] + (doc.unit.map { [$0] } ?? []) + [doc.defaultText]
            #expect(rows.first { $0.path == key.path }?.cells == expected, "\(key.path)")
        }
    }

    @Test func everyDocumentedDefaultIsTheModelsDefault() throws {
        for key in GateFile.schema.keys {
            let written = try #require(key.doc).defaultText.trimmingCharacters(in: ["`"])
            var gate = GateSettings()
            try key.apply(ConfValue(text: written == "none" ? "" : written,
                                    location: SourceLocation(file: "docs", line: 1, column: 1), key: key.name), &gate)
            #expect(gate == GateSettings(), "\(key.path): the docs say \(written)")
        }
    }
}
