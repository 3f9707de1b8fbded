import ControlProtocol
import InfusionCore

extension ControlError {
    /// Reads `text` with one of the core's quantity parsers; a value that does not parse is a
    /// `bad_argument` naming the field and what was wrong with it.
    static func parsing<Value>(
        _ field: String, _ text: String, _ parse: (String) throws(QuantityParseError) -> Value
    ) throws(ControlError) -> Value {
        do {
            return try parse(text)
        } catch {
            throw ControlError(.badArgument, "\(field): \(error.description)")
        }
    }
}
