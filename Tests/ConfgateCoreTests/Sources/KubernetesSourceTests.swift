import Testing
@testable import ConfgateCore

@Suite("Sources: Kubernetes manifests and Helm values")
struct KubernetesSourceTests {
    private func fleet(_ files: [String: String], workload: String? = nil) throws -> Settings {
        let paths = files.keys.sorted().joined(separator: ", ")
        return try MemoryFiles.settings(map: """
            [fleet]
            source = "kubernetes:\(paths)"
            \(workload.map { "workload = \"\($0)\"" } ?? "")
            """, files)
    }

    private func deployment(replicas: String? = "4", strategy: String = "") -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: auth
        spec:
        \(replicas.map { "  replicas: \($0)" } ?? "  selector: {}")
        \(strategy)
          template:
            spec:
              containers:
                - name: auth
                  image: auth:1
        """
    }

    @Test func replicasAndNumericSurge() throws {
        let settings = try fleet(["d.yaml": deployment(strategy: "  strategy:\n    rollingUpdate:\n      maxSurge: 2")])
        #expect(settings.fleet.instances == 4)
        #expect(settings.fleet.maxSurge == 2)
        #expect(settings.origins["fleet.instances"]?.value.short == "d.yaml:6:13")
        #expect(settings.origins["fleet.max_surge"]?.value.short == "d.yaml:9:17")
    }

    @Test func percentSurgeRoundsUp() throws {
        let settings = try fleet(["d.yaml": deployment(replicas: "6", strategy: "  strategy:\n    rollingUpdate:\n      maxSurge: 30%")])
        #expect(settings.fleet.maxSurge == 2)  // 30% of 6 = 1.8 → 2
        #expect(settings.origins["fleet.max_surge"]?.text == "30%")
    }

    @Test func defaultsAreReplicasOneAndSurgeQuarterRoundedUp() throws {
        let settings = try fleet(["d.yaml": deployment(replicas: nil)])
        #expect(settings.fleet.instances == 1)
        #expect(settings.fleet.maxSurge == 1)  // 25% of 1, rounded up
        #expect(settings.origins["fleet.instances"]?.via?.contains("default 1") == true)
        #expect(settings.origins["fleet.max_surge"]?.via?.contains("25%") == true)
    }

    @Test func recreateAndStatefulSetHaveNoSurge() throws {
        let recreate = try fleet(["d.yaml": deployment(strategy: "  strategy:\n    type: Recreate")])
        #expect(recreate.fleet.maxSurge == 0)
        #expect(recreate.origins["fleet.max_surge"]?.value.short == "d.yaml:8:11")
        let stateful = try fleet(["s.yaml": deployment().replacingOccurrences(of: "kind: Deployment", with: "kind: StatefulSet")])
        #expect(stateful.fleet.instances == 4)
        #expect(stateful.fleet.maxSurge == 0)
    }

    @Test func autoscalerMaximumIsTheFleet() throws {
        let settings = try fleet(["d.yaml": deployment() + """

            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata:
              name: auth
            spec:
              scaleTargetRef:
                apiVersion: apps/v1
                kind: Deployment
                name: auth
              minReplicas: 4
              maxReplicas: 12
            """])
        #expect(settings.fleet.instances == 12)
        #expect(settings.origins["fleet.instances"]?.value.short == "d.yaml:24:16")
        #expect(settings.origins["fleet.instances"]?.via?.contains("minReplicas 4") == true)
        #expect(settings.fleet.maxSurge == 3)  // default 25% of 12
    }

    @Test func autoscalerOfAMissingDeploymentIsBadInput() throws {
        let error = MemoryFiles.error {
            try fleet(["d.yaml": deployment() + "\n---\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: x\nspec:\n  scaleTargetRef:\n    kind: Deployment\n    name: payments\n  maxReplicas: 3\n"])
        }
        #expect(error?.message.contains("`payments`") == true)
        #expect(error?.location?.short == "d.yaml:20:11")
    }

    @Test func severalWorkloadsNeedAName() throws {
        let two = deployment() + "\n---\n" + deployment(replicas: "9").replacingOccurrences(of: "name: auth\n", with: "name: worker\n")
        let error = MemoryFiles.error { try fleet(["d.yaml": two]) }
        #expect(error?.message.contains("auth, worker") == true)
        #expect(try fleet(["d.yaml": two], workload: "worker").fleet.instances == 9)
    }

    @Test func unrenderedHelmTemplateIsBadInput() throws {
        let error = MemoryFiles.error { try fleet(["t.yaml": "kind: Deployment\nspec:\n  replicas: {{ .Values.replicaCount }}\n"]) }
        #expect(error?.message.contains("unrendered Helm template") == true)
        #expect(error?.location?.short == "t.yaml:3:13")
    }

    @Test func helmValuesReplicaCountAndAutoscaling() throws {
        let fixed = try fleet(["values.yaml": "replicaCount: 3\nautoscaling:\n  enabled: false\n  maxReplicas: 10\n"])
        #expect(fixed.fleet.instances == 3)
        let scaled = try fleet(["values.yaml": "replicaCount: 3\nautoscaling:\n  enabled: true\n  maxReplicas: 10\n"])
        #expect(scaled.fleet.instances == 10)
        #expect(scaled.origins["fleet.instances"]?.value.short == "values.yaml:4:16")
    }

    @Test func containerEnvironmentFeedsSpringPlaceholdersAndOverrides() throws {
        let manifest = deployment() + """

