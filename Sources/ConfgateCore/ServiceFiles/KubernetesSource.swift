import Yams

/// Kubernetes manifests (one or more files, multi-document, rendered Helm output included)
/// or a Helm chart's `values.yaml`: how many instances run, how many more a rolling update
/// adds, and the container environment that feeds a Spring file's placeholders.
///
/// Instances: a HorizontalPodAutoscaler's `maxReplicas` when one targets the workload (the
/// fleet's worst case), else `spec.replicas` (Kubernetes' default 1). Surge: a Deployment's
/// `strategy.rollingUpdate.maxSurge`, a count or a percentage of the instances rounded up
/// (Kubernetes' default 25%), 0 for `Recreate`; a StatefulSet replaces pods one by one (0).
public struct KubernetesSource: Sendable {
    /// Which Deployment or StatefulSet, by `metadata.name`; needed when the files hold several.
    public var workload: String?

    public init(workload: String? = nil) { self.workload = workload }

    /// What the manifests say.
    public struct Result: Sendable {
        public var reading = SourceReading()
        /// The workload's container environment by name (`env`, and `envFrom` ConfigMaps found in the files).
        public var environment: [String: SourcedValue] = [:]
    }

    /// The default `maxSurge` of a Deployment's rolling update.
    static let defaultSurgePercent = 25

    public func read(_ paths: [String], files: FileAccess) throws(ConfgateError) -> Result {
        var objects: [(node: Node, yaml: YAMLFile)] = []
        for path in paths {
            let yaml = try YAMLFile(text: try files.read(path), file: path)
            for document in yaml.documents {
                if document.value("kind")?.text == "List" {
                    objects += document.value("items")?.array().map { ($0, yaml) } ?? []
                } else {
                    objects.append((document, yaml))
                }
            }
        }
        if objects.allSatisfy({ $0.node.value("kind") == nil }), let values = objects.first(where: { $0.node.value("replicaCount") != nil }) {
            return try Self.helmValues(values.node, yaml: values.yaml)
        }
        let workloads = objects.filter { ["Deployment", "StatefulSet"].contains($0.node.value("kind")?.text ?? "") }
        var result = Result()
        try Self.serverSettings(objects, into: &result.reading)
        guard !workloads.isEmpty else {
            if result.reading.bindings.isEmpty {
                throw ConfgateError(.badInput, "no Deployment or StatefulSet in \(paths.joined(separator: ", "))",
                                    details: ["name the manifest that runs the service (rendered: `helm template …`)"])
            }
            return result
        }
        let names = workloads.map { Self.name(of: $0.node) }
        let chosen: (node: Node, yaml: YAMLFile)
        if let workload {
            guard let match = workloads.first(where: { Self.name(of: $0.node) == workload }) else {
                throw ConfgateError(.badInput, "no Deployment or StatefulSet named `\(workload)` in \(paths.joined(separator: ", "))",
                                    details: ["found: " + names.joined(separator: ", ")])
            }
            chosen = match
        } else if workloads.count == 1 {
            chosen = workloads[0]
        } else {
            throw ConfgateError(.badInput, "\(paths.joined(separator: ", ")) hold \(workloads.count) workloads (\(names.joined(separator: ", "))): say which one runs the service",
                                at: workloads[1].yaml.location(workloads[1].node), details: ["in the fleet map: `workload = \"\(names[0])\"`"])
        }
        try fleet(chosen, objects: objects, into: &result)
        return result
    }

