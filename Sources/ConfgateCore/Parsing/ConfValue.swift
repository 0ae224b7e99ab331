import Foundation

/// One value from a settings or gate file, with the typed readings its keys need.
/// Every reading throws a `.badInput` error located at the value (or at the offending
/// character inside it), naming the key and saying what was expected.
public struct ConfValue: Sendable {
    /// The value, quotes and escapes resolved.
    public var text: String
    /// Where the value starts in its file (its opening quote, when quoted).
    public var location: SourceLocation
    /// The key it belongs to, for messages.
    public var key: String
    /// Whether the value was quoted.
    public var quoted: Bool

    public init(text: String, location: SourceLocation, key: String, quoted: Bool = false) {
        self.text = text
        self.location = location
        self.key = key
        self.quoted = quoted
    }

    /// An error at the value, or `offset` characters into it.
    func error(_ message: String, offset: Int = 0, details: [String] = []) -> ConfgateError {
        var at = location
        at.column += offset + (quoted && offset > 0 ? 1 : 0)
        return ConfgateError(.badInput, message, at: at, details: details)
    }

    // MARK: - Counts

    /// A whole number of at least `minimum`. `why` explains the minimum when it is above 0.
    func count(minimum: Int = 0, maximum: Int = Int(Int32.max), why: String? = nil) throws(ConfgateError) -> Int {
        let chars = Array(text)
        if chars.first == "-", chars.count > 1, chars.dropFirst().allSatisfy(\.isASCIIDigit) {
            throw error("`\(key)` cannot be negative (`\(text)`)")
        }
        guard !chars.isEmpty, chars.allSatisfy(\.isASCIIDigit) else {
            throw error("`\(key)` expects a whole number, got `\(text)`")
        }
        guard let value = Int(text), value <= maximum else {
            throw error("`\(key)` is too large (`\(text)`); the most it can be is \(maximum)")
        }
        if value < minimum {
            throw error("`\(key)` must be at least \(minimum), got \(value)" + (why.map { ": \($0)" } ?? ""))
        }
        return value
    }

    /// A whole number in `UInt64` (seeds).
    func unsigned64() throws(ConfgateError) -> UInt64 {
        if text.first == "-" { throw error("`\(key)` cannot be negative (`\(text)`)") }
        guard text.allSatisfy(\.isASCIIDigit), let value = UInt64(text) else {
            throw error("`\(key)` expects a whole number from 0 to \(UInt64.max), got `\(text)`")
        }
        return value
    }

    // MARK: - Booleans

    /// `on/off`, `true/false`, `yes/no`, `1/0`, in any case.
    func bool() throws(ConfgateError) -> Bool {
        switch text.lowercased() {
        case "on", "true", "yes", "1": return true
        case "off", "false", "no", "0": return false
        default: throw error("`\(key)` expects on or off (also true/false, yes/no, 1/0), got `\(text)`")
        }
    }

    // MARK: - Durations

    /// A non-negative duration with a postgresql.conf unit (`us`, `ms`, `s`, `min`, `h`, `d`),
    /// optionally a decimal that is a whole number of microseconds (`1.5s`), a blank allowed
    /// before the unit. A bare `0` needs no unit (it is zero in every unit).
    /// One of `Value`'s words (case-insensitive), or a located error listing them with a
    /// "did you mean".
    func choice<Value: RawRepresentable & CaseIterable>(_: Value.Type) throws(ConfgateError) -> Value where Value.RawValue == String {
        let words = Value.allCases.map(\.rawValue)
        if let chosen = Value(rawValue: text.trimmingBlanks.lowercased()) { return chosen }
        var message = "`\(key)` must be one of \(words.joined(separator: ", ")); got `\(text)`"
        if let near = Suggestion.closest(to: text.lowercased(), among: words) { message += "; did you mean `\(near)`?" }
        throw error(message)
    }

