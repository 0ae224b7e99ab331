import Yams

/// A Compose file (`compose.yaml`, `docker-compose.yml`): how small teams describe a whole
/// fleet. The service is the one named by `service` (in a fleet map: `workload`), else the
/// only service with database settings in its environment. Instances: every service that
/// runs the same `image` or `build` as it, each `deploy.replicas` (or `scale`) times (1 by
/// default). Surge: `deploy.update_config.order: start-first` starts `parallelism` (default 1)
/// new containers before stopping old ones; otherwise none. Its `environment` (mapping or
/// `KEY=value` list) feeds Spring placeholders and `DATABASE_URL`. A database service's
/// `command: postgres -c max_connections=…` gives the server's limits.
/// `${VAR}`, `${VAR:-default}` and `${VAR-default}` are interpolated as Compose does, from
/// `--env`, then the `.env` file beside the Compose file.
public struct ComposeSource: Sendable {
    public var service: String?
    public var environment: [String: SourcedValue]

    public init(service: String? = nil, environment: [String: SourcedValue] = [:]) {
        self.service = service
        self.environment = environment
    }

    public func read(_ path: String, files: FileAccess) throws(ConfgateError) -> KubernetesSource.Result {
        var interpolation = environment
        let dotenv = PathText.resolve(".env", besideFile: path)
        if files.exists(dotenv) {
            for (key, value) in try DotEnvSource.variables(dotenv, files: files) where interpolation[key] == nil {
                interpolation[key] = value
            }
        }
        let yaml = try YAMLFile(text: try files.read(path), file: path)
        guard let root = yaml.documents.first, case .mapping(let services)? = root.value("services") else {
            throw ConfgateError(.badInput, "\(path) has no `services:`: not a Compose file", details: ["name its format with --format-in"])
        }
        var result = KubernetesSource.Result()
        let all: [(name: String, key: Node, node: Node)] = services.compactMap { pair in pair.key.text.map { ($0, pair.key, pair.value) } }

        // Each database service's limits (the one the service connects to is chosen below).
        var databases: [(name: String, reading: SourceReading)] = []
        for entry in all {
            guard let command = entry.node.value("command") else { continue }
            let words = yaml.words(command).map { word in
                (text: (try? Self.interpolate(word.text, from: interpolation)) ?? word.text, location: word.location)
            }
            var reading = SourceReading()
            PostgresConfSource.commandLine(words, into: &reading)
            if !reading.bindings.isEmpty { databases.append((entry.name, reading)) }
        }
        if databases.count == 1 { result.reading.merge(databases[0].reading) }

        // The service, its instances and its environment.
        let candidates = all.filter { entry in
            Self.environment(entry.node, yaml: yaml).keys.contains { $0.hasPrefix("SPRING_DATASOURCE") || $0 == "DATABASE_URL" || $0.hasPrefix("DB_") }
        }
        let chosen: (name: String, key: Node, node: Node)
        if let service {
            guard let match = all.first(where: { $0.name == service }) else {
                throw ConfgateError(.badInput, "no service `\(service)` in \(path)", details: ["services: " + all.map(\.name).joined(separator: ", ")])
            }
            chosen = match
        } else if candidates.count == 1 {
            chosen = candidates[0]
        } else if candidates.isEmpty {
            if let first = databases.first, result.reading.bindings.isEmpty { result.reading.merge(first.reading) }
            if !result.reading.bindings.isEmpty { return result }
            throw ConfgateError(.badInput, "no service in \(path) has database settings in its environment: say which runs the service",
                                details: ["in the fleet map: `workload = \"NAME\"`; services: " + all.map(\.name).joined(separator: ", ")])
        } else {
            throw ConfgateError(.badInput, "several services in \(path) have database settings (\(candidates.map(\.name).joined(separator: ", "))): say which runs the service",
                                at: yaml.location(candidates[1].key), details: ["in the fleet map: `workload = \"\(candidates[0].name)\"`"])
        }
        let identity = Self.identity(chosen.node)
        let same = all.filter { identity != nil && Self.identity($0.node) == identity }
        var instances = 0
        var origin: SourcedValue?
        for entry in (same.isEmpty ? [chosen] : same) {
            let replicas = entry.node.value(at: ["deploy", "replicas"]).map { ($0, "deploy.replicas") } ?? entry.node.value("scale").map { ($0, "scale") }
            if let (node, name) = replicas, let text = node.text, let count = Int(text) {
                instances += count
                origin = origin ?? SourcedValue(text: text, name: name, keyLocation: yaml.location(node), location: yaml.location(node))
            } else {
                instances += 1
            }
        }
        var instancesOrigin = origin ?? SourcedValue(text: "1", name: "services", keyLocation: yaml.location(chosen.key),
                                                     location: yaml.location(chosen.key), via: "one container per service by default")
        instancesOrigin.via = same.count > 1
            ? "services \(same.map(\.name).joined(separator: ", ")) run the same \(identity ?? "image"): \(instances) instances"
            : instancesOrigin.via
        result.reading.bind("fleet.instances", "\(instances)", instancesOrigin)
        if let order = chosen.node.value(at: ["deploy", "update_config", "order"]), order.text == "start-first" {
            let parallelism = chosen.node.value(at: ["deploy", "update_config", "parallelism"])
            let surge = parallelism?.text ?? "1"
            result.reading.bind("fleet.max_surge", surge, SourcedValue(
                text: surge, name: "parallelism", keyLocation: yaml.location(order), location: yaml.location(parallelism ?? order),
                via: "update_config order start-first: new containers start before old ones stop"))
        } else {
            let at = yaml.location(chosen.key)
            result.reading.bind("fleet.max_surge", "0", SourcedValue(
                text: "0", name: "update_config", keyLocation: at, location: at, via: "Compose stops old containers before starting new ones: no surge"))
        }
        for (key, value) in Self.environment(chosen.node, yaml: yaml) {
            result.environment[key] = value.with(text: try Self.interpolate(value.text, from: interpolation, at: value))
        }
        if databases.count > 1 {
            // The database the service's URL names (`jdbc:postgresql://db:5432/app` → `db`).
            let url = result.environment["SPRING_DATASOURCE_URL"] ?? result.environment["DATABASE_URL"]
            let host = url.flatMap { Self.host(of: $0.text) }
            let database = databases.first { $0.name == host } ?? databases[0]
            result.reading.merge(database.reading)
            result.reading.note("several database services (\(databases.map(\.name).joined(separator: ", "))): read \(database.name)"
                                + (host == database.name ? ", the one \(chosen.name)'s URL names" : "; say which in the fleet map with a [server] source of its own"),
                                at: yaml.location(chosen.key))
        }
        try KubernetesSource.bindEnvironment(result.environment, into: &result.reading)
        if let processes = KubernetesSource.processes([chosen.node], yaml: yaml, environment: result.environment) {
            result.reading.bind("fleet.processes", processes.text, processes)
        }
        return result
    }

