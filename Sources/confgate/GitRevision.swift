import ConfgateCore
import Foundation
import Synchronization

/// Files as they were at a git revision (`--against REF`), and the revision `verify` compares
/// with when the user names none. git runs through swift-subprocess.
///
/// The source readers are synchronous and find the files they need as they read (a map names
/// a Spring file, whose profile files are read when they exist; a postgresql.conf includes
/// another). So git runs before they do: the revision's tree is listed once
/// (`git ls-tree -r -z`), which answers `exists` and `list`; then the readers run over the files
/// fetched so far, each file they asked for and did not get is noted, and those are fetched
/// together with one `git cat-file --batch`; until a run asks for nothing new. A map and its
/// sources take two or three runs, each include one more.
struct GitRevision: Sendable {
    let ref: String
    let git: Git
    /// Blob ids by path from the repository's root.
    let blobs: [String: String]
    /// The names in each directory that holds a file, by path from the root (`""` is the root).
    let entries: [String: Set<String>]
    /// The working directory, from the root (`git rev-parse --show-prefix`): `""` or `services/auth/`.
    let prefix: String
    /// The repository's root, to place absolute paths.
    let root: String

    /// Runs `parse` over the files at `ref`, fetching the files it reads. `path` is the file
    /// parsing starts from: a revision git cannot list is an error naming it, as
    /// "cannot read PATH at REF: …".
    static func read<T>(
        _ path: String, at ref: String, git: Git = Git(), _ parse: (FileAccess) throws(ConfgateError) -> T
    ) async throws(ConfgateError) -> T {
        let revision = try await list(ref, for: path, git: git)
        var texts: [String: String] = [:]
        if let first = revision.treePath(path), revision.blobs[first] != nil {
            texts = try await revision.fetch([first])
        }
        while true {
            let wanted = Wanted()
            let result = Result { () throws(ConfgateError) -> T in try parse(revision.files(texts, noting: wanted)) }
            let missing = wanted.paths
            if missing.isEmpty { return try result.get() }
            texts.merge(try await revision.fetch(missing)) { old, _ in old }
        }
    }

