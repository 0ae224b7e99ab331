import Foundation
import Testing
import Yams

/// The examples under ci/. The rollout integrations (issue #14, item 4; docs/rollouts.md): each
/// manifest parses and is the kind the docs name, and the confgate command it runs is taken out
/// of it and run by the real binary — against a server that is not there, so a valid command
/// line must end in exit 3 (unreachable: inconclusive), never 2. The pre-merge CI examples: their
/// scripts run as the CI would run them, lint-only. The examples cannot rot into flags confgate
/// no longer takes.
@Suite("examples under ci/")
struct RolloutExamplesTests {
    /// What the Secret would hold: a URL with a password, at a port where nothing listens.
    static let secret = "pw-from-the-secret"
    static let secretURLs = [
        "CONFGATE_POSTGRES_URL": "postgresql://confgate_monitor:\(secret)@127.0.0.1:1/postgres",
        "CONFGATE_PROBE_URL": "postgresql://auth:\(secret)@127.0.0.1:1/auth",
    ]
    /// A repository fixture standing in for the mounted ConfigMap's settings file.
    static let settingsFixture = "fixtures/current.conf"

    // MARK: Argo Rollouts

    @Test func argoAnalysisTemplatesCommandIsAcceptedAndAnUnreachableServerIsInconclusive() async throws {
        let documents = try Self.documents("ci/argo-rollouts-analysis.yaml")
        #expect(documents.map(Self.kind) == ["argoproj.io/v1alpha1 AnalysisTemplate", "argoproj.io/v1alpha1 Rollout"])
        let template = try #require(documents.first)
        let container = try Self.confgateContainer(ofJob: template)
        #expect(container["command"] as? [String] == ["confgate"])
        let arguments = try #require(container["args"] as? [String])
        #expect(arguments.first == "canary")

        // As the controllers would: Argo fills {{args.NAME}} (the template's defaults here),
        // then Kubernetes expands $(VAR) from the container's env, which must come from a Secret.
        let defaults = try Self.argumentDefaults(template)
        let secrets = Self.secretEnvironment(container)
        #expect(Set(secrets) == Set(Self.secretURLs.keys), "env from the Secret: \(secrets)")
        var resolved = try arguments.map { try Self.argoArguments($0, defaults) }
        resolved = resolved.map { argument in
            Self.secretURLs.reduce(argument) { $0.replacingOccurrences(of: "$(\($1.key))", with: $1.value) }
        }
        #expect(!resolved.contains { $0.contains("$(") || $0.contains("{{") }, "\(resolved)")
        try Self.mountSettings(&resolved, mounts: container["volumeMounts"])

        let result = try await ConfgateRunner.run(resolved)
        Self.expectInconclusive(result, "the AnalysisTemplate's command")
    }

    @Test func argoJobFailsAtOnceWhenBlockedOrBadInputAndRetriesInconclusive() throws {
        let template = try #require(try Self.documents("ci/argo-rollouts-analysis.yaml").first)
        let metric = try #require(((template["spec"] as? [String: Any])?["metrics"] as? [[String: Any]])?.first)
        #expect(metric["failureLimit"] as? Int == 0 && metric["count"] as? Int == 1)
        let job = try #require(((metric["provider"] as? [String: Any])?["job"] as? [String: Any])?["spec"] as? [String: Any])
        let backoffLimit = try #require(job["backoffLimit"] as? Int)
        #expect(backoffLimit >= 1, "exit 3 is retried")
        let pod = try #require((job["template"] as? [String: Any])?["spec"] as? [String: Any])
        #expect(pod["restartPolicy"] as? String == "Never", "podFailurePolicy requires it")
        let rules = try #require((job["podFailurePolicy"] as? [String: Any])?["rules"] as? [[String: Any]])
        let failJob = rules.filter { $0["action"] as? String == "FailJob" }.compactMap { $0["onExitCodes"] as? [String: Any] }
        #expect(failJob.count == 1)
        #expect(failJob.first?["containerName"] as? String == "confgate")
        #expect(failJob.first?["operator"] as? String == "In")
        #expect(failJob.first?["values"] as? [Int] == [1, 2], "blocked and bad input fail the Job at once; 3 is retried")
    }