    /// The host of a `…://host:port/db` URL.
    static func host(of url: String) -> String? {
        guard let start = url.range(of: "://") else { return nil }
        var rest = url[start.upperBound...]
        if let at = rest.lastIndex(of: "@") { rest = rest[rest.index(after: at)...] }
        let host = rest.prefix { $0 != ":" && $0 != "/" && $0 != "?" && $0 != "," }
        return host.isEmpty ? nil : String(host)
    }

    /// What makes two services the same program: their image, or their build context.
    static func identity(_ node: Node) -> String? {
        if let image = node.value("image")?.text { return "image \(image)" }
        if let build = node.value("build") { return "build " + (build.text ?? build.value("context")?.text ?? "?") }
        return nil
    }

    /// A service's `environment`, as a mapping or a `KEY=value` list, each value located.
    static func environment(_ node: Node, yaml: YAMLFile) -> [String: SourcedValue] {
        var out: [String: SourcedValue] = [:]
        switch node.value("environment") {
        case .mapping(let pairs)?:
            for pair in pairs {
                guard let key = pair.key.text else { continue }
                let value = pair.value.text ?? ""
                out[key] = SourcedValue(text: value, name: key, keyLocation: yaml.location(pair.key),
                                        location: yaml.location(pair.value), comment: yaml.comment(after: pair.value),
                                        via: "environment of a Compose service")
            }
        case .sequence(let items)?:
            for item in items {
                guard let text = item.text, let equals = text.firstIndex(of: "=") else { continue }
                let key = String(text[..<equals])
                var at = yaml.textLocation(item)
                let keyAt = at
                at.column += key.count + 1
                out[key] = SourcedValue(text: String(text[text.index(after: equals)...]), name: key, keyLocation: keyAt,
                                        location: at, via: "environment of a Compose service")
            }
        default:
            break
        }
        return out
    }