    private func fleet(_ workload: (node: Node, yaml: YAMLFile), objects: [(node: Node, yaml: YAMLFile)],
                       into result: inout Result) throws(ConfgateError) {
        let (node, yaml) = workload
        let kind = node.value("kind")?.text ?? "Deployment"
        let name = Self.name(of: node)
        let kindEntry = node.entry("kind")
        let kindValue = kindEntry.map { yaml.location($0.value) } ?? yaml.location(node)

        // Replicas, or the autoscaler's ceiling.
        var instances = 1
        var instancesOrigin = SourcedValue(text: "1", name: "replicas", keyLocation: kindValue, location: kindValue,
                                           via: "\(kind) \(name) sets no spec.replicas: Kubernetes' default 1")
        if let entry = node.value("spec")?.entry("replicas"), let text = entry.value.text {
            instancesOrigin = SourcedValue(text: text, name: "replicas", keyLocation: yaml.location(entry.key),
                                           location: yaml.location(entry.value), comment: yaml.comment(after: entry.value))
            instances = Int(text) ?? instances
        }
        let autoscalers = objects.filter { $0.node.value("kind")?.text == "HorizontalPodAutoscaler" }
        for hpa in autoscalers {
            guard let target = hpa.node.value(at: ["spec", "scaleTargetRef"]), let targetName = target.value("name")?.text else { continue }
            let targetKind = target.value("kind")?.text ?? ""
            let matchesSomething = objects.contains { Self.name(of: $0.node) == targetName && $0.node.value("kind")?.text == targetKind }
            if !matchesSomething, let at = target.value("name") {
                throw ConfgateError(.badInput, "HorizontalPodAutoscaler \(Self.name(of: hpa.node)) scales \(targetKind) `\(targetName)`, which is not in the files",
                                    at: hpa.yaml.location(at), details: ["add the manifest that defines it, or fix scaleTargetRef.name"])
            }
            guard targetName == name, targetKind == kind, let entry = hpa.node.value("spec")?.entry("maxReplicas"),
                  let text = entry.value.text else { continue }
            let minimum = hpa.node.value(at: ["spec", "minReplicas"])?.text ?? "1"
            instancesOrigin = SourcedValue(
                text: text, name: "maxReplicas", keyLocation: hpa.yaml.location(entry.key), location: hpa.yaml.location(entry.value),
                comment: hpa.yaml.comment(after: entry.value),
                via: "HorizontalPodAutoscaler \(Self.name(of: hpa.node)): the fleet's worst case (minReplicas \(minimum), replicas \(instances))")
            instances = Int(text) ?? instances
        }
        result.reading.bind("fleet.instances", instancesOrigin.text, instancesOrigin)

        // Surge during a rolling update.
        let strategyKey = kind == "StatefulSet" ? "updateStrategy" : "strategy"
        let strategy = node.value("spec")?.value(strategyKey)
        if kind == "StatefulSet" {
            result.reading.bind("fleet.max_surge", "0", SourcedValue(
                text: "0", name: "updateStrategy", keyLocation: kindValue, location: kindValue,
                via: "a StatefulSet replaces its pods one at a time: no surge"))
        } else if let surge = try Self.surge(strategy, instances: instances, yaml: yaml) {
            result.reading.bind("fleet.max_surge", surge.count, surge.origin)
        } else {
            let surge = (instances * Self.defaultSurgePercent + 99) / 100
            result.reading.bind("fleet.max_surge", "\(surge)", SourcedValue(
                text: "\(Self.defaultSurgePercent)%", name: "maxSurge", keyLocation: kindValue, location: kindValue,
                via: "Kubernetes' default maxSurge 25% of \(instances) instances, rounded up"))
        }

        // The container environment.
        let containers = node.value(at: ["spec", "template", "spec", "containers"])?.array() ?? []
        for container in containers {
            for reference in container.value("envFrom")?.array() ?? [] {
                guard let mapName = reference.value(at: ["configMapRef", "name"])?.text else { continue }
                guard let configMap = objects.first(where: { $0.node.value("kind")?.text == "ConfigMap" && Self.name(of: $0.node) == mapName }) else {
                    result.reading.note("envFrom ConfigMap `\(mapName)` is not in the files: its variables are not known",
                                        at: yaml.location(reference))
                    continue
                }
                guard case .mapping(let data)? = configMap.node.value("data") else { continue }
                for pair in data {
                    guard let key = pair.key.text, let value = pair.value.text else { continue }
                    result.environment[key] = SourcedValue(
                        text: value, name: key, keyLocation: configMap.yaml.location(pair.key),
                        location: configMap.yaml.location(pair.value), via: "ConfigMap \(mapName)")
                }
            }
            for variable in container.value("env")?.array() ?? [] {
                guard let key = variable.value("name")?.text else { continue }
                if let reference = variable.value(at: ["valueFrom", "configMapKeyRef"]),
                   let mapName = reference.value("name")?.text, let mapKey = reference.value("key")?.text,
                   let configMap = objects.first(where: { $0.node.value("kind")?.text == "ConfigMap" && Self.name(of: $0.node) == mapName }),
                   let entry = configMap.node.value("data")?.entry(mapKey), let value = entry.value.text {
                    result.environment[key] = SourcedValue(
                        text: value, name: key, keyLocation: configMap.yaml.location(entry.key),
                        location: configMap.yaml.location(entry.value),
                        via: "ConfigMap \(mapName) key \(mapKey), env \(key) of \(kind) \(name)")
                    continue
                }
                guard let entry = variable.entry("value"), let value = entry.value.text else {
                    if variable.value("valueFrom") != nil {
                        result.reading.note("env `\(key)` comes from valueFrom (a Secret or field): its value is not in the files",
                                            at: yaml.location(variable))
                    }
                    continue
                }
                result.environment[key] = SourcedValue(
                    text: value, name: key, keyLocation: yaml.location(entry.key), location: yaml.location(entry.value),
                    comment: yaml.comment(after: entry.value), via: "container env of \(kind) \(name)")
            }
        }
        if let processes = Self.processes(containers, yaml: yaml, environment: result.environment) {
            result.reading.bind("fleet.processes", processes.text, processes)
        }
        try Self.bindEnvironment(result.environment, into: &result.reading)
    }

