import ConfgateCore
import Foundation
import Logging
import Synchronization

/// Seeded data directories, built once and copied for every trial.
///
/// A template lives at `<directory>/<key>.tar` (a tar of the data directory), the key naming what decides its content:
/// PostgreSQL version, `AuthSchema.version`, user count, and (as root) the owner's uid —
/// e.g. `pg15.18-schema1-users10000-uid101`. A template is built in a private directory and
/// renamed into place, so it is either complete or absent; when two processes build the same
/// key at once, the first rename wins and the other discards its copy.
public struct TemplateCache: Sendable {
    /// The cache root: `$XDG_CACHE_HOME/confgate`, else `~/.cache/confgate`.
    public var directory: String

    public init(directory: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.directory = directory ?? Self.defaultDirectory(environment: environment)
    }

    /// `$XDG_CACHE_HOME/confgate`, else `$HOME/.cache/confgate` (home from the password
    /// database when `HOME` is unset).
    public static func defaultDirectory(environment: [String: String]) -> String {
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/confgate" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? getpwuid(geteuid()).flatMap { String(validatingCString: $0.pointee.pw_dir) } ?? "/tmp"
        return home + "/.cache/confgate"
    }

    /// The cache key of a template.
    public static func key(installation: PostgresInstallation, users: Int, owner: ServerUser?) -> String {
        var key = "pg\(installation.version)-schema\(AuthSchema.version)-users\(users)"
        if let owner { key += "-uid\(owner.uid)" }
        return key
    }

    /// The template's archive, building it first when absent.
    /// - Returns: its path, and whether this call built it.
    public func template(
        installation: PostgresInstallation, users: Int, owner: ServerUser?, logger: Logger
    ) async throws(ConfgateError) -> (path: String, built: Bool) {
        let path = directory + "/" + Self.key(installation: installation, users: users, owner: owner) + ".tar"
        if FileManager.default.fileExists(atPath: path) { return (path, false) }
        // One build per template in this process; other processes race on the rename.
        let (task, mine) = TemplateBuilds.shared.task(for: path) {
            logger.info("building the template", metadata: ["path": "\(path)", "users": "\(users)"])
            do throws(ConfgateError) {
                try await build(into: path, installation: installation, users: users, owner: owner, logger: logger)
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try await task.value.get()
        return (path, mine)
    }

    /// initdb (1 MB WAL segments, so the archive stays small), start, schema + seed, fast
    /// shutdown (a checkpoint, so copies start without recovery), then archive into `path`.
    func build(
        into path: String, installation: PostgresInstallation, users: Int, owner: ServerUser?, logger: Logger
    ) async throws(ConfgateError) {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw ConfgateError(.environment, "cannot create the cache directory \(directory)", details: ["\(error)"])
        }
        let work = try PrivateDirectory.make(owner: owner)
        defer { PrivateDirectory.remove(work) }
        let data = work + "/data"
        do {
            try await ProcessRunner.output(
                installation.path("initdb"),
                ["-D", data, "--no-sync", "-E", "UTF8", "--locale=C", "-A", "trust", "--wal-segsize=1",
                 "-U", AuthSchema.superuserRole, "--no-instructions"],
                user: owner, workingDirectory: work)
        } catch {
            throw ConfgateError(.environment, "initdb failed", details: "\(error)".split(separator: "\n").suffix(15).map(String.init))
        }
        let command = ServerLauncher.arguments(
            installation: installation, dataDirectory: data, socketDirectory: work, port: 5432, tcp: nil,
            settings: [("max_connections", "20"), ("min_wal_size", "2MB")])
        let launch: ServerLauncher.Launch
        do {
            launch = try await ServerLauncher.launch(
                command: command, directory: work, dataDirectory: data, socketDirectory: work, port: 5432,
                database: "postgres", removeOnExit: true, stopSignal: "INT", user: owner, logger: logger)
        } catch {
            throw error.error
        }
        do throws(PGError) {
            try await launch.admin.execute("CREATE DATABASE \(AuthSchema.database)")
            let target = ConnectionTarget(host: work, port: 5432, database: AuthSchema.database, user: AuthSchema.superuserRole)
            try await AuthSchema.install(parameters: target.parameters, users: users)
            await launch.admin.close()
        } catch {
            await launch.admin.close()
            let exit = await launch.process.stop()
            throw ConfgateError(.environment, "seeding the template failed: \(error)", details: exit.logTail)
        }
        // Keep the directory this time: the data is about to be moved into the cache.
        _ = FileManager.default.createFile(atPath: work + "/.keep", contents: nil)
        let exit = await launch.process.stop()
        guard exit.exitedCleanly else {
            throw ConfgateError(.environment, "the template server did not shut down cleanly (\(exit.status))",
                                details: exit.logTail)
        }
        try await install(data, at: path)
    }

    /// Archives a finished data directory beside `path` and renames the archive into place
    /// (atomic); losing the race to another builder is fine.
    private func install(_ data: String, at path: String) async throws(ConfgateError) {
        let incoming = directory + "/.incoming-\(UInt64.random(in: 0...UInt64.max)).tar"
        try await PrivateDirectory.archive(data, to: incoming)
        if rename(incoming, path) != 0 {
            let reason = errnoText()
            PrivateDirectory.remove(incoming)
            throw ConfgateError(.environment, "cannot move the template to \(path): \(reason)")
        }
    }
}

/// Template builds in flight in this process, so that concurrent trials share one.
final class TemplateBuilds: Sendable {
    static let shared = TemplateBuilds()
    private let inFlight = Mutex<[String: Task<Result<Void, ConfgateError>, Never>]>([:])

    /// The build of `path` in flight, or a new one running `operation`; and whether it is new.
    func task(
        for path: String, _ operation: @escaping @Sendable () async -> Result<Void, ConfgateError>
    ) -> (Task<Result<Void, ConfgateError>, Never>, Bool) {
        inFlight.withLock { builds in
            if let running = builds[path] { return (running, false) }
            let task = Task {
                let result = await operation()
                self.finished(path)
                return result
            }
            builds[path] = task
            return (task, true)
        }
    }

    private func finished(_ path: String) {
        _ = inFlight.withLock { $0.removeValue(forKey: path) }
    }
}
