import Testing
@testable import ConfgateCore

/// A small deterministic generator (SplitMix64), so every run checks the same inputs.
private struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

@Suite("Parser robustness")
struct ParserRobustnessTests {
    /// Pieces that exercise every branch of the scanner and the value readers.
    static let tokens = [
        "[", "]", "pool", "fleet", "server", "database", "load", "gate", "lint", "max_size", "min_idle",
        "acquire_timeout", "dsn", "spike", "rate", "ignore", "=", " ", "\t", "#", "\"", "'", "\\", "\n", "\r\n",
        "0", "15", "-3", "1.5", ".", "s", "ms", "min", "m", "x", " for ", "%", "/s", "CG110", ",", "off",
        "postgresql://u:pw@h/d", "host=h", "é", "\u{FEFF}",
    ]

    @Test func arbitraryInputNeverCrashesAndErrorsPointIntoTheText() {
        var random = SplitMix64(state: 42)
        for _ in 0..<3_000 {
            let count = Int.random(in: 1...24, using: &random)
            let text = (0..<count).map { _ in Self.tokens.randomElement(using: &random)! }.joined()
            let lineCount = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).count
            check(text, lineCount) { try SettingsFile.parse($0, file: "f") }
            check(text, lineCount) { try GateFile.parse($0, file: "f") }
        }
    }

    private func check<T>(_ text: String, _ lineCount: Int, _ parse: (String) throws -> T) {
        do {
            _ = try parse(text)
        } catch let error as ConfgateError {
            #expect(error.kind == .badInput)
            if let location = error.location {
                #expect((1...lineCount).contains(location.line), "\(text.debugDescription): \(error)")
                #expect(location.column >= 1)
            }
        } catch {
            Issue.record("unexpected error type: \(error)")
        }
    }
}
