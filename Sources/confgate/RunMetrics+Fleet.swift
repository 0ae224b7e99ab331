import ConfgateMetrics
import ConfgatePostgres

extension RunMetrics {
    /// Reads `fleet`'s pools at each scrape, as each service would publish its own.
    func attach(_ fleet: ServiceFleet, usable: Int) {
        attach(usable: usable, pools: {
            fleet.currentServices().flatMap { service in
                service.allPools.map { name, pool in
                    PoolReading(name: name, metrics: pool.metrics(), minIdle: pool.configuration.minIdle)
                }
            }
        }, refusals: { fleet.connectFailures()["53300", default: 0] })
    }
}