    func duration() throws(ConfgateError) -> SettingDuration {
        let chars = Array(text)
        var index = 0
        if chars.first == "-" {
            throw error("`\(key)` cannot be negative (`\(text)`)")
        }
        guard let number = DecimalNumber.scan(chars, at: &index) else {
            throw error("`\(key)` expects a duration such as `30s` or `500ms`, got `\(text)`")
        }
        let numberText = String(chars[..<index])
        while index < chars.count, chars[index] == " " || chars[index] == "\t" { index += 1 }
        let unitStart = index
        let unit = String(chars[unitStart...])
        let units = SettingDuration.units.map(\.name).reversed().joined(separator: ", ")
        if unit.isEmpty {
            if number.isZero { return .init(microseconds: 0) }
            throw error("`\(key) = \(text)` has no unit: write `\(numberText)s`, `\(numberText)ms` or `\(numberText)min`",
                        details: ["units: \(units)"])
        }
        guard let size = SettingDuration.units.first(where: { $0.name == unit })?.microseconds else {
            throw error(Self.unknownUnitMessage(unit, key: key), offset: unitStart, details: ["units: \(units)"])
        }
        guard let micros = number.times(size) else {
            if number.fitsInt64Times(size) {
                throw error("`\(text)` is not a whole number of microseconds, the finest unit `\(key)` keeps")
            }
            throw error("`\(key)` is too large (`\(text)`)")
        }
        return .init(microseconds: micros)
    }

    /// A duration that may be switched off: `off` (or `0`) gives `nil`.
    func optionalDuration() throws(ConfgateError) -> SettingDuration? {
        if text.lowercased() == "off" { return nil }
        let value = try duration()
        return value.microseconds == 0 ? nil : value
    }

    static func unknownUnitMessage(_ unit: String, key: String) -> String {
        let aliases: [String: String] = [
            "sec": "s", "secs": "s", "second": "s", "seconds": "s",
            "msec": "ms", "msecs": "ms", "millisecond": "ms", "milliseconds": "ms",
            "usec": "us", "usecs": "us", "µs": "us", "microsecond": "us", "microseconds": "us",
            "mins": "min", "minute": "min", "minutes": "min",
            "hr": "h", "hrs": "h", "hour": "h", "hours": "h",
            "day": "d", "days": "d",
        ]
        if unit == "m" || unit == "M" {
            return "`\(unit)` is not a unit of `\(key)`: write `min` for minutes or `ms` for milliseconds"
        }
        let known = SettingDuration.units.map(\.name)
        let suggestion = aliases[unit.lowercased()] ?? known.first { $0 == unit.lowercased() }
        return "unknown unit `\(unit)` in `\(key)`" + (suggestion.map { "; did you mean `\($0)`?" } ?? "")
    }

    // MARK: - Gate values

    /// A percentage written with `%` (`10%`, `2.5%`), as a fraction, within `range` (fractions).
    func percent(in range: ClosedRange<Double> = 0...1, exclusiveLower: Bool = false) throws(ConfgateError) -> Double {
        let chars = Array(text)
        var index = 0
        if chars.first == "-" { throw error("`\(key)` cannot be negative (`\(text)`)") }
        guard let number = DecimalNumber.scan(chars, at: &index) else {
            throw error("`\(key)` expects a percentage such as `10%`, got `\(text)`")
        }
        let rest = String(chars[index...]).trimmingBlanks
        guard rest == "%" else {
            if rest.isEmpty {
                throw error("`\(key) = \(text)` needs a `%`: write `\(text)%`")
            }
            throw error("`\(key)` expects a percentage such as `10%`, got `\(text)`")
        }
        let fraction = number.doubleValue / 100
        let lowOK = exclusiveLower ? fraction > range.lowerBound : fraction >= range.lowerBound
        guard lowOK, fraction <= range.upperBound else {
            let low = Self.percentText(range.lowerBound), high = Self.percentText(range.upperBound)
            let bound = exclusiveLower ? "above \(low) and at most \(high)" : "from \(low) to \(high)"
            throw error("`\(key)` must be \(bound), got \(text)")
        }
        return fraction
    }

    static func percentText(_ fraction: Double) -> String {
        let value = fraction * 100
        return value == value.rounded() ? "\(Int(value))%" : "\(value)%"
    }

