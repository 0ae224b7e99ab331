/// The `other_clients` connections of `[server]`: other applications' connections on the
/// same server, opened as the service role (`application_name` `other-client`) and held for
/// the whole trial, so they take their slots from the fleet as in production. Used by the
/// scratch and the existing (`--postgres`) server alike.
enum OtherClients {
    /// Opens up to `count` connections with `parameters` (the service role's); stops at the
    /// first refusal and says how many could connect.
    static func open(_ count: Int, parameters: [String: String]) async -> (held: [PGConnection], note: String?) {
        var parameters = parameters
        parameters["application_name"] = "other-client"
        var held: [PGConnection] = []
        for i in 0..<count {
            do {
                held.append(try await PGConnection.connect(parameters: parameters))
            } catch {
                return (held, "only \(i) of other_clients = \(count) could connect: \(error)")
            }
        }
        return (held, nil)
    }
}
