import ConfgateCore
import Foundation

/// The `pgbouncer` program confgate runs in front of a scratch server, and its version.
public struct PgBouncerInstallation: Hashable, Sendable {
    /// The executable.
    public var path: String
    /// The version, e.g. `1.18.0`.
    public var version: String
    /// How it was found, for messages: `--pgbouncer-bin`, `PATH` or the Debian location.
    public var foundBy: String

    /// Debian's package puts the program here, outside a normal user's `PATH`.
    public static let debianPath = "/usr/sbin/pgbouncer"

    /// Finds the program, in order: `explicit` (`--pgbouncer-bin PATH`), `pgbouncer` on
    /// `PATH`, `debianPath`. An explicitly named path that is not executable is an error
    /// rather than a fall-through. Nothing found → `ConfgateError(.environment)` (exit 3)
    /// with the install command.
    public static func find(
        explicit: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        debianPath: String = PgBouncerInstallation.debianPath
    ) async throws(ConfgateError) -> PgBouncerInstallation {
        if let explicit, !explicit.isEmpty {
            guard PostgresInstallation.isExecutable(explicit) else {
                throw ConfgateError(.environment, "--pgbouncer-bin \(explicit) is not an executable PgBouncer",
                                    details: installHints)
            }
            return try await describe(explicit, foundBy: "--pgbouncer-bin")
        }
        let pathDirs = (environment["PATH"] ?? "").split(separator: ":").map(String.init)
        if let found = pathDirs.map({ $0 + "/pgbouncer" }).first(where: PostgresInstallation.isExecutable) {
            return try await describe(found, foundBy: "PATH")
        }
        if PostgresInstallation.isExecutable(debianPath) {
            return try await describe(debianPath, foundBy: debianPath)
        }
        throw ConfgateError(.environment, "PgBouncer not found (the pooler tier runs the real pgbouncer)",
                            details: installHints + ["searched: PATH, \(debianPath)"])
    }

    static let installHints = [
        "Debian/Ubuntu: apt-get install pgbouncer",
        "elsewhere: install PgBouncer and pass --pgbouncer-bin PATH",
    ]

    /// The signal that stops this version at once, dropping its clients: `TERM` up to 1.22;
    /// from 1.23 `TERM` waits for every client to disconnect and `QUIT` is the immediate one.
    /// (`INT`, the "safe" shutdown, waits for every server connection to be released: a
    /// client holding a transaction would hold up the teardown.)
    public var stopSignal: String {
        let parts = version.split(separator: ".").compactMap { Int($0) }
        let (major, minor) = (parts.first ?? 1, parts.dropFirst().first ?? 0)
        return (major, minor) < (1, 23) ? "TERM" : "QUIT"
    }

    private static func describe(_ path: String, foundBy: String) async throws(ConfgateError) -> PgBouncerInstallation {
        let out: String
        do { out = try await ProcessRunner.output(path, ["--version"]) } catch {
            throw ConfgateError(.environment, "\(path) --version failed", details: [String(describing: error)])
        }
        guard let version = parseVersion(out) else {
            throw ConfgateError(.environment, "cannot read the PgBouncer version from: \(out.trimmingSpaces())")
        }
        return PgBouncerInstallation(path: path, version: version, foundBy: foundBy)
    }

    /// The version on the first line of `pgbouncer --version`: `PgBouncer 1.18.0` → `1.18.0`.
    static func parseVersion(_ text: String) -> String? {
        guard let first = text.split(separator: "\n").first, first.hasPrefix("PgBouncer ") else { return nil }
        let v = first.dropFirst("PgBouncer ".count).prefix { $0.isNumber || $0 == "." }
        return v.isEmpty ? nil : String(v)
    }
}