    /// What a container's environment says on its own: `DATABASE_URL` with pool parameters,
    /// and Spring's `SPRING_DATASOURCE_*` variables (for a service configured by them alone).
    static func bindEnvironment(_ environment: [String: SourcedValue], into reading: inout SourceReading) throws(ConfgateError) {
        if let url = environment["DATABASE_URL"], url.text.contains("://") {
            let parsed = try ConnectionURL.postgres(url)
            reading.bind(parsed, at: url)
        }
        if environment.keys.contains(where: { $0.hasPrefix("SPRING_DATASOURCE_") }) {
            let spring = try SpringSource(environment: environment).readEnvironment()
            for binding in spring.bindings { reading.bind(binding.path, binding.text, binding.origin) }
            reading.notes += spring.notes.filter { !$0.message.contains("HikariCP's default") }
        }
    }

    /// Worker processes per pod, each with its own pool: `gunicorn --workers N` (`-w N`,
    /// `--workers=N`), `uvicorn --workers N`, `puma -w N` in a container's command or
    /// arguments, else `WEB_CONCURRENCY` in its environment (read by gunicorn, Puma and Node
    /// cluster setups).
    static func processes(_ containers: [Node], yaml: YAMLFile, environment: [String: SourcedValue]) -> SourcedValue? {
        for container in containers {
            let split = [container.value("command"), container.value("args")].compactMap { $0 }.flatMap { yaml.words($0) }
            guard split.contains(where: { ["gunicorn", "uvicorn", "puma"].contains(PathText.basename($0.text)) }) else { continue }
            for (index, word) in split.enumerated() {
                if ["--workers", "-w"].contains(word.text), index + 1 < split.count, Int(split[index + 1].text) != nil {
                    let value = split[index + 1]
                    return SourcedValue(text: value.text, name: word.text, keyLocation: word.location, location: value.location,
                                        via: "worker processes per pod, each with its own pool")
                }
                if word.text.hasPrefix("--workers=") {
                    var at = word.location
                    at.column += "--workers=".count
                    return SourcedValue(text: String(word.text.dropFirst("--workers=".count)), name: "--workers",
                                        keyLocation: word.location, location: at, via: "worker processes per pod, each with its own pool")
                }
            }
        }
        if var concurrency = environment["WEB_CONCURRENCY"] {
            concurrency.via = "WEB_CONCURRENCY: worker processes per pod, each with its own pool"
            return concurrency
        }
        return nil
    }

    /// What a Deployment's (or a chart's) `strategy` says of the surge: 0 for `Recreate`, else
    /// `rollingUpdate.maxSurge`; `nil` when it says neither (the caller applies its default).
    static func surge(_ strategy: Node?, instances: Int, yaml: YAMLFile) throws(ConfgateError) -> (count: String, origin: SourcedValue)? {
        if let type = strategy?.entry("type"), type.value.text == "Recreate" {
            return ("0", SourcedValue(text: "0", name: "type", keyLocation: yaml.location(type.key), location: yaml.location(type.value),
                                      via: "strategy Recreate stops the old pods first: no surge"))
        }
        guard let entry = strategy?.value("rollingUpdate")?.entry("maxSurge"), let text = entry.value.text else { return nil }
        let count = try surge(text, instances: instances, at: yaml.location(entry.value))
        return ("\(count)", SourcedValue(
            text: text, name: "maxSurge", keyLocation: yaml.location(entry.key), location: yaml.location(entry.value),
            comment: yaml.comment(after: entry.value), via: text.hasSuffix("%") ? "\(text) of \(instances) instances, rounded up" : nil))
    }

