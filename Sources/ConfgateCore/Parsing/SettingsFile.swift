import Foundation

/// Reads a settings file (design §3): `[database]`, `[pool]` and any `[pool.NAME]`,
/// `[fleet]`, `[server]` and `[pooler]`.
/// Every key not in the file keeps its default; `Settings.origins` records the ones set.
public enum SettingsFile {
    /// Reads and validates the settings at `path`: a settings file (which may be a fleet map
    /// naming the service's own files), or one of those files directly, its format detected
    /// from its name and content or given by `sources.format`. Throws `ConfgateError`
    /// (`.badInput`, located in the file that holds the offending value).
    public static func load(path: String, sources: SourceOptions = .init()) throws(ConfgateError) -> Settings {
        // Read first, so a missing or unreadable file says so rather than "cannot tell".
        let text = try sources.files.read(path)
        let format = sources.format ?? SourceFormat.detect(path) { text }
        switch format {
        case .conf:
            return try parse(text, file: path, sources: sources)
        case nil:
            let name = PathText.basename(path)
            if [".yml", ".yaml", ".properties", ".ini"].contains(where: { name.hasSuffix($0) }) {
                throw ConfgateError(.badInput, "cannot tell what kind of file \(path) is",
                                    details: ["name its format: --format-in " + SourceFormat.allCases.map(\.rawValue).joined(separator: "|")])
            }
            return try parse(text, file: path, sources: sources)
        case .some(let format):
            var document = ConfDocument()
            let at = SourceLocation(file: path, line: 1, column: 1)
            document.items = [.header(.init(name: format.section, location: at, nameLocation: at))]
            var map = FleetMap()
            for section in format.sections {
                map.entries.append(.init(section: section, format: format, paths: [path], location: at))
            }
            var settings = Settings(file: path)
            try apply(try map.read(options: sources), to: &settings)
            try validate(&settings)
            return settings
        }
    }

    /// Parses `text` as if read from `file`. Paths in a fleet map's `source` keys are read
    /// through `sources.files`, relative to `file`.
    public static func parse(_ text: String, file: String, sources: SourceOptions = .init()) throws(ConfgateError) -> Settings {
        var document = try ConfDocument.parse(text, file: file)
        let names = try namedPools(in: document)
        let map = try FleetMap.extract(&document, file: file)
        // A `[pool.NAME]` header declares the pool, with the defaults for what it leaves out.
        var settings = Settings(namedPools: names.map { Settings.NamedPool(name: $0) }, file: file)
        try apply(try map.read(options: sources), to: &settings)
        let fromSources = settings.origins
        let provenance = try schema(namedPools: names).read(document, into: &settings)
        settings.origins = fromSources
        for (path, var origin) in provenance.origins {
            if let replaced = fromSources[path] {
                origin.via = "overrides \(replaced.text.map { "`\($0)` " } ?? "")from \(replaced.value)"
            }
            settings.origins[path] = origin
        }
        settings.sections = provenance.sections
        try validate(&settings)
        return settings
    }

    /// Sets each bound key through the same reader a settings file's key uses, so a value in a
    /// service's file is checked as strictly and its errors point into that file.
    static func apply(_ reading: SourceReading, to settings: inout Settings) throws(ConfgateError) {
        for binding in reading.bindings {
            guard let key = SettingsCatalog.key(binding.path) else { continue }
            let origin = binding.origin
            try key.apply(ConfValue(text: binding.text, location: origin.location, key: origin.name), &settings)
            settings.origins[binding.path] = KeyOrigin(
                key: origin.keyLocation, value: origin.location, comment: origin.comment,
                text: key.secret ? nil : origin.text, via: origin.via)
        }
        settings.notes += reading.notes
    }

    /// The settings file's keys: the catalog's, read by one `ConfSchema`. Other tools' names
    /// for them (HikariCP's, Kubernetes') get a "did you mean".
    static let schema = ConfSchema<Settings>(
        fileKind: "settings file",
        keys: SettingsCatalog.keys.map { key in
            ConfKey(section: key.section, name: key.name, secret: key.secret, apply: key.apply)
        },
        aliases: Dictionary(uniqueKeysWithValues: HikariKeys.pool.map { ($0.property.lowercased(), ($0.path, "HikariCP")) }
            + [("replicas", ("fleet.instances", "Kubernetes")), ("maxsurge", ("fleet.max_surge", "Kubernetes"))])
    )

