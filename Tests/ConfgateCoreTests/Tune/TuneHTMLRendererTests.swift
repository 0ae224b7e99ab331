import Foundation
import Testing
@testable import ConfgateCore

/// `tune --format html`: the answer first, then each step's p99 and failures against the
/// varied value with the safe range drawn, then the edges and steps tables — self-contained
/// like every confgate page.
@Suite struct TuneHTMLRendererTests {
    static func result() throws -> TuneResult {
        let settings = try SettingsFile.parse(try String(contentsOfFile: Fixtures.path("current.conf"), encoding: .utf8), file: "fixtures/current.conf")
        let input = TuneInput(settings: settings, gate: GateSettings())
        var r = TuneResult(input: input, arithmetic: TuneArithmetic(settings: settings, gate: input.gate, dimension: .poolMaxSize))
        r.steps = [
            TuneStep(value: 8, reference: 16, mode: .quick, rounds: 1, outcome: .safe, p50: 6_000, p99: 19_000, referenceP50: 6_000, referenceP99: 18_000),
            TuneStep(value: 4, reference: 16, mode: .quick, rounds: 1, outcome: .unsafe, reason: "p99 ×2.4", failures: 3, p50: 9_000, p99: 44_000, referenceP50: 6_000, referenceP99: 18_000),
            TuneStep(value: 6, reference: 16, mode: .full, rounds: 3, outcome: .safe, p50: 6_100, p99: 20_000, referenceP50: 6_000, referenceP99: 18_500),
            TuneStep(value: 5, reference: 16, mode: .full, rounds: 3, outcome: .unsafe, reason: "p99 ×1.6", failures: 0, p50: 7_000, p99: 31_000, referenceP50: 6_000, referenceP99: 18_200),
        ]
        r.finish(.range(lower: 6, upper: 16))
        return r
    }

    @Test func theAnswerComesFirstAndEachStepIsDrawnAndTabled() throws {
        let r = try Self.result()
        let html = TuneFormat.html.render(r)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        let banner = try #require(html.range(of: "id=\"verdict\""))
        let chart = try #require(html.range(of: "<svg id=\"chart-tune-p99\""))
        #expect(banner.lowerBound < chart.lowerBound)
        #expect(html.contains("SAFE RANGE: <code>pool.max_size</code>"))
        #expect(html.contains(HTML.escape(r.headline)))
        #expect(html.contains("Recommended: <strong>max_size \(try #require(r.recommended))</strong>"))
        for id in ["chart-tune-p99", "chart-tune-failures"] {
            let svg = try #require(html.components(separatedBy: "<svg id=\"\(id)\"").dropFirst().first?.components(separatedBy: "</svg>").first)
            #expect(svg.contains("<path d=\"M"), "\(id) draws its line")
            #expect(svg.contains("safe 6…16"), "\(id) shades the range")
        }
        // The data table and the steps table hold every step.
        let data = try #require(html.components(separatedBy: "<summary>Data: each step</summary>").dropFirst().first?.components(separatedBy: "</details>").first)
        #expect(data.components(separatedBy: "<tr>").count - 2 == 4)
        #expect(data.contains("<tr><td>4<td>44.0<td>"))
        #expect(html.contains("unsafe: p99 ×2.4"))
        let lower = html.lowercased()
        for banned in ["<script", "http://", "https://", " src=", " href="] {
            #expect(!lower.contains(banned), "\(banned)")
        }
    }

    @Test func noStepsSaysTheArithmeticDecided() throws {
        var r = try Self.result()
        r.steps = []
        r.finish(.arithmeticOnly)
        let html = TuneHTMLRenderer().render(r)
        #expect(!html.contains("<svg id=\"chart-tune-p99\""))
        #expect(html.contains("No trials: the arithmetic decided."))
    }
}
