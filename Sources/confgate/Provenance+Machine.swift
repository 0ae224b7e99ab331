import ConfgateCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension Provenance {
    /// This process's provenance: confgate's version, the command line as typed (passwords
    /// masked), and the machine — its cores, its 1-minute load average now, its system.
    static func here() -> Provenance {
        var load = [0.0, 0.0, 0.0]
        let loaded = getloadavg(&load, 3) > 0
        var names = utsname()
        let system: String? = uname(&names) == 0 ? [names.sysname, names.release, names.machine].map { field in
            withUnsafeBytes(of: field) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }.joined(separator: " ") : nil
        return Provenance(
            confgate: ConfgateVersion.current,
            command: ["confgate"] + masking(Array(CommandLine.arguments.dropFirst())),
            cores: ProcessInfo.processInfo.activeProcessorCount,
            loadAverage: loaded ? (load[0] * 100).rounded() / 100 : nil,
            system: system)
    }
}