    /// The tree at `ref`.
    static func list(_ ref: String, for path: String, git: Git) async throws(ConfgateError) -> GitRevision {
        let failure = { (reason: String) in ConfgateError(.badInput, "cannot read \(path) at \(ref): \(reason)") }
        let place = try await git.run(["rev-parse", "--show-toplevel", "--show-prefix"])
        guard place.succeeded else { throw failure(place.reason) }
        let lines = String(decoding: place.bytes, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
        let root = lines.first.map(String.init) ?? ""
        let prefix = lines.count > 1 ? String(lines[1]) : ""

        let tree = try await git.run(["ls-tree", "-r", "-z", "--full-tree", ref])
        guard tree.succeeded else { throw failure(tree.reason) }
        var blobs: [String: String] = [:]
        var entries: [String: Set<String>] = [:]
        // `<mode> SP <type> SP <object> TAB <path>`, each ended by NUL.
        for record in tree.bytes.split(separator: 0) {
            guard let tab = record.firstIndex(of: UInt8(ascii: "\t")) else { continue }
            let fields = record[..<tab].split(separator: UInt8(ascii: " "))
            guard fields.count == 3, fields[1].elementsEqual("blob".utf8) else { continue }
            let file = String(decoding: record[(tab + 1)...], as: UTF8.self)
            blobs[file] = String(decoding: fields[2], as: UTF8.self)
            var directory = ""
            for part in file.split(separator: "/") {
                entries[directory, default: []].insert(String(part))
                directory = directory.isEmpty ? String(part) : directory + "/" + part
            }
        }
        return GitRevision(ref: ref, git: git, blobs: blobs, entries: entries, prefix: prefix, root: root)
    }

    /// `path` as the readers name it (relative to the working directory, or absolute) from
    /// the root; `nil` when it is outside the repository.
    func treePath(_ path: String) -> String? {
        let fromRoot: String
        if path.hasPrefix("/") {
            guard path.hasPrefix(root + "/") else { return nil }
            fromRoot = String(path.dropFirst(root.count + 1))
        } else {
            fromRoot = prefix + path
        }
        let normal = PathText.normalize(fromRoot)
        if normal == "." { return "" }
        return normal == ".." || normal.hasPrefix("../") ? nil : normal
    }

    /// The files at this revision as the readers see them: the texts fetched so far, by path
    /// from the root; a file that is in the tree and not fetched yet reads as empty and is noted
    /// in `wanted`, so that the next run has it.
    func files(_ texts: [String: String], noting wanted: Wanted) -> FileAccess {
        FileAccess(
            read: { path throws(ConfgateError) in
                guard let file = treePath(path), blobs[file] != nil else {
                    throw ConfgateError(.badInput, "cannot read \(path) at \(ref): no such file at that revision")
                }
                if let text = texts[file] { return text }
                wanted.add(file)
                return ""
            },
            exists: { path in treePath(path).map { blobs[$0] != nil || entries[$0] != nil } ?? false },
            list: { directory in treePath(directory).flatMap { entries[$0] }.map { $0.sorted() } ?? [] },
            revision: ref)
    }

    /// The texts of `paths` (from the root), with one `git cat-file --batch`.
    func fetch(_ paths: Set<String>) async throws(ConfgateError) -> [String: String] {
        let ordered = paths.sorted()
        let input = ordered.compactMap { blobs[$0] }.map { $0 + "\n" }.joined()
        let output = try await git.run(["cat-file", "--batch"], input: Array(input.utf8))
        guard output.succeeded else {
            throw ConfgateError(.badInput, "cannot read \(ordered.joined(separator: ", ")) at \(ref): \(output.reason)")
        }
        // Each object: `<object> SP <type> SP <size> LF`, its bytes, LF; or `<object> SP missing LF`.
        var texts: [String: String] = [:]
        var bytes = output.bytes[...]
        for path in ordered {
            guard let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) else { break }
            let header = bytes[..<newline].split(separator: UInt8(ascii: " "))
            bytes = bytes[(newline + 1)...]
            guard header.count == 3, let size = Int(String(decoding: header[2], as: UTF8.self)), bytes.count >= size else {
                throw ConfgateError(.badInput, "cannot read \(path) at \(ref): git has no object \(blobs[path] ?? "")")
            }
            let content = bytes.prefix(size)
            bytes = bytes.dropFirst(size + 1)
            guard let text = String(validating: content, as: UTF8.self) else {
                throw ConfgateError(.badInput, "cannot read \(path) at \(ref): it is not UTF-8 text")
            }
            texts[path] = text
        }
        return texts
    }

    /// The files one run of the readers asked for and did not get.
    final class Wanted: Sendable {
        private let noted = Mutex<Set<String>>([])
        func add(_ path: String) { noted.withLock { _ = $0.insert(path) } }
        var paths: Set<String> { noted.withLock { $0 } }
    }

    /// What `verify` compares with when given neither `--current` nor `--against`: the merge
    /// base with the upstream branch, else `HEAD` when the working tree has changes. Says which.
    static func defaultBase(git: Git = Git()) async throws(ConfgateError) -> (ref: String, why: String) {
        guard try await git.run(["rev-parse", "--is-inside-work-tree"]).succeeded else {
            throw ConfgateError(.badInput, "not inside a git repository, so there is nothing to compare with",
                                details: ["give the current settings with --current FILE, or run inside the repository with --against REF"])
        }
        let upstream = try await git.run(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"])
        if upstream.succeeded {
            let base = try await git.run(["merge-base", "HEAD", "@{upstream}"])
            if base.succeeded {
                return (base.line, "the merge base with \(upstream.line), \(base.line.prefix(12))")
            }
        }
        if !(try await git.run(["status", "--porcelain", "--untracked-files=no"]).bytes.isEmpty) {
            return ("HEAD", "HEAD (the working tree has changes and the branch has no upstream)")
        }
        throw ConfgateError(.badInput, "nothing to compare with: the branch has no upstream and the working tree has no changes",
                            details: ["name the current settings: --against origin/main, or --current FILE"])
    }
}