    @Test func argoRolloutRunsTheTemplateAsACanaryStepWithKnownArguments() throws {
        let documents = try Self.documents("ci/argo-rollouts-analysis.yaml")
        let template = try #require(documents.first), rollout = try #require(documents.last)
        let name = try #require((template["metadata"] as? [String: Any])?["name"] as? String)
        let canary = try #require(((rollout["spec"] as? [String: Any])?["strategy"] as? [String: Any])?["canary"] as? [String: Any])
        let steps = try #require(canary["steps"] as? [[String: Any]])
        let analyses = steps.compactMap { $0["analysis"] as? [String: Any] }
        #expect(analyses.count >= 1)
        let known = Set(try Self.argumentDefaults(template).keys)
        for analysis in analyses {
            let templates = (analysis["templates"] as? [[String: Any]] ?? []).compactMap { $0["templateName"] as? String }
            #expect(templates == [name])
            let passed = (analysis["args"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
            #expect(Set(passed).isSubset(of: known), "the step passes \(passed); the template takes \(known)")
        }
        // The analysis watches while part of the fleet runs the change, not before any does.
        let firstAnalysis = try #require(steps.firstIndex { $0["analysis"] != nil })
        #expect(steps[..<firstAnalysis].contains { $0["setWeight"] as? Int ?? 0 > 0 })
    }

    // MARK: Flagger

    @Test func flaggerWebhooksCommandIsAcceptedAndAnUnreachableServerIsInconclusive() async throws {
        let documents = try Self.documents("ci/flagger-canary.yaml")
        #expect(documents.map(Self.kind) == ["flagger.app/v1beta1 Canary", "apps/v1 Deployment", "v1 Service"])
        let webhook = try Self.confgateWebhook(try #require(documents.first))
        let metadata = try #require(webhook["metadata"] as? [String: Any])
        #expect(metadata["type"] as? String == "bash", "only the load tester's bash tasks answer with the exit status")
        let command = try #require(metadata["cmd"] as? String)
        #expect(command.hasPrefix("confgate canary "))

        // The load tester's environment provides the variables the command uses, from a Secret.
        let container = try #require(Self.containers(ofPodTemplateIn: documents[1]).first)
        #expect(Set(Self.secretEnvironment(container)) == Set(Self.secretURLs.keys))
        let mount = try #require((container["volumeMounts"] as? [[String: Any]])?.first?["mountPath"] as? String)
        let settings = mount + "/confgate.conf"
        #expect(command.contains(settings))

        // Run as the load tester does (`bash -c CMD`), with confgate on PATH and the Secret's
        // values in the environment.
        let path = ConfgateRunner.binary.deletingLastPathComponent().path + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
        let local = command.replacingOccurrences(of: settings, with: Self.settingsFixture)
        let result = try await ConfgateRunner.run(["-c", local], executable: "/bin/bash",
                                                  environment: Self.secretURLs.merging(["PATH": path]) { $1 })
        Self.expectInconclusive(result, "the Canary webhook's command")
    }

    @Test func flaggerWebhookWaitsLongerThanTheWatchAndLessThanAnIteration() throws {
        let canary = try #require(try Self.documents("ci/flagger-canary.yaml").first)
        let webhook = try Self.confgateWebhook(canary)
        let analysis = try #require((canary["spec"] as? [String: Any])?["analysis"] as? [String: Any])
        #expect(webhook["type"] as? String == "rollout")
        let command = try #require((webhook["metadata"] as? [String: Any])?["cmd"] as? String)
        let words = command.split(separator: " ").map(String.init)
        let duration = try #require(words.firstIndex(of: "--duration").map { Self.seconds(words[$0 + 1]) } ?? nil)
        let timeout = try #require(Self.seconds(webhook["timeout"] as? String ?? ""))
        let interval = try #require(Self.seconds(analysis["interval"] as? String ?? ""))
        #expect(duration < timeout && timeout < interval, "--duration \(duration) s, timeout \(timeout) s, interval \(interval) s")
        let threshold = try #require(analysis["threshold"] as? Int)
        #expect(threshold >= 2, "one inconclusive iteration is retried")
    }

    // MARK: The pre-merge examples (GitHub Actions, GitLab CI)

    /// The workflow's verify step, run as GitHub runs a `run:` script (`bash -e`) in a
    /// repository whose base branch has the current settings and whose change is the outage.
    /// `--lint-only` is added so no trials run; every other flag is the example's own.
    @Test func githubActionsVerifyStepRunsAndBlocksTheOutage() async throws {
        let workflow = try #require(try Self.documents("ci/github-actions.yml").first)
        let steps = try #require(((workflow["jobs"] as? [String: Any])?["verify"] as? [String: Any])?["steps"] as? [[String: Any]])
        let verify = try #require(steps.first { $0["id"] as? String == "verify" }?["run"] as? String)
        let lint = try #require(steps.compactMap { $0["run"] as? String }.first { $0.contains("confgate lint") })
        try await Self.withChangedRepository { repo in
            let output = repo.appendingPathComponent("github-output").path, summary = repo.appendingPathComponent("step-summary").path
            let script = try Self.local(verify).replacingOccurrences(of: "${{ github.base_ref }}", with: "main")
            let result = try await ConfgateRunner.run(["-e", "-c", script], executable: "/bin/bash",
                                                      environment: ["GITHUB_OUTPUT": output, "GITHUB_STEP_SUMMARY": summary], directory: repo)
            #expect(result.status == 1, "exit \(result.status): \(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.hasPrefix("BLOCKED: rule"), "\(result.stdout)")
            #expect(Self.read(output) == "code=1\n")
            #expect(Self.read(summary).contains("BLOCKED"), "the report's Markdown goes to the job summary")
            #expect(!(result.stdout + result.stderr + Self.read(summary)).contains(RunVerifyCommandTests.password))

            let annotations = try await ConfgateRunner.run(["-e", "-c", try Self.local(lint)], executable: "/bin/bash", directory: repo)
            #expect(annotations.status == 0, "`|| true`: annotations never fail the job")
            #expect(annotations.stdout.contains("::error file=config/database.conf,line=9"), "\(annotations.stdout)")
        }
    }

    /// The GitLab job's script, with the merge request's target branch, `--lint-only` added.
    @Test func gitlabVerifyJobWritesJUnitAndBlocksTheOutageAndRetriesOnlyExit3() async throws {
        let job = try #require(try Self.documents("ci/gitlab-ci.yml").first?["confgate-verify"] as? [String: Any])
        #expect((job["retry"] as? [String: Any])?["exit_codes"] as? [Int] == [3])
        let script = try #require((job["script"] as? [String])?.first)
        try await Self.withChangedRepository { repo in
            let result = try await ConfgateRunner.run(["-c", try Self.local(script)], executable: "/bin/bash",
                                                      environment: ["CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"], directory: repo)
            #expect(result.status == 1, "exit \(result.status): \(result.stderr)")
            let junit = Self.read(repo.appendingPathComponent("confgate-junit.xml").path)
            #expect(junit.hasPrefix("<?xml") && junit.contains("failures=\"1\""), "\(junit)")
            #expect(FileManager.default.fileExists(atPath: repo.appendingPathComponent("confgate-report/summary.md").path))
        }
    }

    /// `script` with the built binary for the examples' `/tmp/confgate/.build/release/confgate`,
    /// and `--lint-only` after `verify`.
    static func local(_ script: String) throws -> String {
        let installed = "/tmp/confgate/.build/release/confgate"
        #expect(script.contains(installed), "the example runs confgate from \(installed)")
        return script.replacingOccurrences(of: installed, with: ConfgateRunner.binary.path)
            .replacingOccurrences(of: "confgate verify", with: "confgate verify --lint-only")
    }

    /// A git repository whose `origin/main` has `fixtures/current.conf` as
    /// `config/database.conf` and whose working tree changes it to the outage.
    static func withChangedRepository(_ body: (URL) async throws -> Void) async throws {
        let repo = FileManager.default.temporaryDirectory.appendingPathComponent("confgate-ci-example-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: repo.appendingPathComponent("config"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: repo) }
        let settings = repo.appendingPathComponent("config/database.conf")
        let fixtures = ConfgateRunner.packageRoot.appendingPathComponent("fixtures")
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("current.conf"), to: settings)
        for arguments in [["init", "-q"], ["add", "."], ["-c", "user.name=t", "-c", "user.email=t@confgate.invalid", "-c", "commit.gpgsign=false",
                                                          "commit", "-q", "-m", "current"],
                          ["update-ref", "refs/remotes/origin/main", "HEAD"]] {
            let git = try await ConfgateRunner.run(arguments, executable: "/usr/bin/git", directory: repo)
            try #require(git.status == 0, "git \(arguments): \(git.stderr)")
        }
        try FileManager.default.removeItem(at: settings)
        try FileManager.default.copyItem(at: fixtures.appendingPathComponent("outage.conf"), to: settings)
        try await body(repo)
    }

    static func read(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

    // MARK: Helpers

    /// Every document of a manifest file, each a mapping; a parse error fails the test.
    static func documents(_ path: String) throws -> [[String: Any]] {
        let text = try String(contentsOf: ConfgateRunner.packageRoot.appendingPathComponent(path), encoding: .utf8)
        var sequence = try Yams.load_all(yaml: text)
        var documents: [[String: Any]] = []
        while let document = sequence.next() {
            documents.append(try #require(document as? [String: Any], "\(path): a document is not a mapping"))
        }
        if let error = sequence.error { throw error }
        return documents
    }

    static func kind(_ document: [String: Any]) -> String {
        "\(document["apiVersion"] as? String ?? "?") \(document["kind"] as? String ?? "?")"
    }

    static func containers(ofPodTemplateIn owner: [String: Any]) -> [[String: Any]] {
        let template = (owner["spec"] as? [String: Any])?["template"] as? [String: Any]
        return ((template?["spec"] as? [String: Any])?["containers"] as? [[String: Any]]) ?? []
    }

    /// The container named `confgate` in the AnalysisTemplate's Job.
    static func confgateContainer(ofJob template: [String: Any]) throws -> [String: Any] {
        let metrics = try #require((template["spec"] as? [String: Any])?["metrics"] as? [[String: Any]])
        let job = try #require(((metrics.first?["provider"] as? [String: Any])?["job"] as? [String: Any]))
        return try #require(containers(ofPodTemplateIn: job).first { $0["name"] as? String == "confgate" })
    }

    /// The AnalysisTemplate's arguments and their default values.
    static func argumentDefaults(_ template: [String: Any]) throws -> [String: String] {
        let args = (template["spec"] as? [String: Any])?["args"] as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: try args.map {
            (try #require($0["name"] as? String), try #require($0["value"] as? String, "every argument has a default"))
        })
    }

    /// `argument` with Argo's `{{args.NAME}}` filled in from `values`.
    static func argoArguments(_ argument: String, _ values: [String: String]) throws -> String {
        try argument.replacing(/\{\{args\.([\w-]+)\}\}/) { match in
            try #require(values[String(match.1)], "\(argument): no such argument")
        }
    }

    /// The names of the container's variables that come from a Secret.
    static func secretEnvironment(_ container: [String: Any]) -> [String] {
        (container["env"] as? [[String: Any]] ?? []).compactMap { variable in
            ((variable["valueFrom"] as? [String: Any])?["secretKeyRef"] != nil) ? variable["name"] as? String : nil
        }
    }

    /// Points `--settings` at the repository's fixture instead of the mounted ConfigMap,
    /// checking it was under that mount.
    static func mountSettings(_ arguments: inout [String], mounts: Any?) throws {
        let index = try #require(arguments.firstIndex(of: "--settings"), "no --settings") + 1
        let mount = try #require((mounts as? [[String: Any]])?.first?["mountPath"] as? String)
        #expect(arguments[index].hasPrefix(mount + "/"), "\(arguments[index]) is not on the ConfigMap's mount \(mount)")
        arguments[index] = settingsFixture
    }

    /// The Canary's webhook that runs `confgate canary`.
    static func confgateWebhook(_ canary: [String: Any]) throws -> [String: Any] {
        let analysis = (canary["spec"] as? [String: Any])?["analysis"] as? [String: Any]
        let webhooks = try #require(analysis?["webhooks"] as? [[String: Any]])
        return try #require(webhooks.first { (($0["metadata"] as? [String: Any])?["cmd"] as? String)?.contains("confgate canary") == true })
    }

    /// `45s`, `1m`, `500ms` in seconds (the forms these manifests use).
    static func seconds(_ text: String) -> Double? {
        guard let match = text.wholeMatch(of: /(\d+)(ms|s|m)/), let value = Double(match.1) else { return nil }
        return switch match.2 { case "ms": value / 1000; case "m": value * 60; default: value }
    }

    /// The parser accepted the command line, and the missing server made it inconclusive,
    /// saying so without the Secret's password.
    static func expectInconclusive(_ result: ConfgateRunner.Result, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(result.status == 3, "\(what): exit \(result.status)\n\(result.stdout)\n\(result.stderr)", sourceLocation: sourceLocation)
        #expect(result.stdout.contains("INCONCLUSIVE") || result.stderr.contains("cannot connect"),
                "\(what): \(result.stdout)\n\(result.stderr)", sourceLocation: sourceLocation)
        #expect(!(result.stdout + result.stderr).contains(secret), "\(what) printed the Secret's password", sourceLocation: sourceLocation)
    }
}
