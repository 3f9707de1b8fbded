/// What a TOML file must be before TOMLKit sees it: ASCII outside its strings and comments, and no
/// control characters but tab, newline and carriage return.
///
/// TOMLKit 0.6.0 parses with a vendored toml++ whose assertions are compiled in: a bare key with a
/// non-ASCII character (`[éx.y]`) aborted `infusiond --check-config`, and would have aborted a
/// running daemon on `reload_library` (found by the library fuzzer's first minute, issue 14). No
/// file the pump reads needs more than ASCII outside its quoted values, so this refuses the rest,
/// naming the line and column, before the parser can trap on it.
enum TOMLLexicalCheck {
    struct Problem: Error {
        let line: Int
        let column: Int
        let reason: String
    }

    private enum Context { case code, comment, basic, literal, multilineBasic, multilineLiteral }

    /// Letters, digits, `_ - . + :` (keys, numbers, dates), `= [ ] { } ,`, space, tab, CR, and
    /// the openers of strings and comments.
    static func allowedInCode(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        case UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "+"), UInt8(ascii: ":"): true
        case UInt8(ascii: "="), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}"), UInt8(ascii: ","): true
        case UInt8(ascii: " "), 0x09, 0x0D, UInt8(ascii: "#"), UInt8(ascii: "\""), UInt8(ascii: "'"): true
        default: false
        }
    }

    static func firstProblem(in text: String) -> Problem? {
        let bytes = Array(text.utf8)
        var context = Context.code
        var line = 1
        var column = 0
        var index = 0
        func starts(with pattern: String, at position: Int) -> Bool {
            let pattern = Array(pattern.utf8)
            return position + pattern.count <= bytes.count && Array(bytes[position..<position + pattern.count]) == pattern
        }
        while index < bytes.count {
            let byte = bytes[index]
            column += 1
            if byte == 0x0A {
                if context == .basic || context == .literal {
                    return Problem(line: line, column: column, reason: "a string runs past the end of its line")
                }
                if context == .comment { context = .code }
                line += 1
                column = 0
                index += 1
                continue
            }
            if byte < 0x20 && byte != 0x09 && byte != 0x0D || byte == 0x7F {
                return Problem(line: line, column: column, reason: "control character \(byte) is not allowed")
            }
            switch context {
            case .code:
                if byte >= 0x80 {
                    return Problem(line: line, column: column, reason: "a character outside ASCII is allowed only inside a quoted value or a comment")
                }
                // Outside strings and comments TOML has only keys, numbers, dates, booleans and
                // its punctuation. Anything else is not TOML, and toml++ once aborted on a table
                // header that began `[(` (the library fuzzer, issue 15's session), so it is refused
                // here first.
                if !Self.allowedInCode(byte) {
                    return Problem(line: line, column: column, reason: "\"\(Character(Unicode.Scalar(byte)))\" is not allowed outside a quoted value or a comment")
                }
                if byte == UInt8(ascii: "#") {
                    context = .comment
                } else if starts(with: "\"\"\"", at: index) {
                    context = .multilineBasic
                    index += 3
                    column += 2
                    continue
                } else if starts(with: "'''", at: index) {
                    context = .multilineLiteral
                    index += 3
                    column += 2
                    continue
                } else if byte == UInt8(ascii: "\"") {
                    context = .basic
                } else if byte == UInt8(ascii: "'") {
                    context = .literal
                }
            case .comment:
                break
            case .basic:
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    column += 1
                    continue
                }
                if byte == UInt8(ascii: "\"") { context = .code }
            case .literal:
                if byte == UInt8(ascii: "'") { context = .code }
            case .multilineBasic:
                if byte == UInt8(ascii: "\\") {
                    index += 2
                    column += 1
                    continue
                }
                if starts(with: "\"\"\"", at: index) {
                    context = .code
                    index += 3
                    column += 2
                    continue
                }
            case .multilineLiteral:
                if starts(with: "'''", at: index) {
                    context = .code
                    index += 3
                    column += 2
                    continue
                }
            }
            index += 1
        }
        return nil
    }
}
