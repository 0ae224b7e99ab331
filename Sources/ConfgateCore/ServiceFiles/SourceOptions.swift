/// How to read a service's own files: where they come from, and what the command line adds
/// (`--profile`, `--env`, `--format-in`).
public struct SourceOptions: Sendable {
    /// The working tree, or a git revision.
    public var files: FileAccess
    /// Spring profiles to activate (`--profile`); empty: as the files and environment say.
    public var profiles: [String]
    /// `--env KEY=VALUE`: wins over a container's environment.
    public var environment: [String: String]
    /// `--format-in`: the format of a file named directly, when detection is unsure.
    public var format: SourceFormat?

    public init(files: FileAccess = .local, profiles: [String] = [], environment: [String: String] = [:],
                format: SourceFormat? = nil) {
        self.files = files
        self.profiles = profiles
        self.environment = environment
        self.format = format
    }

    /// `--env` entries as sourced values (they have no file: their place is the command line).
    var commandLineEnvironment: [String: SourcedValue] {
        environment.mapValues { value in
            let at = SourceLocation(file: "--env", line: 1, column: 1)
            return SourcedValue(text: value, name: "--env", keyLocation: at, location: at, via: "--env on the command line")
        }
    }
}

/// The formats confgate reads.
public enum SourceFormat: String, CaseIterable, Sendable {
    /// confgate's own settings file, which may also be a fleet map.
    case conf
    /// Spring Boot `application.yml`/`.yaml`/`.properties`.
    case spring
    /// A plain HikariCP `.properties` file.
    case hikari
    /// Kubernetes manifests (rendered Helm output included) or a Helm chart's `values.yaml`.
    case kubernetes
    /// `postgresql.conf` / `postgresql.auto.conf`.
    case postgresql
    /// A Compose file: services, replicas, environment, a database's `-c` settings.
    case compose
    /// A `.env` file: variables, and a `DATABASE_URL` with pool parameters.
    case dotenv
    /// PgBouncer's `pgbouncer.ini`: the pooler tier (`[pooler]`).
    case pgbouncer

    /// The format of `path`, from its name and, for YAML, its content; `nil` when unsure.
    static func detect(_ path: String, text: () -> String?) -> SourceFormat? {
        let name = PathText.basename(path).lowercased()
        if name.hasPrefix("postgresql") && name.hasSuffix(".conf") { return .postgresql }
        if name.hasSuffix(".conf") { return .conf }
        if name == "pgbouncer.ini" { return .pgbouncer }
        if name.hasSuffix(".ini") { return (text() ?? "").lowercased().contains("[pgbouncer]") ? .pgbouncer : nil }
        if name == ".env" || name.hasSuffix(".env") { return .dotenv }
        if ["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"].contains(name)
            || (name.hasPrefix("docker-compose") && (name.hasSuffix(".yml") || name.hasSuffix(".yaml"))) {
            return .compose
        }
        if name.hasPrefix("application") && (name.hasSuffix(".yml") || name.hasSuffix(".yaml") || name.hasSuffix(".properties")) {
            return .spring
        }
        if name.hasSuffix(".properties") {
            let body = text() ?? ""
            if body.contains("spring.datasource") { return .spring }
            if body.contains("jdbcUrl") || body.contains("maximumPoolSize") { return .hikari }
            return nil
        }
        if name.hasSuffix(".yml") || name.hasSuffix(".yaml") {
            let body = text() ?? ""
            if body.contains("apiVersion:") || body.contains("kind:") || body.contains("replicaCount:") { return .kubernetes }
            if body.hasPrefix("services:") || body.contains("\nservices:") { return .compose }
            if body.contains("datasource") { return .spring }
        }
        return nil
    }
}

extension SourceFormat {
    /// The settings sections a file of this format feeds when named directly.
    var sections: [String] {
        switch self {
        case .conf: []
        case .spring, .hikari: ["database", "pool"]
        case .kubernetes, .compose: ["fleet", "database", "pool", "server"]
        case .dotenv: ["database", "pool"]
        case .postgresql: ["server"]
        case .pgbouncer: ["pooler"]
        }
    }

    /// The section a directly named file stands for, for findings about keys it left unset.
    var section: String { sections.first ?? "database" }
}
