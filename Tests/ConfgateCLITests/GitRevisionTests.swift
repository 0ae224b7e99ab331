@testable import confgate
import ConfgateCore
import Foundation
import Testing

/// `--against REF` and `verify`'s default base, on temporary git repositories: files read at a
/// revision rather than from the working tree, and each answer `defaultBase` gives.
@Suite("git: files at a revision, and verify's default base")
struct GitRevisionTests {
    @Test func readsAFileAsItWasAtTheRevision() async throws {
        let repo = try TemporaryRepository.empty(["a.conf": "committed\n"])
        defer { repo.remove() }
        try repo.commit("base")
        try repo.write(["a.conf": "edited, not committed\n"])
        let text = try await GitRevision.read("a.conf", at: "HEAD", git: repo.gitRunner) { files throws(ConfgateError) in
            try files.read("a.conf")
        }
        #expect(text == "committed\n")
    }

    @Test func existsAndListAnswerFromTheRevisionsTree() async throws {
        let repo = try TemporaryRepository.empty([
            "db/postgresql.conf": "max_connections = 120\n",
            "db/conf.d/10-limits.conf": "superuser_reserved_connections = 4\n",
            "db/conf.d/20-more.conf": "\n",
        ])
        defer { repo.remove() }
        try repo.commit("base")
        try repo.write(["db/conf.d/30-new.conf": "\n"])  // in the working tree only
        let (exists, listed, fromSubdirectory) = try await GitRevision.read("db/postgresql.conf", at: "HEAD", git: repo.gitRunner) {
            files throws(ConfgateError) in
            (["db/conf.d/10-limits.conf", "db/conf.d", "./db/../db/postgresql.conf", "db/conf.d/30-new.conf", "nope"].map(files.exists),
             files.list("db/conf.d"), files.list("db/nothing"))
        }
        #expect(exists == [true, true, true, false, false])
        #expect(listed == ["10-limits.conf", "20-more.conf"])
        #expect(fromSubdirectory.isEmpty)

        // Paths are relative to the working directory, also below the repository's root.
        var inDB = repo.gitRunner
        inDB.directory = repo.url.appendingPathComponent("db").path
        let beside = try await GitRevision.read("postgresql.conf", at: "HEAD", git: inDB) { files throws(ConfgateError) in
            (try files.read("postgresql.conf"), files.list("conf.d"), files.exists("../db/conf.d/20-more.conf"))
        }
        #expect(beside.0 == "max_connections = 120\n")
        #expect(beside.1 == ["10-limits.conf", "20-more.conf"])
        #expect(beside.2)
    }

    @Test func aFileNotAtTheRevisionAndABadRevisionAreExitTwo() async throws {
        let repo = try TemporaryRepository.empty(["confgate.conf": "[fleet]\ninstances = 2\n"])
        defer { repo.remove() }
        try repo.commit("base")
        try repo.write(["later.yml": "spring: {}\n"])
        let missing = await Self.error {
            try await GitRevision.read("confgate.conf", at: "HEAD", git: repo.gitRunner) { files throws(ConfgateError) in
                try files.read("later.yml")
            }
        }
        #expect(missing?.kind == .badInput && missing?.exitCode == 2)
        #expect(missing?.message == "cannot read later.yml at HEAD: no such file at that revision")

        let badRef = await Self.error {
            try await GitRevision.read("confgate.conf", at: "no-such-ref", git: repo.gitRunner) { files throws(ConfgateError) in
                try files.read("confgate.conf")
            }
        }
        #expect(badRef?.kind == .badInput)
        #expect(badRef?.message.hasPrefix("cannot read confgate.conf at no-such-ref: fatal:") == true, "\(String(describing: badRef))")
    }

    /// The map names postgresql.conf, which includes a file, which the next commit changes: all
    /// three are read at the base, found one after another as the readers ask for them.
    @Test func aMapsSourceAndItsIncludeAreReadAtTheRevision() async throws {
        let repo = try TemporaryRepository.empty([
            "confgate.conf": "[fleet]\ninstances = 2\n[server]\nsource = \"postgresql:db/postgresql.conf\"\n",
            "db/postgresql.conf": "max_connections = 100\ninclude 'tuning/extra.conf'\n",
            "db/tuning/extra.conf": "# tuning\nmax_connections = 150\n",
        ])
        defer { repo.remove() }
        try repo.commit("base")
        try repo.write(["db/tuning/extra.conf": "# tuning\nmax_connections = 300\n"])
        try repo.commit("more connections")

        let base = try await GitRevision.read("confgate.conf", at: "HEAD~1", git: repo.gitRunner) { files throws(ConfgateError) in
            try SettingsFile.load(path: "confgate.conf", sources: SourceOptions(files: files))
        }
        #expect(base.server.maxConnections == 150)
        #expect(base.origins["server.max_connections"]?.value.description == "db/tuning/extra.conf:2:19")
        let head = try await GitRevision.read("confgate.conf", at: "HEAD", git: repo.gitRunner) { files throws(ConfgateError) in
            try SettingsFile.load(path: "confgate.conf", sources: SourceOptions(files: files))
        }
        #expect(head.server.maxConnections == 300)
    }

