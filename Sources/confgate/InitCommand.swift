import ArgumentParser
import ConfgateCore
import Foundation

/// `confgate init`: a new user's first command. Looks through a repository for the files
/// that hold the service's connection budget and writes a fleet map naming them.
struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Find the files that hold the connection budget and write a fleet map (confgate.conf).",
        discussion: """
            Looks under DIRECTORY (default: the working directory) for a Spring application.yml or \
            .properties (or a HikariCP .properties) — each further PostgreSQL datasource in it, such as \
            app.datasource.replica, becomes a [pool.NAME] with its prefix — Kubernetes manifests with the service's Deployment or \
            StatefulSet and its HorizontalPodAutoscaler (or a Helm values.yaml), and a postgresql.conf; writes \
            DIRECTORY/confgate.conf naming them, with each value found and where, and prints it. Then: \
            `confgate lint confgate.conf`, `confgate verify --proposed confgate.conf`. Exit 2 when the map \
            exists (use --force) or a found file cannot be read.
            """)

    @Argument(help: "The repository to look through.")
    var directory: String = "."

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the map, relative to DIRECTORY.", valueName: "file"))
    var output: String = "confgate.conf"

    @Flag(help: "Overwrite an existing map.")
    var force = false

    @Flag(name: .customLong("dry-run"), help: "Print the map without writing it.")
    var dryRun = false

    @OptionGroup var sources: SourceFlags

    func run() async throws {
        let root = URL(fileURLWithPath: directory)
        let paths = Self.files(under: root)
        let draft = FleetMapDraft.discover(paths: paths) { path in
            try? String(contentsOf: root.appendingPathComponent(path), encoding: .utf8)
        }
        let target = root.appendingPathComponent(output).path
        if FileManager.default.fileExists(atPath: target), !force, !dryRun {
            throw ConfgateError(.badInput, "\(target) exists", details: ["pass --force to overwrite it, or --dry-run to print the map"])
        }
        // Read the draft back from the directory, so the map shows the values as lint will read them.
        let previous = FileManager.default.currentDirectoryPath
        _ = FileManager.default.changeCurrentDirectoryPath(root.path)
        defer { _ = FileManager.default.changeCurrentDirectoryPath(previous) }
        let plain = draft.render()
        let settings = try SettingsFile.parse(plain, file: output, sources: sources.options())
        let text = draft.render(settings: settings)
        for remark in draft.remarks { Terminal.writeError("confgate init: \(remark)\n") }
        for note in settings.notes { Terminal.writeError("\(note)\n") }
        Terminal.write(text)
        if !dryRun {
            do { try text.write(toFile: output, atomically: true, encoding: .utf8) } catch {
                throw ConfgateError(.badInput, "cannot write \(target): \(error.localizedDescription)")
            }
            Terminal.writeError("confgate init: wrote \(target); next: confgate lint \(output)\n")
        }
    }

    /// Every regular file under `root`, relative to it, skipping hidden and build directories.
    static func files(under root: URL) -> [String] {
        guard let enumerator = FileManager.default.enumerator(
            at: root, includingPropertiesForKeys: [.isRegularFileKey, .isDirectoryKey]) else { return [] }
        var found: [String] = []
        let base = root.standardizedFileURL.path
        for case let url as URL in enumerator {
            let path = url.standardizedFileURL.path
            let name = url.lastPathComponent
            if (try? url.resourceValues(forKeys: [.isDirectoryKey]))?.isDirectory == true,
               name.hasPrefix(".") || ["node_modules", "target", "build"].contains(name) {
                enumerator.skipDescendants()
                continue
            }
            if name.hasPrefix("."), name != ".env" { continue }
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]))?.isRegularFile == true, path.hasPrefix(base + "/") else { continue }
            found.append(String(path.dropFirst(base.count + 1)))
            if found.count > 20_000 { break }
        }
        return found
    }
}
