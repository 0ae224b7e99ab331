import Foundation

/// How sources reach their files: the working tree, or a git revision (`--against REF`),
/// which the command line supplies since reading git means starting a process. The readers
/// call these synchronously; a revision's files are fetched before they run (`GitRevision`).
public struct FileAccess: Sendable {
    /// The file's text; `.badInput` when it cannot be read.
    public var read: @Sendable (String) throws(ConfgateError) -> String
    /// Whether a file exists (profile files, `include_if_exists`).
    public var exists: @Sendable (String) -> Bool
    /// The names of the files in a directory (`include_dir`); empty when there is none.
    public var list: @Sendable (String) -> [String]
    /// Says where the files come from in messages, e.g. `at origin/main`; empty for the working tree.
    public var revision: String?

    public init(read: @escaping @Sendable (String) throws(ConfgateError) -> String,
                exists: @escaping @Sendable (String) -> Bool,
                list: @escaping @Sendable (String) -> [String],
                revision: String? = nil) {
        self.read = read
        self.exists = exists
        self.list = list
        self.revision = revision
    }

    /// The working tree.
    public static let local = FileAccess(
        read: { path throws(ConfgateError) in try InputFile.read(path) },
        exists: { FileManager.default.fileExists(atPath: $0) },
        list: { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] })
}

/// Paths as the user wrote them, joined the way messages should show them.
package enum PathText {
    /// `path` relative to the directory of `file` (`db/conf.d` beside `db/postgresql.conf`),
    /// unless it is absolute.
    package static func resolve(_ path: String, besideFile file: String) -> String {
        if path.hasPrefix("/") { return path }
        let directory = (file as NSString).deletingLastPathComponent
        return normalize(directory.isEmpty ? path : directory + "/" + path)
    }

    /// Removes `./` and `dir/..` pieces, keeping a leading `..`.
    package static func normalize(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/", omittingEmptySubsequences: false) {
            if part == "." || (part.isEmpty && !parts.isEmpty) { continue }
            if part == "..", let last = parts.last, last != "..", !last.isEmpty { parts.removeLast(); continue }
            parts.append(part)
        }
        let joined = parts.joined(separator: "/")
        return joined.isEmpty ? "." : joined
    }

    package static func basename(_ path: String) -> String { (path as NSString).lastPathComponent }
}