                      env:
                        - name: POOL
                          value: "22"
                        - name: SPRING_DATASOURCE_HIKARI_MINIMUMIDLE
                          value: "3"
                      envFrom:
                        - configMapRef:
                            name: db
            ---
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: db
            data:
              DB_HOST: db.prod.internal
            """
        let settings = try MemoryFiles.settings(map: """
            [database]
            source = "spring:application.yml"
            [pool]
            source = "spring:application.yml"
            [fleet]
            source = "kubernetes:d.yaml"
            """, [
                "d.yaml": manifest,
                "application.yml": "spring:\n  datasource:\n    url: jdbc:postgresql://${DB_HOST}/auth\n    hikari:\n      maximum-pool-size: ${POOL:10}\n",
            ])
        #expect(settings.pool.maxSize == 22)
        #expect(settings.origins["pool.max_size"]?.value.short == "d.yaml:15:22")
        #expect(settings.origins["pool.max_size"]?.via?.contains("application.yml:5:26") == true)
        #expect(settings.pool.minIdle == 3)
        #expect(settings.database.dsn?["host"] == "db.prod.internal")
    }

    @Test func databaseURLWithPgxPoolParameters() throws {
        let manifest = deployment() + """

                      env:
                        - name: DATABASE_URL
                          value: postgres://app@db/app?pool_max_conns=12&pool_min_conns=2&sslmode=disable
            """
        let settings = try MemoryFiles.settings(map: "[pool]\nsource = \"kubernetes:d.yaml\"\n[database]\nsource = \"kubernetes:d.yaml\"\n", ["d.yaml": manifest])
        #expect(settings.pool.maxSize == 12)
        #expect(settings.pool.minIdle == 2)
        #expect(settings.database.dsn?["sslmode"] == "disable")
        #expect(settings.origins["pool.max_size"]?.text == "pool_max_conns=12")
    }
}

@Suite("Sources: PostgreSQL configuration")
struct PostgresConfSourceTests {
    @Test func lastSettingWinsAcrossIncludes() throws {
        let settings = try MemoryFiles.settings(map: "[server]\nsource = \"postgresql:db/postgresql.conf\"\n", [
            "db/postgresql.conf": """
                max_connections = 100   # first
                #max_connections = 500
                superuser_reserved_connections 5
                include 'extra.conf'
                include_if_exists 'missing.conf'
                include_dir 'conf.d'
                """,
            "db/extra.conf": "max_connections = 200\n",
            "db/conf.d/10-limits.conf": "max_connections = '250'\n",
        ])
        #expect(settings.server.maxConnections == 250)
        #expect(settings.server.superuserReservedConnections == 5)
        #expect(settings.origins["server.max_connections"]?.value.short == "db/conf.d/10-limits.conf:1:19")
        #expect(settings.notes.contains { $0.message.contains("the server applies 250") })
    }

    @Test func commandLineWinsAndTheDisagreementIsNoted() throws {
        let settings = try MemoryFiles.settings(map: "[server]\nsource = \"kubernetes:db.yaml\"\n", ["db.yaml": """
            apiVersion: apps/v1
            kind: StatefulSet
            metadata:
              name: db
            spec:
              template:
                spec:
                  containers:
                    - name: postgres
                      image: postgres:16
                      args: ["postgres", "-c", "max_connections=400"]
            """])
        #expect(settings.server.maxConnections == 400)
        #expect(settings.origins["server.max_connections"]?.value.short == "db.yaml:11:53")
    }

    @Test func cloudNativePGClusterParameters() throws {
        let settings = try MemoryFiles.settings(map: "[server]\nsource = \"kubernetes:cluster.yaml\"\n", ["cluster.yaml": """
            apiVersion: postgresql.cnpg.io/v1
            kind: Cluster
            metadata:
              name: pg
            spec:
              instances: 3
              postgresql:
                parameters:
                  max_connections: "300"
            """])
        #expect(settings.server.maxConnections == 300)
        #expect(settings.origins["server.max_connections"]?.value.short == "cluster.yaml:9:24")
    }

    @Test func badValueIsBadInputInThePostgresFile() throws {
        let error = MemoryFiles.error { try MemoryFiles.settings(direct: "postgresql.conf", ["postgresql.conf": "max_connections = lots\n"]) }
        #expect(error?.location?.short == "postgresql.conf:1:19")
        #expect(error?.message == "`max_connections` expects a whole number, got `lots`")
    }
}

@Suite("Sources: the fleet map")
struct FleetMapTests {
    @Test func literalKeyOverridesItsSourceAndSaysSo() throws {
        let settings = try MemoryFiles.settings(map: """
            [server]
            source = "postgresql:postgresql.conf"
            max_connections = 150
            """, ["postgresql.conf": "max_connections = 100\n"])
        #expect(settings.server.maxConnections == 150)
        #expect(settings.origins["server.max_connections"]?.value.short == "map.conf:3:19")
        #expect(settings.origins["server.max_connections"]?.via == "overrides `100` from postgresql.conf:1:19")
    }

    @Test func unknownSourceKindSuggests() throws {
        let error = MemoryFiles.error { try MemoryFiles.settings(map: "[pool]\nsource = \"sprng:a.yml\"\n", [:]) }
        #expect(error?.message == "unknown source kind `sprng`; did you mean `spring`?")
        #expect(error?.location?.short == "map.conf:2:10")
    }

    @Test func aSourceFeedsOnlyItsSection() throws {
        let settings = try MemoryFiles.settings(map: "[pool]\nsource = \"spring:application.yml\"\n",
                                                ["application.yml": "spring.datasource.url: jdbc:postgresql://db/auth\nspring.datasource.hikari.maximum-pool-size: 7\n"])
        #expect(settings.pool.maxSize == 7)
        #expect(settings.database.dsn == nil)
    }

    @Test func optionWithoutSourceIsBadInput() throws {
        let error = MemoryFiles.error { try MemoryFiles.settings(map: "[pool]\nprofiles = \"prod\"\nmax_size = 3\n", [:]) }
        #expect(error?.message.contains("needs a `source`") == true)
    }

    @Test func missingSourceFileIsBadInput() throws {
        let error = MemoryFiles.error { try MemoryFiles.settings(map: "[pool]\nsource = \"spring:nope.yml\"\n", [:]) }
        #expect(error?.kind == .badInput)
        #expect(error?.message.contains("nope.yml") == true)
    }
}

@Suite("Sources: Kubernetes ConfigMap references and misplaced Spring keys")
struct SourceReferenceTests {
    @Test func configMapKeyRefFeedsThePlaceholder() throws {
        let settings = try MemoryFiles.settings(map: "[pool]\nsource = \"spring:application.yml\"\n[fleet]\nsource = \"kubernetes:d.yaml\"\n", [
            "application.yml": "spring.datasource.hikari.maximum-pool-size: ${POOL_SIZE:10}\n",
            "d.yaml": """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: db-settings
                data:
                  pool-size: "16"
                ---
                kind: StatefulSet
                metadata:
                  name: ledger
                spec:
                  replicas: 3
                  template:
                    spec:
                      containers:
                        - name: ledger
                          env:
                            - name: POOL_SIZE
                              valueFrom:
                                configMapKeyRef:
                                  name: db-settings
                                  key: pool-size
                """,
        ])
        #expect(settings.pool.maxSize == 16)
        #expect(settings.origins["pool.max_size"]?.value.short == "d.yaml:6:14")
        #expect(settings.fleet.instances == 3)
    }

    @Test func misplacedPoolKeyIsNotedAndIgnored() throws {
        let settings = try MemoryFiles.settings(direct: "application.yml", ["application.yml": "spring:\n  datasource:\n    maximum-pool-size: 40\n"])
        #expect(settings.pool.maxSize == 10)
        #expect(settings.notes.contains { $0.message.contains("does not bind to HikariCP") && $0.location?.short == "application.yml:3:24" })
    }
}

@Suite("Sources: several pools per instance")
struct ProcessesTests {
    @Test func gunicornWorkersMultiplyTheDemand() throws {
        let settings = try MemoryFiles.settings(map: """
            [pool]
            max_size = 5
            [fleet]
            source = "kubernetes:d.yaml"
            """, ["d.yaml": """
                kind: Deployment
                metadata:
                  name: api
                spec:
                  replicas: 3
                  strategy:
                    rollingUpdate:
                      maxSurge: 1
                  template:
                    spec:
                      containers:
                        - name: api
                          command: ["gunicorn", "app:wsgi", "--workers", "4"]
                """])
        #expect(settings.fleet.processes == 4)
        #expect(settings.origins["fleet.processes"]?.value.short == "d.yaml:13:59")
        let derived = Derived(settings)
        #expect(derived.steadyDemand == 3 * 4 * 5)
        #expect(derived.deployDemand == 4 * 4 * 5)
    }

    @Test func webConcurrencyIsTheProcessCount() throws {
        let settings = try MemoryFiles.settings(map: "[fleet]\nsource = \"kubernetes:d.yaml\"\n", ["d.yaml": """
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 2
              template:
                spec:
                  containers:
                    - name: web
                      env:
                        - name: WEB_CONCURRENCY
                          value: "3"
            """])
        #expect(settings.fleet.processes == 3)
        #expect(settings.origins["fleet.processes"]?.value.short == "d.yaml:12:22")
    }

    @Test func lintArithmeticNamesTheProcesses() throws {
        let settings = try SettingsFile.parse("[pool]\nmax_size = 10\n[fleet]\ninstances = 4\nprocesses = 4\n[server]\nmax_connections = 100\n", file: "p.conf")
        let findings = try Linter.lint(settings, gate: GateSettings())
        let cg101 = try #require(findings.first { $0.ruleID == "CG101" })
        #expect(cg101.message.hasPrefix("steady demand 4 × 4 processes × 10 = 160 > usable 97"))
        #expect(cg101.fix.hasPrefix("lower pool.max_size to 6 (4 × 4 processes × 6 = 96 ≤ 97)"))
    }
}
