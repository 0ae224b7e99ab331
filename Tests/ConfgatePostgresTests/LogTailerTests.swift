import ConfgateCore
import ConfgatePostgres
import Foundation
import Testing

/// `canary --log`'s file follower on a real file: lines written before it opened are not
/// read, a line is returned once complete, and truncation and rotation are followed.
@Suite struct LogTailerTests {
    func withLog(_ body: (String) throws -> Void) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-tail-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try body(dir + "/server.log")
    }

    func append(_ text: String, to path: String) throws {
        let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? h.close() }
        try h.seekToEnd()
        try h.write(contentsOf: Data(text.utf8))
    }

    @Test func readsOnlyWhatIsAppendedAndWaitsForTheNewline() throws {
        try withLog { path in
            try "before the canary: FATAL:  sorry, too many clients already\n".write(toFile: path, atomically: false, encoding: .utf8)
            var tail = try LogTailer.open(path)
            defer { tail.close() }
            #expect(tail.poll().isEmpty)
            try append("one\ntwo, half", to: path)
            #expect(tail.poll() == ["one"])
            try append(" done\n", to: path)
            #expect(tail.poll() == ["two, half done"])
            #expect(tail.poll().isEmpty)
        }
    }

    @Test func followsTruncationAndRotation() throws {
        try withLog { path in
            try String(repeating: "old line\n", count: 100).write(toFile: path, atomically: false, encoding: .utf8)
            var tail = try LogTailer.open(path)
            defer { tail.close() }
            // copytruncate: the file shrinks, then grows again from 0 (to less than it was: a
            // file that outgrew its old size between two polls looks like one that only grew).
            let h = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
            try h.truncate(atOffset: 0)
            try h.close()
            try append("after truncation\n", to: path)
            #expect(tail.poll() == ["after truncation"])
            #expect(tail.reopened == 1)
            // logrotate: the file is renamed away (and written once more), a new one takes its name.
            try append("last of the old file\n", to: path)
            try FileManager.default.moveItem(atPath: path, toPath: path + ".1")
            try append("late line in the rotated file\n", to: path + ".1")
            try "first of the new file\n".write(toFile: path, atomically: false, encoding: .utf8)
            #expect(tail.poll() == ["last of the old file", "late line in the rotated file", "first of the new file"])
            #expect(tail.reopened == 2)
            try append("next\n", to: path)
            #expect(tail.poll() == ["next"])
        }
    }

    @Test func aMissingFileIsBadInput() {
        #expect(throws: ConfgateError.self) { try LogTailer.open("/nonexistent/server.log") }
        do { _ = try LogTailer.open("/tmp") } catch { #expect(error.kind == .badInput && error.message.contains("not a regular file")) }
    }
}
