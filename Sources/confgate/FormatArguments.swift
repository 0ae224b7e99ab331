import ArgumentParser
import ConfgateCore

// The formats confgate reads and writes, as option values (`--format-in spring`,
// `--format html`): ArgumentParser lists their cases in `--help` and rejects others.
extension SourceFormat: ExpressibleByArgument {}
extension VerifyFormat: ExpressibleByArgument {}
extension DiffFormat: ExpressibleByArgument {}
extension CanaryFormat: ExpressibleByArgument {}
