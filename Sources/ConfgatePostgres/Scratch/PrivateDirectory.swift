import ConfgateCore
import Foundation

/// File-system steps of the scratch cluster, done by confgate itself (as root or as the
/// current user).
enum PrivateDirectory {
    /// Creates `/tmp/cg-XXXXXX` (mode 0700) owned by `user`: short, so that the server's
    /// socket path `<dir>/.s.PGSQL.<port>` stays far below the 107-byte limit.
    static func make(owner user: ServerUser?) throws(ConfgateError) -> String {
        var template = Array("/tmp/cg-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        guard made != nil else {
            throw ConfgateError(.environment, "cannot create a private directory in /tmp: \(errnoText())")
        }
        let path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if let user, chown(path, user.uid, user.gid) != 0 {
            let reason = errnoText()
            rmdir(path)
            throw ConfgateError(.environment, "cannot give \(path) to user \(user.name): \(reason)")
        }
        return path
    }

    /// Removes `path` and everything below it; errors are ignored (best effort on teardown).
    static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// `cp -a source destination`: keeps owners and modes (PostgreSQL wants its data
    /// directory 0700 and owned by the server user).
    static func copyTree(_ source: String, to destination: String) async throws(ConfgateError) {
        do {
            try await ProcessRunner.output("/bin/cp", ["-a", source, destination])
        } catch {
            throw ConfgateError(.environment, "cannot copy the template \(source) to \(destination)",
                                details: [String(describing: error)])
        }
    }

    /// The last `count` lines of a text file (a server log), or none when unreadable.
    static func tail(_ path: String, lines count: Int = 15) -> [String] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return Array(text.split(separator: "\n").suffix(count).map(String.init))
    }
}

/// The current `errno` as text.
func errnoText() -> String {
    guard let text = strerror(errno) else { return "errno \(errno)" }
    return String(validatingCString: text) ?? "errno \(errno)"
}
