import ConfgateCore
import Foundation

/// Files as they were at a git revision (`--against REF`), and the revision `verify` compares
/// with when the user names none.
enum GitRevision {
    /// Reads files at `ref` with `git show REF:./PATH` (paths relative to the working directory).
    static func files(at ref: String) -> FileAccess {
        FileAccess(
            read: { path throws(ConfgateError) in
                let (status, text, errorText) = git(["show", "\(ref):./\(path)"])
                guard status == 0 else {
                    throw ConfgateError(.badInput, "cannot read \(path) at \(ref): \(errorText.trimmingCharacters(in: .whitespacesAndNewlines))")
                }
                return text
            },
            exists: { path in git(["cat-file", "-e", "\(ref):./\(path)"]).0 == 0 },
            list: { directory in
                let (status, text, _) = git(["ls-tree", "--name-only", "\(ref):./\(directory)"])
                return status == 0 ? text.split(separator: "\n").map(String.init) : []
            },
            revision: ref)
    }

    /// What `verify` compares with when given neither `--current` nor `--against`: the merge
    /// base with the upstream branch, else `HEAD` when the working tree has changes. Says which.
    static func defaultBase() throws(ConfgateError) -> (ref: String, why: String) {
        guard git(["rev-parse", "--is-inside-work-tree"]).0 == 0 else {
            throw ConfgateError(.badInput, "not inside a git repository, so there is nothing to compare with",
                                details: ["give the current settings with --current FILE, or run inside the repository with --against REF"])
        }
        let upstream = git(["rev-parse", "--abbrev-ref", "--symbolic-full-name", "@{upstream}"])
        if upstream.0 == 0 {
            let name = upstream.1.trimmingCharacters(in: .whitespacesAndNewlines)
            let base = git(["merge-base", "HEAD", "@{upstream}"])
            if base.0 == 0 {
                let commit = base.1.trimmingCharacters(in: .whitespacesAndNewlines)
                return (commit, "the merge base with \(name), \(commit.prefix(12))")
            }
        }
        if !git(["status", "--porcelain", "--untracked-files=no"]).1.isEmpty {
            return ("HEAD", "HEAD (the working tree has changes and the branch has no upstream)")
        }
        throw ConfgateError(.badInput, "nothing to compare with: the branch has no upstream and the working tree has no changes",
                            details: ["name the current settings: --against origin/main, or --current FILE"])
    }

    private static func git(_ arguments: [String]) -> (Int32, String, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return (127, "", "git is not available: \(error)") }
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }
}
