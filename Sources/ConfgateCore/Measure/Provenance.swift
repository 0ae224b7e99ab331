import Foundation

/// Where a result came from, for the report's Provenance section: confgate's version, the
/// command as typed (passwords masked), the machine, and the PostgreSQL and PgBouncer that
/// ran the trial. Every field is optional in the JSON, so results saved before it existed
/// still read.
public struct Provenance: Hashable, Sendable, Codable {
    /// confgate's version (`ConfgateVersion.current`).
    public var confgate: String?
    /// The command line as typed, every password shown as `***` (`Provenance.masking`).
    public var command: [String]?
    /// Logical CPUs of the machine that ran it.
    public var cores: Int?
    /// The 1-minute load average when it started: a busy machine explains a noisy result.
    public var loadAverage: Double?
    /// The operating system: `Linux 6.8.0 x86_64`.
    public var system: String?
    /// The PostgreSQL that ran the trial: `15.18 (scratch server)`, `16 (--postgres server)`.
    public var postgres: String?
    /// The PgBouncer in front of it, when the side has `[pooler]`: `1.18.0`.
    public var pgbouncer: String?

    public init(confgate: String? = nil, command: [String]? = nil, cores: Int? = nil, loadAverage: Double? = nil,
                system: String? = nil, postgres: String? = nil, pgbouncer: String? = nil) {
        self.confgate = confgate
        self.command = command
        self.cores = cores
        self.loadAverage = loadAverage
        self.system = system
        self.postgres = postgres
        self.pgbouncer = pgbouncer
    }

    /// `arguments` with every password masked: the password of a `scheme://user:password@`
    /// URL and of a `password=…` conninfo parameter become `***`; nothing else changes.
    public static func masking(_ arguments: [String]) -> [String] {
        arguments.map { argument in
            var out = argument
            for (pattern, template) in [(#"(://[^/@\s:]*:)[^@\s]*@"#, "$1***@"), (#"(password\s*=\s*)('[^']*'|[^\s&]+)"#, "$1***")] {
                guard let regex = try? NSRegularExpression(pattern: pattern, options: [.caseInsensitive]) else { continue }
                out = regex.stringByReplacingMatches(in: out, range: NSRange(out.startIndex..., in: out), withTemplate: template)
            }
            return out
        }
    }
}

/// confgate's version: in `--version`, in every result's provenance.
public enum ConfgateVersion {
    public static let current = "0.12.0"
}
