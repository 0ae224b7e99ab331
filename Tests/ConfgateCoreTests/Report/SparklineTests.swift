import Testing
@testable import ConfgateCore

@Suite("Markdown for pull requests: sparkline and size")
struct SparklineTests {
    @Test func scalesAndKeepsPeaks() {
        #expect(Sparkline.render([0, 50, 100], top: 100) == "▁▅█")
        // 120 values into 60 cells: a single spike still shows.
        var values = [Int](repeating: 10, count: 120)
        values[77] = 100
        let line = Sparkline.render(values, top: 100, width: 60)
        #expect(line.count == 60)
        #expect(line.contains("█"))
        #expect(Sparkline.render([80, 90, 100], bottom: 80, top: 100) == "▁▅█")
    }

    @Test func aLongCommentIsCutAndSaysSo() {
        let long = String(repeating: "x", count: 70_000)
        let cut = VerifyTextRenderer.fitComment(long)
        #expect(cut.count <= VerifyTextRenderer.commentLimit)
        #expect(cut.contains("cut to fit a pull-request comment"))
        #expect(VerifyTextRenderer.fitComment("short") == "short")
    }

    @Test func theMarkdownHasTheChecksAndTheConnections() throws {
        let md = VerifyFormat.markdown.render(try ResultFixtureTests.load("verify-outage.json"))
        #expect(md.contains("| exhaustion: connects refused (53300) | 0 | 28 | 0 | ✗ FAIL |"))
        #expect(md.contains("peak 97 of usable 97  ← at the limit"))
    }
}