    /// Kubernetes' surge: a count, or a percentage of `instances` rounded up.
    static func surge(_ text: String, instances: Int, at location: SourceLocation) throws(ConfgateError) -> Int {
        if text.hasSuffix("%"), let percent = Int(text.dropLast()), percent >= 0 {
            return (instances * percent + 99) / 100
        }
        guard let count = Int(text), count >= 0 else {
            throw ConfgateError(.badInput, "`maxSurge` expects a count or a percentage such as 25%, got `\(text)`", at: location)
        }
        return count
    }

    /// A Helm chart's values: `replicaCount`, and `autoscaling.maxReplicas` when `autoscaling.enabled`.
    static func helmValues(_ node: Node, yaml: YAMLFile) throws(ConfgateError) -> Result {
        var result = Result()
        if let entry = node.entry("replicaCount"), let text = entry.value.text {
            result.reading.bind("fleet.instances", text, SourcedValue(
                text: text, name: "replicaCount", keyLocation: yaml.location(entry.key), location: yaml.location(entry.value),
                comment: yaml.comment(after: entry.value)))
        }
        if let autoscaling = node.value("autoscaling"), ["true", "True", "yes", "on"].contains(autoscaling.value("enabled")?.text ?? ""),
           let entry = autoscaling.entry("maxReplicas"), let text = entry.value.text {
            result.reading.bind("fleet.instances", text, SourcedValue(
                text: text, name: "maxReplicas", keyLocation: yaml.location(entry.key), location: yaml.location(entry.value),
                comment: yaml.comment(after: entry.value), via: "autoscaling enabled: the fleet's worst case"))
        }
        let instances = result.reading.bindings.first { $0.path == "fleet.instances" }.flatMap { Int($0.text) } ?? 1
        if let surge = try surge(node.value("strategy"), instances: instances, yaml: yaml) {
            result.reading.bind("fleet.max_surge", surge.count, surge.origin)
        } else {
            result.reading.note("the values set no `strategy`: the chart's template decides the surge; render it (`helm template`) to read it",
                                at: yaml.location(node))
        }
        // The conventional `env:` map of a chart's values, which its template passes to the container.
        if case .mapping(let env)? = node.value("env") {
            for pair in env {
                guard let key = pair.key.text, let value = pair.value.text else { continue }
                result.environment[key] = SourcedValue(
                    text: value, name: key, keyLocation: yaml.location(pair.key), location: yaml.location(pair.value),
                    comment: yaml.comment(after: pair.value), via: "env in the chart's values")
            }
        }
        return result
    }

    /// `max_connections` and its reservations from a CloudNativePG `Cluster`
    /// (`spec.postgresql.parameters`) or a `postgres -c name=value` container command.
    static func serverSettings(_ objects: [(node: Node, yaml: YAMLFile)], into reading: inout SourceReading) throws(ConfgateError) {
        for (node, yaml) in objects {
            if node.value("kind")?.text == "Cluster", let parameters = node.value(at: ["spec", "postgresql", "parameters"]) {
                for setting in PostgresConfSource.settings {
                    guard let entry = parameters.entry(setting.name), let text = entry.value.text else { continue }
                    reading.bind(setting.path, text, SourcedValue(
                        text: text, name: setting.name, keyLocation: yaml.location(entry.key), location: yaml.location(entry.value),
                        comment: yaml.comment(after: entry.value), via: "CloudNativePG Cluster \(name(of: node))"))
                }
            }
            for container in node.value(at: ["spec", "template", "spec", "containers"])?.array() ?? [] {
                let words = [container.value("command"), container.value("args")].compactMap { $0 }.flatMap { yaml.words($0) }
                PostgresConfSource.commandLine(words, into: &reading)
            }
        }
    }

    static func name(of node: Node) -> String { node.value(at: ["metadata", "name"])?.text ?? "(unnamed)" }
}
