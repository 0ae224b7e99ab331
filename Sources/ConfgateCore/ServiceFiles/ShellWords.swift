/// Splits a command line as a POSIX shell does for plain words: blanks separate words,
/// single quotes keep everything, double quotes keep everything but an escaped `"` or `\`,
/// a backslash outside quotes escapes the next character. No expansion.
enum ShellWords {
    static func split(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        var escaped = false
        for c in text {
            if escaped { current.append(c); escaped = false; inWord = true; continue }
            if let open = quote {
                if c == open { quote = nil }
                else if c == "\\", open == "\"" { escaped = true }
                else { current.append(c) }
                continue
            }
            switch c {
            case " ", "\t", "\n":
                if inWord { words.append(current); current = ""; inWord = false }
            case "'", "\"":
                quote = c
                inWord = true
            case "\\":
                escaped = true
            default:
                current.append(c)
                inWord = true
            }
        }
        if inWord { words.append(current) }
        return words
    }
}
