import ConfgateCore
import Foundation

/// The PostgreSQL server binaries confgate uses (`postgres`, `initdb`, `pg_ctl`), and
/// their version.
public struct PostgresInstallation: Hashable, Sendable {
    /// The directory holding `postgres` and `initdb`.
    public var bindir: String
    /// The full version, e.g. `15.18`.
    public var version: String
    /// The major version, e.g. `15`.
    public var major: Int
    /// How it was found, for messages: `--pg-bindir`, `PG_BINDIR`, `pg_config`, `PATH`, `/usr/lib/postgresql`.
    public var foundBy: String

    public func path(_ tool: String) -> String { bindir + "/" + tool }

    /// Whether this server has `reserved_connections` (PostgreSQL 16+).
    public var hasReservedConnections: Bool { major >= 16 }

    /// Finds the binaries, in order: `pgBindir` (`--pg-bindir`), `PG_BINDIR`,
    /// `pg_config --bindir`, `PATH`, the highest `<versionedRoot>/*/bin`. An explicitly named
    /// directory that lacks them is an error rather than a fall-through.
    /// Nothing found → `ConfgateError(.environment)` with the install command.
    public static func find(
        pgBindir: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        versionedRoot: String = "/usr/lib/postgresql"
    ) async throws(ConfgateError) -> PostgresInstallation {
        var searched: [String] = []
        for (dir, how) in [(pgBindir, "--pg-bindir"), (environment["PG_BINDIR"], "PG_BINDIR")] {
            guard let dir, !dir.isEmpty else { continue }
            guard hasServer(dir) else {
                throw ConfgateError(.environment, "\(how) \(dir) holds no PostgreSQL server (postgres and initdb)",
                                    details: installHints)
            }
            return try await describe(dir, foundBy: how)
        }
        let pathDirs = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        if let pgConfig = pathDirs.map({ $0 + "/pg_config" }).first(where: isExecutable),
           let out = try? await ProcessRunner.output(pgConfig, ["--bindir"]) {
            let dir = out.trimmingSpaces()
            searched.append("pg_config --bindir (\(dir))")
            if hasServer(dir) { return try await describe(dir, foundBy: "pg_config") }
        }
        searched.append("PATH")
        if let dir = pathDirs.first(where: hasServer) { return try await describe(dir, foundBy: "PATH") }
        searched.append(versionedRoot + "/*/bin")
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: versionedRoot)) ?? [])
            .compactMap { name in Double(name).map { (name, $0) } }
            .sorted { $0.1 > $1.1 }
        for (name, _) in versions where hasServer("\(versionedRoot)/\(name)/bin") {
            return try await describe("\(versionedRoot)/\(name)/bin", foundBy: versionedRoot)
        }
        throw ConfgateError(.environment, "no PostgreSQL server found (postgres and initdb)",
                            details: installHints + ["searched: " + searched.joined(separator: ", ")])
    }

    static let installHints = [
        "Debian/Ubuntu: apt-get install postgresql",
        "elsewhere: install the PostgreSQL server package and pass --pg-bindir DIR (or set PG_BINDIR)",
    ]

    static func hasServer(_ dir: String) -> Bool {
        isExecutable(dir + "/postgres") && isExecutable(dir + "/initdb")
    }

    package static func isExecutable(_ path: String) -> Bool { access(path, X_OK) == 0 }

    private static func describe(_ dir: String, foundBy: String) async throws(ConfgateError) -> PostgresInstallation {
        let out: String
        do { out = try await ProcessRunner.output(dir + "/postgres", ["--version"]) } catch {
            throw ConfgateError(.environment, "\(dir)/postgres --version failed", details: [String(describing: error)])
        }
        // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
        guard let version = parseVersion(out), let major = Int(version.prefix { $0 != "." }) else {
            throw ConfgateError(.environment, "cannot read the PostgreSQL version from: \(out.trimmingSpaces())")
        }
        return PostgresInstallation(bindir: dir, version: version, major: major, foundBy: foundBy)
    }

    static func parseVersion(_ text: String) -> String? {
        guard let r = text.range(of: "(PostgreSQL) ") else { return nil }
        let v = text[r.upperBound...].prefix { $0.isNumber || $0 == "." }
        return v.isEmpty ? nil : String(v)
    }
}
