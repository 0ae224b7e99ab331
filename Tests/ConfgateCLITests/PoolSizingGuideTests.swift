import Foundation
import Testing

/// docs/pool-sizing.md cannot drift from the tool: every ```console block marked
/// `<!-- checked -->` (or `<!-- checked: exit N -->`) names a confgate command on the fixtures
/// (`$ confgate …`) and lines of its output; each is run, and each quoted line must appear in
/// its stdout (a line with `…` matches its pieces in order). Only commands that start no
/// server are marked (lint, diff, `tune --arithmetic-only`, an impossible `tune`): fast.
@Suite("docs/pool-sizing.md: the guide's commands and figures")
struct PoolSizingGuideTests {
    struct Block: CustomStringConvertible {
        var arguments: [String]
        var exit: Int32
        var expected: [String]
        var line: Int
        var description: String { "pool-sizing.md:\(line): confgate \(arguments.joined(separator: " "))" }
    }

    static func blocks() throws -> [Block] {
        let text = try String(contentsOf: ConfgateRunner.packageRoot.appendingPathComponent("docs/pool-sizing.md"), encoding: .utf8)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var blocks: [Block] = []
        var i = 0
        while i < lines.count {
            let marker = lines[i].trimmingCharacters(in: .whitespaces)
            guard marker.hasPrefix("<!-- checked"), i + 2 < lines.count, lines[i + 1].hasPrefix("```") else { i += 1; continue }
            let exit = marker.range(of: "exit ").map { Int32(marker[$0.upperBound...].prefix { $0.isNumber }) ?? 0 } ?? 0
            let command = lines[i + 2]
            var expected: [String] = []
            var j = i + 3
            while j < lines.count, !lines[j].hasPrefix("```") {
                if !lines[j].trimmingCharacters(in: .whitespaces).isEmpty { expected.append(lines[j]) }
                j += 1
            }
            let words = command.split(separator: " ").map(String.init)
            blocks.append(Block(arguments: Array(words.dropFirst(2)), exit: exit, expected: expected, line: i + 1))
            #expect(words.prefix(2) == ["$", "confgate"], "pool-sizing.md:\(i + 3): a checked block starts with `$ confgate`")
            i = j + 1
        }
        return blocks
    }

    /// Whether `line` (trimmed) appears in `output`: its `…`-separated pieces in order on one line.
    static func found(_ line: String, in output: String) -> Bool {
        let pieces = line.trimmingCharacters(in: .whitespaces).components(separatedBy: "…")
            .map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        return output.split(separator: "\n").contains { candidate in
            var rest = Substring(candidate)
            for piece in pieces {
                guard let r = rest.range(of: piece) else { return false }
                rest = rest[r.upperBound...]
            }
            return true
        }
    }

    @Test func theGuideHasCheckedBlocks() throws {
        #expect(try Self.blocks().count >= 8)
    }

    @Test(arguments: try PoolSizingGuideTests.blocks())
    func eachCheckedCommandPrintsWhatTheGuideQuotes(_ block: Block) async throws {
        #expect(!block.arguments.contains { $0 == "--settings" } || block.arguments.contains("--arithmetic-only")
                || block.exit == 1, "\(block): a checked tune must not run trials")
        let result = try await ConfgateRunner.run(block.arguments)
        #expect(result.status == block.exit, "\(block): exit \(result.status)\n\(result.stderr)")
        for line in block.expected {
            #expect(Self.found(line, in: result.stdout), "\(block): not in the output: \(line)\n--- output:\n\(result.stdout)")
        }
    }
}