    /// Compose's interpolation: `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `$VAR`, `$$`.
    static func interpolate(_ text: String, from variables: [String: SourcedValue], at value: SourcedValue? = nil) throws(ConfgateError) -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var chars = Array(text)[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            guard c == "$" else { out.append(c); continue }
            if chars.first == "$" { out.append("$"); chars = chars.dropFirst(); continue }
            if chars.first == "{", let close = chars.firstIndex(of: "}") {
                let body = String(chars[chars.index(after: chars.startIndex)..<close])
                chars = chars[chars.index(after: close)...]
                var name = body, fallback: String?, emptyCounts = false
                if let range = body.range(of: ":-") { name = String(body[..<range.lowerBound]); fallback = String(body[range.upperBound...]); emptyCounts = true }
                else if let dash = body.firstIndex(of: "-") { name = String(body[..<dash]); fallback = String(body[body.index(after: dash)...]) }
                if let found = variables[name]?.text, !(emptyCounts && found.isEmpty) { out += found }
                else if let fallback { out += fallback }
                else {
                    throw ConfgateError(.badInput, "`${\(name)}` has no value: Compose would substitute an empty string", at: value?.location,
                                        details: ["set it in the .env file beside the Compose file, pass `--env \(name)=VALUE`, or write `${\(name):-DEFAULT}`"])
                }
            } else {
                let name = String(chars.prefix { $0.isLetter || $0.isNumber || $0 == "_" })
                chars = chars.dropFirst(name.count)
                out += variables[name]?.text ?? ""
            }
        }
        return out
    }
}

/// A `.env` file: `KEY=value` lines (`export` allowed, quotes removed, `#` comments), as
/// Compose, dotenv libraries and many platforms read it. Its variables feed placeholders; its
/// `DATABASE_URL` (pgx `pool_max_conns`, Prisma `connection_limit`, …) gives the DSN and pool.
public struct DotEnvSource: Sendable {
    public init() {}

    public func read(_ path: String, files: FileAccess) throws(ConfgateError) -> KubernetesSource.Result {
        var result = KubernetesSource.Result()
        result.environment = try Self.variables(path, files: files)
        try KubernetesSource.bindEnvironment(result.environment, into: &result.reading)
        return result
    }

    static func variables(_ path: String, files: FileAccess) throws(ConfgateError) -> [String: SourcedValue] {
        var out: [String: SourcedValue] = [:]
        for (index, raw) in try files.read(path).split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = Substring(raw.hasSuffix("\r") ? raw.dropLast() : raw)
            var column = 1
            while line.first == " " || line.first == "\t" { line = line.dropFirst(); column += 1 }
            if line.hasPrefix("export ") { line = line.dropFirst(7); column += 7 }
            guard !line.isEmpty, line.first != "#", let equals = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<equals]).trimmingBlanks
            var value = String(line[line.index(after: equals)...])
            let valueColumn = column + line.distance(from: line.startIndex, to: equals) + 1
            if let quote = value.first, quote == "\"" || quote == "'", let end = value.dropFirst().firstIndex(of: quote) {
                value = String(value[value.index(after: value.startIndex)..<end])
            } else if let hash = value.range(of: " #") {
                value = String(value[..<hash.lowerBound]).trimmingBlanks
            } else {
                value = value.trimmingBlanks
            }
            out[key] = SourcedValue(text: value, name: key,
                                    keyLocation: SourceLocation(file: path, line: index + 1, column: column),
                                    location: SourceLocation(file: path, line: index + 1, column: valueColumn), via: "\(PathText.basename(path))")
        }
        return out
    }
}