    /// The schema for a file that declares the named pools `names`: the catalog's keys, and
    /// the pool keys once more under each `[pool.NAME]`.
    static func schema(namedPools names: [String]) -> ConfSchema<Settings> {
        guard !names.isEmpty else { return schema }
        var extended = schema
        for name in names {
            extended.keys += SettingsCatalog.namedPoolKeys(name).map { key in
                ConfKey(section: key.section, name: key.name, secret: key.secret, apply: key.apply)
            }
        }
        return extended
    }

    /// The names of the `[pool.NAME]` sections, in the order they first appear. A dotted
    /// section name that is not `pool.NAME`, or a bad NAME, is an error at the name.
    static func namedPools(in document: ConfDocument) throws(ConfgateError) -> [String] {
        var names: [String] = []
        for header in document.headers where header.name.contains(".") {
            let parts = header.name.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            guard parts[0] == "pool" else {
                throw ConfgateError(.badInput, "unknown section [\(header.name)]: only [pool] takes a name, as in [pool.replica]",
                                    at: header.nameLocation)
            }
            var at = header.nameLocation
            at.column += 5
            guard parts.count == 2 else {
                throw ConfgateError(.badInput, "a named pool's section is [pool.NAME], with one `.`; got [\(header.name)]", at: at)
            }
            if let problem = Settings.NamedPool.problem(with: parts[1]) {
                throw ConfgateError(.badInput, "bad pool name in [\(header.name)]: \(problem)", at: at,
                                    details: ["e.g. [pool.replica] or [pool.reporting_db]"])
            }
            if !names.contains(parts[1]) { names.append(parts[1]) }
        }
        return names
    }

    /// Rules that involve more than one key. A `connect_timeout` in the DSN counts as set
    /// (at the DSN's line) when the key is absent; set in both places, they must agree.
    static func validate(_ settings: inout Settings) throws(ConfgateError) {
        let server = settings.server
        if server.superuserReservedConnections + server.reservedConnections >= server.maxConnections {
            let at = ["server.max_connections", "server.superuser_reserved_connections", "server.reserved_connections"]
                .compactMap { settings.origins[$0]?.value }.first
            throw ConfgateError(
                .badInput,
                "superuser_reserved_connections (\(server.superuserReservedConnections)) plus reserved_connections "
                    + "(\(server.reservedConnections)) must be less than max_connections (\(server.maxConnections))",
                at: at, details: ["PostgreSQL refuses to start otherwise"])
        }
        if let dsn = settings.database.dsn, let dsnTimeout = dsn["connect_timeout"].flatMap({ Int($0.trimmingCharacters(in: .whitespaces)) }) {
            let fromDSN: SettingDuration? = dsnTimeout > 0 ? .seconds(Int64(dsnTimeout)) : nil
            if let keyOrigin = settings.origins["database.connect_timeout"] {
                if fromDSN != settings.database.connectTimeout {
                    let key = settings.database.connectTimeout.map { "\($0)" } ?? "off"
                    let inDSN = fromDSN.map { "\($0)" } ?? "off"
                    throw ConfgateError(
                        .badInput, "`connect_timeout` is \(key) here but \(inDSN) in the DSN",
                        at: keyOrigin.value, details: ["set it in one place only"])
                }
            } else if let dsnOrigin = settings.origins["database.dsn"] {
                settings.database.connectTimeout = fromDSN
                settings.origins["database.connect_timeout"] = KeyOrigin(
                    key: dsnOrigin.key, value: dsnOrigin.value, comment: dsnOrigin.comment,
                    text: "\(dsnTimeout) (in the DSN)")
            }
        }
    }
}

/// Reading input files with errors a user can act on.
enum InputFile {
    static func read(_ path: String) throws(ConfgateError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ConfgateError(.badInput, "cannot read \(path): no such file")
        }
        if isDirectory.boolValue {
            throw ConfgateError(.badInput, "cannot read \(path): it is a directory")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ConfgateError(.badInput, "cannot read \(path): permission denied or unreadable")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfgateError(.badInput, "cannot read \(path): it is not UTF-8 text")
        }
        return text
    }
}
