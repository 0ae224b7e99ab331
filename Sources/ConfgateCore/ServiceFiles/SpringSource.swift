/// Spring Boot's `application.yml`, `.yaml` or `.properties`: the datasource URL and
/// credentials, and the Hikari pool (`spring.datasource.hikari.*`), with Spring's relaxed
/// binding, profiles, placeholders and environment overrides.
///
/// Precedence, lowest first (as Spring Boot applies it): the file's documents in order (a
/// document with `spring.config.activate.on-profile` or the legacy `spring.profiles` only
/// when its profile is active), then `application-{profile}.*` beside it for each active
/// profile in order, then the environment (a container's `env`, `--env`). Active profiles:
/// `profiles` when given, else `SPRING_PROFILES_ACTIVE` / `spring.profiles.active`.
public struct SpringSource: Sendable {
    /// Profiles to activate; empty means "as the files and environment say".
    public var profiles: [String]
    /// The fleet's environment by variable name, each with where it was set.
    public var environment: [String: SourcedValue]
    /// Where the datasource's properties live: `spring.datasource`, or a custom prefix
    /// (`app.datasource.replica`) for a second datasource.
    public var prefix: String

    /// Spring Boot's own datasource, `spring.datasource`.
    public static let defaultPrefix = "spring.datasource"

    public init(profiles: [String] = [], environment: [String: SourcedValue] = [:], prefix: String = defaultPrefix) {
        self.profiles = profiles
        self.environment = environment
        self.prefix = prefix
    }

    /// What the environment alone says, for a service configured only by its container's
    /// variables (`SPRING_DATASOURCE_URL`, `SPRING_DATASOURCE_HIKARI_MAXIMUMPOOLSIZE`).
    public func readEnvironment() throws(ConfgateError) -> SourceReading {
        try read(documents: [], path: nil, files: .local)
    }

    /// Reads `path` (and its profile files) through `files`.
    public func read(_ path: String, files: FileAccess) throws(ConfgateError) -> SourceReading {
        try read(documents: try Self.documents(path, files: files), path: path, files: files)
    }

    private func read(documents base: [Document], path: String?, files: FileAccess) throws(ConfgateError) -> SourceReading {
        var reading = SourceReading()
        var documents = base
        var environmentMap = PropertyMap()
        for (name, value) in environment { environmentMap.values[PropertyMap.canonical(environment: name)] = value }

        // Active profiles: given, else the environment, else the unconditioned documents.
        var active = profiles
        if active.isEmpty {
            var base = PropertyMap()
            for document in documents where document.activation == nil { base.overlay(document.properties) }
            base.overlay(environmentMap)
            if let value = base["spring.profiles.active"] {
                let resolved = try Placeholders(environment: environment, properties: base).resolve(value)
                active = resolved.text.split(separator: ",").map { String($0).trimmingBlanks }.filter { !$0.isEmpty }
                reading.note("active profiles \(active.joined(separator: ", ")) from `\(value.name)`", at: value.location)
            }
        }
        for profile in active {
            guard let path else { break }
            for candidate in Self.profileFiles(of: path, profile: profile) where files.exists(candidate) {
                documents += try Self.documents(candidate, files: files, via: "profile \(profile)")
            }
        }
        reading.notes += documents.flatMap(\.notes)
        var properties = PropertyMap()
        for document in documents where document.activation.map({ Self.matches($0.expression, active: active) }) ?? true {
            properties.overlay(document.properties)
        }
        properties.overlay(environmentMap)
        let placeholders = Placeholders(environment: environment, properties: properties)

        // The datasource: URL, credentials.
        let url = properties[prefix + ".url"] ?? properties[prefix + ".hikari.jdbc-url"] ?? properties[prefix + ".jdbc-url"]
        if let url {
            let resolved = try placeholders.resolve(url)
            let userValue = properties[prefix + ".username"] ?? properties[prefix + ".hikari.username"]
            let user = userValue.flatMap { try? placeholders.resolve($0).text }
            if let userValue, user == nil {
                reading.note("`\(userValue.name)` is `\(userValue.text)`, which has no value here: the DSN names no user", at: userValue.location)
            }
            let password = (properties[prefix + ".password"] ?? properties[prefix + ".hikari.password"]).flatMap { try? placeholders.resolve($0).text }
            let parsed = try ConnectionURL.jdbc(resolved, user: user, password: password)
            reading.bind(parsed, at: resolved)
        } else if let path {
            reading.note("no `\(prefix).url` in \(path): the DSN is left unset")
        }
        try HikariKeys.read(properties, prefix: poolPrefix(in: properties), placeholders: placeholders,
                            into: &reading, describing: path ?? "the environment")
        Self.noteMisbound(environment, prefix: prefix, into: &reading)
        // Under a custom prefix the keys beside `url` may be the pool's own (see `poolPrefix`).
        let misplacedAt = prefix == Self.defaultPrefix ? [prefix, "spring.hikari"] : ["spring.hikari"]
        for key in HikariKeys.pool {
            for misplaced in misplacedAt.map({ "\($0).\(key.property)" }) {
                if let value = properties[misplaced] {
                    reading.note("`\(value.name)` at this level does not bind to HikariCP (the pool's keys live under `\(prefix).hikari.`): ignored, as Spring Boot 2 and 3 ignore it",
                                 at: value.location)
                }
            }
        }
        return reading
    }