    // MARK: - defaultBase

    /// The branch forked from main, then main moved on: the base is where they forked, not
    /// main's tip.
    @Test func defaultBaseIsTheMergeBaseWithTheUpstream() async throws {
        let repo = try TemporaryRepository.empty(["a.conf": "1\n"])
        defer { repo.remove() }
        try repo.commit("base")
        let fork = try repo.output("rev-parse", "HEAD")
        try repo.git("checkout", "-q", "-b", "feature")
        try repo.git("branch", "-q", "--set-upstream-to=main")
        try repo.write(["a.conf": "2\n"])
        try repo.commit("on the branch")
        try repo.git("checkout", "-q", "main")
        try repo.write(["b.conf": "\n"])
        try repo.commit("main moves on")
        try repo.git("checkout", "-q", "feature")

        let base = try await GitRevision.defaultBase(git: repo.gitRunner)
        #expect(base.ref == fork)
        #expect(base.why == "the merge base with main, \(fork.prefix(12))")
    }

    @Test func defaultBaseIsHeadWhenOnlyTheWorkingTreeChanged() async throws {
        let repo = try TemporaryRepository.empty(["a.conf": "1\n"])
        defer { repo.remove() }
        try repo.commit("base")
        try repo.write(["a.conf": "2\n"])
        let base = try await GitRevision.defaultBase(git: repo.gitRunner)
        #expect(base.ref == "HEAD")
        #expect(base.why == "HEAD (the working tree has changes and the branch has no upstream)")
    }

    @Test func defaultBaseWithNothingToCompareIsExitTwo() async throws {
        let repo = try TemporaryRepository.empty(["a.conf": "1\n"])
        defer { repo.remove() }
        try repo.commit("base")
        try repo.write(["untracked.conf": "\n"])  // untracked files are not a change to compare
        let error = await Self.error { try await GitRevision.defaultBase(git: repo.gitRunner) }
        #expect(error?.exitCode == 2)
        #expect(error?.message == "nothing to compare with: the branch has no upstream and the working tree has no changes")
        #expect(error?.details.first?.contains("--against") == true)
    }

    @Test func defaultBaseOutsideARepositoryIsExitTwo() async throws {
        let directory = try TemporaryRepository.empty(["a.conf": "1\n"], initialise: false)
        defer { directory.remove() }
        let error = await Self.error { try await GitRevision.defaultBase(git: directory.gitRunner) }
        #expect(error?.exitCode == 2)
        #expect(error?.message == "not inside a git repository, so there is nothing to compare with")
        #expect(error?.details.first?.contains("--current FILE") == true)
    }

    @Test func noGitIsAnEnvironmentFailure() async throws {
        let directory = try TemporaryRepository.empty(["a.conf": "1\n"], initialise: false)
        defer { directory.remove() }
        var git = directory.gitRunner
        git.environment["PATH"] = directory.url.path  // no git there
        let error = await Self.error { try await GitRevision.defaultBase(git: git) }
        #expect(error?.kind == .environment && error?.exitCode == 3)
        #expect(error?.message.hasPrefix("git could not run") == true, "\(String(describing: error))")
    }

    private static func error<T>(_ body: () async throws -> T) async -> ConfgateError? {
        do {
            _ = try await body()
            return nil
        } catch {
            return error as? ConfgateError
        }
    }
}

extension TemporaryRepository {
    /// A new directory holding `files`, a git repository on `main` unless `initialise` is false.
    static func empty(_ files: [String: String], initialise: Bool = true) throws -> TemporaryRepository {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-git-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        let repo = TemporaryRepository(url: url)
        try repo.write(files)
        if initialise { try repo.git("init", "-q", "-b", "main") }
        return repo
    }

    func write(_ files: [String: String]) throws {
        for (path, text) in files {
            let file = url.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
    }

    /// Commits every tracked change and every file of the working tree.
    func commit(_ message: String) throws {
        try git("add", "-A")
        try git("commit", "-q", "-m", message)
    }

    /// One line git prints.
    func output(_ arguments: String...) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git"] + arguments
        process.currentDirectoryURL = url
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// git for the code under test, in this directory, never looking above it for a repository.
    var gitRunner: Git {
        Git(directory: url.path, environment: ["GIT_CEILING_DIRECTORIES": url.deletingLastPathComponent().path])
    }
}