    /// A rate such as `400/s` or `6000/min`, in events per second; above zero.
    func rate() throws(ConfgateError) -> Double {
        let chars = Array(text)
        var index = 0
        if chars.first == "-" { throw error("`\(key)` cannot be negative (`\(text)`)") }
        guard let number = DecimalNumber.scan(chars, at: &index) else {
            throw error("`\(key)` expects a rate such as `400/s`, got `\(text)`")
        }
        let unit = String(chars[index...]).trimmingBlanks.replacingOccurrences(of: " ", with: "")
        let perSecond: Double
        switch unit {
        case "/s": perSecond = number.doubleValue
        case "/min": perSecond = number.doubleValue / 60
        case "/h": perSecond = number.doubleValue / 3600
        case "": throw error("`\(key) = \(text)` has no unit: write `\(text)/s`")
        default: throw error("`\(key)` expects a rate per `/s`, `/min` or `/h`, such as `400/s`; got `\(text)`")
        }
        guard perSecond > 0 else { throw error("`\(key)` must be above zero, got `\(text)`") }
        return perSecond
    }

    /// `off`, or a burst such as `3x for 4s`.
    func spike() throws(ConfgateError) -> GateSettings.Spike? {
        if text.lowercased() == "off" { return nil }
        let expected = "`\(key)` expects `off` or a burst such as `3x for 4s`, got `\(text)`"
        let chars = Array(text)
        var index = 0
        guard let multiplier = DecimalNumber.scan(chars, at: &index), index < chars.count,
              chars[index] == "x" || chars[index] == "X" else { throw error(expected) }
        index += 1
        func skipBlanks() { while index < chars.count, chars[index] == " " || chars[index] == "\t" { index += 1 } }
        skipBlanks()
        guard index + 3 < chars.count, String(chars[index..<index + 3]).lowercased() == "for",
              chars[index + 3] == " " || chars[index + 3] == "\t" else { throw error(expected) }
        index += 3
        skipBlanks()
        let durationOffset = index
        let part = ConfValue(text: String(chars[index...]), location: location, key: key, quoted: quoted)
        let duration: SettingDuration
        do {
            duration = try part.duration()
        } catch {
            var shifted = error
            shifted.location?.column += durationOffset
            throw shifted
        }
        guard multiplier.doubleValue >= 1 else {
            throw error("`\(key)` multiplier must be at least 1x, got `\(text)`")
        }
        guard duration.microseconds > 0 else {
            throw error("`\(key)` must last longer than 0s, or be `off`", offset: durationOffset)
        }
        return .init(multiplier: multiplier.doubleValue, duration: duration)
    }
}

/// A non-negative decimal as written (`12.5` = 125 × 10⁻¹), kept exactly.
struct DecimalNumber {
    var mantissa: Int64
    var scale: Int

    var isZero: Bool { mantissa == 0 }
    var doubleValue: Double { Double(mantissa) / pow10(scale) }

    private func pow10(_ n: Int) -> Double { (0..<n).reduce(1.0) { value, _ in value * 10 } }

    /// Reads digits with an optional `.digits` part at `index`, advancing it.
    static func scan(_ chars: [Character], at index: inout Int) -> DecimalNumber? {
        var mantissa: Int64 = 0
        var scale = 0
        var digits = 0
        var seenPoint = false
        var i = index
        while i < chars.count {
            let c = chars[i]
            if c == ".", !seenPoint {
                seenPoint = true
            } else if let digit = c.wholeNumberValue, c.isASCIIDigit {
                let (m1, o1) = mantissa.multipliedReportingOverflow(by: 10)
                let (m2, o2) = m1.addingReportingOverflow(Int64(digit))
                if o1 || o2 { return nil }
                mantissa = m2
                digits += 1
                if seenPoint { scale += 1 }
            } else {
                break
            }
            i += 1
        }
        guard digits > 0, chars[i - 1] != ".", scale <= 12 else { return nil }
        index = i
        return DecimalNumber(mantissa: mantissa, scale: scale)
    }

    /// The number times `factor`, when that is a whole number that fits in `Int64`.
    func times(_ factor: Int64) -> Int64? {
        let (product, overflow) = mantissa.multipliedReportingOverflow(by: factor)
        if overflow { return nil }
        var divisor: Int64 = 1
        for _ in 0..<scale { divisor *= 10 }
        return product % divisor == 0 ? product / divisor : nil
    }

    /// Whether the product fits in `Int64` (so a `nil` from `times` means "not whole").
    func fitsInt64Times(_ factor: Int64) -> Bool {
        !mantissa.multipliedReportingOverflow(by: factor).overflow
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isNumber }
}