    /// Where the pool's keys are: `PREFIX.hikari` — Spring Boot's datasource, and a second one
    /// bound the same way. Under a custom prefix, also `PREFIX.configuration` (Spring Boot's
    /// documented shape for two datasources) or `PREFIX` itself (a `HikariDataSource` bound with
    /// `@ConfigurationProperties("PREFIX")`, as `DataSourceBuilder` makes it: `jdbc-url`,
    /// `maximum-pool-size` side by side): the first of these that holds a pool key.
    func poolPrefix(in properties: PropertyMap) -> String {
        let candidates = prefix == Self.defaultPrefix ? [prefix + ".hikari"]
            : [prefix + ".hikari", prefix + ".configuration", prefix]
        return candidates.first { at in HikariKeys.pool.contains { properties[at + "." + $0.property] != nil } } ?? candidates[0]
    }

    /// An environment variable meant for a Hikari key but split with an extra underscore
    /// (`…_HIKARI_CONNECTION_TIMEOUT` binds to `hikari.connection.timeout`, which Hikari does not
    /// have): Spring ignores it silently, so say so.
    static func noteMisbound(_ environment: [String: SourcedValue], prefix: String, into reading: inout SourceReading) {
        let hikari = PropertyMap.canonical(prefix + ".hikari") + "."
        let known = Set(HikariKeys.pool.map { PropertyMap.canonical($0.property) })
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) {
            let canonical = PropertyMap.canonical(environment: name)
            guard canonical.hasPrefix(hikari) else { continue }
            let rest = String(canonical.dropFirst(hikari.count))
            let joined = rest.replacingOccurrences(of: ".", with: "")
            if !known.contains(rest), known.contains(joined) {
                let fixed = (prefix + ".hikari." + joined).uppercased().replacingOccurrences(of: ".", with: "_")
                reading.note("environment `\(name)` names `\(prefix).hikari.\(rest)`, which HikariCP does not have; read as not binding (Spring's documented form is `\(fixed)`)",
                             at: value.keyLocation)
            }
        }
    }

    /// One document of a Spring file: its properties, and the profile expression it is limited to.
    struct Document {
        var properties: PropertyMap
        var activation: (expression: String, at: SourceLocation)?
        var notes: [SourceNote] = []
    }

    static func documents(_ path: String, files: FileAccess, via: String? = nil) throws(ConfgateError) -> [Document] {
        let text = try files.read(path)
        let maps: [PropertyMap]
        if path.hasSuffix(".properties") {
            maps = PropertyMap.propertiesDocuments(text, file: path, via: via)
        } else {
            let yaml = try YAMLFile(text: text, file: path)
            maps = yaml.documents.map { PropertyMap.flatten($0, in: yaml, via: via) }
        }
        return maps.map { properties in
            var document = Document(properties: properties)
            if let activation = properties["spring.config.activate.on-profile"] {
                document.activation = (activation.text, activation.location)
            } else if let legacy = properties["spring.profiles"] {
                document.activation = (legacy.text, legacy.location)
                document.notes.append(SourceNote(
                    "`spring.profiles` in a document is the legacy form: Spring Boot 2.4–2.7 warn and 3.x refuse to start; write `spring.config.activate.on-profile`",
                    at: legacy.location))
            }
            return document
        }
    }

    /// `application-prod.yml`, `.yaml` and `.properties` beside `application.yml`.
    static func profileFiles(of path: String, profile: String) -> [String] {
        let name = PathText.basename(path)
        guard let dot = name.lastIndex(of: ".") else { return [] }
        let stem = name[..<dot]
        let directory = String(path.dropLast(name.count))
        return ["properties", "yaml", "yml"].map { "\(directory)\(stem)-\(profile).\($0)" }
    }

    /// Whether a profile expression (`prod`, `prod,eu`, `!dev`, `prod & eu`, `prod | eu`) holds.
    static func matches(_ expression: String, active: [String]) -> Bool {
        let any = expression.split(whereSeparator: { $0 == "," || $0 == "|" }).map { $0.trimmingBlanks }
        return any.contains { alternative in
            alternative.split(separator: "&").allSatisfy { term in
                let t = String(term).trimmingBlanks.trimmingCharacters(in: ["(", ")", " "])
                return t.hasPrefix("!") ? !active.contains(String(t.dropFirst())) : active.contains(t)
            }
        }
    }
}

/// A plain HikariCP `.properties` file (`jdbcUrl`, `maximumPoolSize`, …), optionally under a
/// custom prefix (`jdbc.maximumPoolSize`). `dataSource.*` goes to the JDBC driver and is not read.
public struct HikariSource: Sendable {
    /// The prefix every key carries, e.g. `jdbc`; empty for none.
    public var prefix: String
    public var environment: [String: SourcedValue]

    public init(prefix: String = "", environment: [String: SourcedValue] = [:]) {
        self.prefix = prefix.hasSuffix(".") ? String(prefix.dropLast()) : prefix
        self.environment = environment
    }

    public func read(_ path: String, files: FileAccess) throws(ConfgateError) -> SourceReading {
        let properties = PropertyMap.properties(try files.read(path), file: path)
        let placeholders = Placeholders(environment: environment, properties: properties)
        let at = prefix.isEmpty ? "" : prefix + "."
        var reading = SourceReading()
        if let url = properties[at + "jdbcUrl"] {
            let resolved = try placeholders.resolve(url)
            let user = properties[at + "username"].flatMap { try? placeholders.resolve($0).text }
            let password = properties[at + "password"].flatMap { try? placeholders.resolve($0).text }
            let parsed = try ConnectionURL.jdbc(resolved, user: user, password: password)
            reading.bind(parsed, at: resolved)
        }
        try HikariKeys.read(properties, prefix: prefix, placeholders: placeholders, into: &reading, describing: path)
        return reading
    }
}
