import Foundation
import Testing
@testable import ConfgateCore

@Suite("Diff renderers: text, JSON, Markdown")
struct DiffRendererTests {
    private func outage() throws -> SettingsDiff {
        SettingsDiff(current: try SettingsFile.load(path: Fixtures.path("current.conf")),
                     proposed: try SettingsFile.load(path: Fixtures.path("outage.conf")))
    }

    @Test func textShowsTheChangeAndTheOverflow() throws {
        let text = DiffTextRenderer().render(try outage())
        #expect(text.contains("2 settings changed"))
        #expect(text.contains("  pool.max_size   15 → 20                               connections per instance\n"))
        #expect(text.contains("  pool.min_idle   15 → 20 (default, follows max_size)   connections per instance\n"))
        #expect(text.contains("✗ proposed: steady demand 120 (6 instances × max_size 20) exceeds usable 97 by 23"))
        #expect(text.contains("SQLSTATE 53300"))
        #expect(text.contains("✓ current: deploy demand 90 fits usable 97 (headroom 7, 7.2%)"))
        #expect(!text.contains("\u{1B}["))
        #expect(!text.contains("s3cret-fixture-pw"))
    }

    @Test func textColumnsAlign() throws {
        let lines = DiffTextRenderer().render(try outage()).split(separator: "\n").map(String.init)
        let header = try #require(lines.firstIndex { $0.hasPrefix("Connections") })
        let table = lines[header...(header + 5)]
        let ends = Set(table.map { $0.count })
        #expect(ends.count == 1, "every row of the figures table ends in the same column: \(table)")
        #expect(lines[header + 2].hasSuffix("+30"))
    }

    @Test func colourOnlyWhenAsked() throws {
        let text = DiffTextRenderer(style: TextStyle(color: true)).render(try outage())
        #expect(text.contains("\u{1B}[31m"))
        #expect(TextStyle.auto(isTerminal: true, environment: [:]).color)
        #expect(!TextStyle.auto(isTerminal: false, environment: [:]).color)
        #expect(!TextStyle.auto(isTerminal: true, environment: ["NO_COLOR": "1"]).color)
        #expect(TextStyle.auto(isTerminal: true, environment: ["NO_COLOR": ""]).color)
        #expect(!TextStyle.auto(isTerminal: true, environment: ["TERM": "dumb"]).color)
    }

    @Test func jsonIsVersionedAndComplete() throws {
        let json = DiffJSONRenderer().render(try outage())
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "confgate.diff")
        #expect(object["version"] as? Int == 1)
        let changes = try #require(object["changes"] as? [[String: Any]])
        #expect(changes.count == 2)
        #expect(changes[0]["key"] as? String == "pool.max_size")
        let proposed = try #require(changes[0]["proposed"] as? [String: Any])
        #expect(proposed["text"] as? String == "20")
        #expect(proposed["number"] as? Int == 20)
        #expect(proposed["is_default"] as? Bool == false)
        let location = try #require(proposed["location"] as? [String: Any])
        #expect(location["line"] as? Int == 9)
        let side = try #require(object["proposed"] as? [String: Any])
        let derived = try #require(side["derived"] as? [String: Any])
        #expect(derived["usable"] as? Int == 97)
        #expect(derived["steady_demand"] as? Int == 120)
        let problems = try #require(object["problems"] as? [[String: Any]])
        #expect(problems.first?["kind"] as? String == "steady_exceeds_usable")
        let figures = try #require(object["figures"] as? [[String: Any]])
        #expect(figures.count == 5)
        #expect(!json.contains("s3cret-fixture-pw"))
    }

    @Test func markdownHasTablesAndTheWarning() throws {
        let markdown = DiffMarkdownRenderer().render(try outage())
        #expect(markdown.hasPrefix("### confgate diff:"))
        #expect(markdown.contains("> [!CAUTION]"))
        #expect(markdown.contains("| `pool.max_size` | 15 | **20** | connections per instance |"))
        #expect(markdown.contains("| steady demand | 90 | **120** ❌ | +30 |"))
        #expect(!markdown.contains("s3cret-fixture-pw"))
    }

    @Test func markdownEscapesCells() {
        #expect(DiffMarkdownRenderer.cell("a|b*c") == "a\\|b\\*c")
        #expect(DiffMarkdownRenderer.code("a`b") == "`` a`b ``")
    }

    @Test func noChangeSaysSo() throws {
        let current = try SettingsFile.load(path: Fixtures.path("current.conf"))
        let diff = SettingsDiff(current: current, proposed: current)
        #expect(DiffTextRenderer().render(diff).contains("No setting changed in meaning."))
        #expect(DiffMarkdownRenderer().render(diff).contains("No setting changed in meaning."))
    }
}
