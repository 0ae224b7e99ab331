/// The fleet map: a settings file's sections may say where their values come from, so the
/// gate reads the files a pull request changes instead of a copy that drifts:
///
/// ```
/// [pool]
/// source = "spring:src/main/resources/application.yml"
/// profiles = "prod"
/// [fleet]
/// source = "kubernetes:deploy/auth.yaml, deploy/hpa.yaml"
/// [server]
/// source = "postgresql:db/postgresql.conf"
/// max_connections = 100        # a literal key beside a source overrides it
/// ```
///
/// Paths are relative to the map. A source feeds only the keys of its own section; a named
/// pool's section (`[pool.replica]`, usually with a `prefix` such as
/// `app.datasource.replica`) takes the source's pool keys as its own.
/// Kubernetes sources are read first: their container environment feeds Spring's
/// placeholders and relaxed-binding overrides.
struct FleetMap {
    /// The keys a section may hold besides its settings: `source = "kind:path[, path…]"`,
    /// `profiles` (Spring), `prefix` (Spring datasource prefix, or a HikariCP key prefix),
    /// `workload` (which Deployment, StatefulSet or Compose service; for `pgbouncer`, which
    /// `[databases]` entry).
    static let keys: Set<String> = ["source", "profiles", "prefix", "workload"]

    struct Entry {
        var section: String
        var format: SourceFormat
        var paths: [String]
        var location: SourceLocation
        var options: [String: ConfDocument.Entry] = [:]
    }

    var entries: [Entry] = []

    /// Takes the map's keys out of `document`, leaving the settings keys for the schema.
    static func extract(_ document: inout ConfDocument, file: String) throws(ConfgateError) -> FleetMap {
        var map = FleetMap()
        var options: [String: [String: ConfDocument.Entry]] = [:]
        var sources: [(ConfDocument.Entry, String)] = []
        document.items.removeAll { item in
            guard case .entry(let entry) = item, keys.contains(entry.key), let section = entry.section else { return false }
            if entry.key == "source" { sources.append((entry, section)) } else { options[section, default: [:]][entry.key] = entry }
            return true
        }
        for (entry, section) in sources {
            guard let colon = entry.value.firstIndex(of: ":") else {
                throw ConfgateError(.badInput, "`source` is `KIND:PATH`, e.g. \"spring:src/main/resources/application.yml\"",
                                    at: entry.valueLocation, details: ["kinds: " + SourceFormat.allCases.filter { $0 != .conf }.map(\.rawValue).joined(separator: ", ")])
            }
            let kind = String(entry.value[..<colon]).trimmingBlanks.lowercased()
            guard let format = SourceFormat(rawValue: kind == "helm" ? "kubernetes" : kind), format != .conf else {
                var message = "unknown source kind `\(kind)`"
                if let close = Suggestion.closest(to: kind, among: SourceFormat.allCases.map(\.rawValue)) { message += "; did you mean `\(close)`?" }
                throw ConfgateError(.badInput, message, at: entry.valueLocation,
                                    details: ["kinds: " + SourceFormat.allCases.filter { $0 != .conf }.map(\.rawValue).joined(separator: ", ")])
            }
            let paths = entry.value[entry.value.index(after: colon)...].split(separator: ",")
                .map { PathText.resolve(String($0).trimmingBlanks, besideFile: file) }
            map.entries.append(Entry(section: section, format: format, paths: paths, location: entry.valueLocation,
                                     options: options[section] ?? [:]))
        }
        for (section, keyed) in options where !map.entries.contains(where: { $0.section == section }) {
            if let entry = keyed.values.first {
                throw ConfgateError(.badInput, "`\(entry.key)` in [\(section)] needs a `source` in the same section", at: entry.keyLocation)
            }
        }
        return map
    }

    /// Reads every source, Kubernetes first, and returns the bindings for each source's own section.
    func read(options: SourceOptions) throws(ConfgateError) -> SourceReading {
        var environment: [String: SourcedValue] = [:]
        var reading = SourceReading()
        // One read per distinct source, however many sections it feeds.
        var distinct: [(entry: Entry, sections: [String])] = []
        let providesEnvironment: Set<SourceFormat> = [.dotenv, .kubernetes, .compose]
        for entry in entries.filter({ providesEnvironment.contains($0.format) }) + entries.filter({ !providesEnvironment.contains($0.format) }) {
            if let index = distinct.firstIndex(where: { $0.entry.format == entry.format && $0.entry.paths == entry.paths
                && $0.entry.options.mapValues(\.value) == entry.options.mapValues(\.value) }) {
                distinct[index].sections.append(entry.section)
            } else {
                distinct.append((entry, [entry.section]))
            }
        }
        for (entry, sections) in distinct {
            var one = try Self.read(entry, options: options, environment: &environment)
            one.bindings = one.bindings.flatMap { Self.bindings($0, for: sections) }
            reading.merge(one)
        }
        return reading
    }

    /// `binding` for each of `sections` it feeds: its own section, or a `[pool.NAME]`, which
    /// takes a source's `pool.*` values as its own (`pool.max_size` → `pool.replica.max_size`).
    static func bindings(_ binding: SourceBinding, for sections: [String]) -> [SourceBinding] {
        sections.compactMap { section in
            if binding.path.hasPrefix(section + ".") { return binding }
            guard section.hasPrefix("pool."), binding.path.hasPrefix("pool."),
                  !binding.path.dropFirst("pool.".count).contains(".") else { return nil }
            var named = binding
            named.path = section + binding.path.dropFirst("pool".count)
            return named
        }
    }

    private static func read(_ entry: Entry, options: SourceOptions,
                             environment: inout [String: SourcedValue]) throws(ConfgateError) -> SourceReading {
        let profiles = entry.options["profiles"].map { $0.value.split(separator: ",").map { String($0).trimmingBlanks } } ?? options.profiles
        let env = environment.merging(options.commandLineEnvironment) { _, cli in cli }
        switch entry.format {
        case .kubernetes:
            let result = try KubernetesSource(workload: entry.options["workload"]?.value).read(entry.paths, files: options.files)
            environment.merge(result.environment) { _, new in new }
            return result.reading
        case .spring:
            var reading = SourceReading()
            for path in entry.paths {
                reading.merge(try SpringSource(profiles: profiles, environment: env,
                                               prefix: entry.options["prefix"]?.value ?? "spring.datasource").read(path, files: options.files))
            }
            return reading
        case .hikari:
            var reading = SourceReading()
            for path in entry.paths {
                reading.merge(try HikariSource(prefix: entry.options["prefix"]?.value ?? "", environment: env).read(path, files: options.files))
            }
            return reading
        case .postgresql:
            return try PostgresConfSource().read(entry.paths, files: options.files)
        case .pgbouncer:
            return try PgBouncerIniSource(database: entry.options["workload"]?.value).read(entry.paths, files: options.files)
        case .compose:
            var reading = SourceReading()
            for path in entry.paths {
                let result = try ComposeSource(service: entry.options["workload"]?.value, environment: options.commandLineEnvironment)
                    .read(path, files: options.files)
                environment.merge(result.environment) { _, new in new }
                reading.merge(result.reading)
            }
            return reading
        case .dotenv:
            var reading = SourceReading()
            for path in entry.paths {
                let result = try DotEnvSource().read(path, files: options.files)
                environment.merge(result.environment) { old, _ in old }
                reading.merge(result.reading)
            }
            return reading
        case .conf:
            return SourceReading()
        }
    }
}
