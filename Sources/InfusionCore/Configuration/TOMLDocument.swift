import TOMLKit

/// A thin reader over a TOML table that turns every missing, mistyped or unknown key into a
/// ``ConfigurationError`` naming the file, entry and field.
public struct TOMLDocument {
    public let table: TOMLTable
    public let file: String
    /// The entry name used in errors ("ketamine", "BD Plastipak 50 mL"); nil at the top level.
    public let entry: String?
    private let path: String

    public init(text: String, file: String) throws(ConfigurationError) {
        if let problem = TOMLLexicalCheck.firstProblem(in: text) {
            throw ConfigurationError(file: file, entry: nil, field: "line \(problem.line), column \(problem.column)", reason: problem.reason)
        }
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw ConfigurationError(
                file: file, entry: nil, field: "line \(error.source.begin.line), column \(error.source.begin.column)",
                reason: "not valid TOML")
        } catch {
            throw ConfigurationError(file: file, entry: nil, field: "(document)", reason: "not valid TOML: \(error)")
        }
        self.file = file
        self.entry = nil
        self.path = ""
    }

    private init(table: TOMLTable, file: String, entry: String?, path: String) {
        self.table = table
        self.file = file
        self.entry = entry
        self.path = path
    }

    public func error(_ key: String, _ reason: String) -> ConfigurationError {
        ConfigurationError(file: file, entry: entry, field: path + key, reason: reason)
    }

    public func contains(_ key: String) -> Bool { table.contains(key: key) }

    /// Refuses keys this reader does not know, so a misspelt limit is never silently ignored.
    public func rejectUnknownKeys(_ allowed: Set<String>) throws(ConfigurationError) {
        for key in table.keys where !allowed.contains(key) {
            throw error(key, "unknown key; expected one of \(allowed.sorted().joined(separator: ", "))")
        }
    }

    public func string(_ key: String) throws(ConfigurationError) -> String {
        guard let value = table[key] else { throw error(key, "is required") }
        guard let text = value.string, !text.isEmpty else { throw error(key, "must be a non-empty string") }
        return text
    }

    public func optionalString(_ key: String) throws(ConfigurationError) -> String? {
        contains(key) ? try string(key) : nil
    }

    public func bool(_ key: String, default defaultValue: Bool) throws(ConfigurationError) -> Bool {
        guard let value = table[key] else { return defaultValue }
        guard let flag = value.bool else { throw error(key, "must be true or false") }
        return flag
    }

    public func number(_ key: String) throws(ConfigurationError) -> Double {
        guard let value = table[key] else { throw error(key, "is required") }
        if let number = value.double { return number }
        if let number = value.int { return Double(number) }
        throw error(key, "must be a number")
    }

    public func optionalNumber(_ key: String) throws(ConfigurationError) -> Double? {
        guard contains(key) else { return nil }
        let value = try number(key)
        guard value.isFinite else { throw error(key, "must be a finite number") }
        return value
    }

    /// A list of plain strings, e.g. `require = ["oximeter", "systolic"]`.
    public func strings(_ key: String) throws(ConfigurationError) -> [String] {
        guard let value = table[key] else { throw error(key, "is required") }
        guard let array = value.array else { throw error(key, "must be a list of strings") }
        var result: [String] = []
        for item in array {
            guard let text = item.string else { throw error(key, "every item must be a string") }
            result.append(text)
        }
        return result
    }

    public func positiveNumber(_ key: String) throws(ConfigurationError) -> Double {
        let value = try number(key)
        guard value.isFinite, value > 0 else { throw error(key, "must be a number greater than 0") }
        return value
    }

    public func integer(_ key: String, default defaultValue: Int) throws(ConfigurationError) -> Int {
        guard let value = table[key] else { return defaultValue }
        guard let number = value.int else { throw error(key, "must be an integer") }
        return number
    }

    /// Reads a quantity written with its unit ("10 mg/mL"), through the technician's parser.
    public func quantity<Value>(
        _ key: String, _ parse: (String) throws(QuantityParseError) -> Value
    ) throws(ConfigurationError) -> Value {
        let text = try string(key)
        do {
            return try parse(text)
        } catch {
            throw self.error(key, error.description)
        }
    }

    public func optionalQuantity<Value>(
        _ key: String, _ parse: (String) throws(QuantityParseError) -> Value
    ) throws(ConfigurationError) -> Value? {
        contains(key) ? try quantity(key, parse) : nil
    }

    public func quantities<Value>(
        _ key: String, _ parse: (String) throws(QuantityParseError) -> Value
    ) throws(ConfigurationError) -> [Value] {
        guard let value = table[key] else { throw error(key, "is required") }
        guard let array = value.array else { throw error(key, "must be a list of quantities") }
        var result: [Value] = []
        for item in array {
            guard let text = item.string else { throw error(key, "every item must be a quantity string") }
            do {
                result.append(try parse(text))
            } catch {
                throw self.error(key, error.description)
            }
        }
        return result
    }

    /// A sub-table, e.g. `[drug.dose]`; `name` names the entry in errors if given.
    public func table(_ key: String, entry name: String? = nil) throws(ConfigurationError) -> TOMLDocument {
        guard let value = table[key] else { throw error(key, "is required") }
        guard let sub = value.table else { throw error(key, "must be a table") }
        return TOMLDocument(table: sub, file: file, entry: name ?? entry, path: name == nil ? path + key + "." : "")
    }

    public func optionalTable(_ key: String) throws(ConfigurationError) -> TOMLDocument? {
        contains(key) ? try table(key) : nil
    }

    /// An array of tables (`[[drug]]`); each is named by its `name` key in errors where it has one.
    public func tables(_ key: String) throws(ConfigurationError) -> [TOMLDocument] {
        guard let value = table[key] else { return [] }
        guard let array = value.array else { throw error(key, "must be an array of tables ([[\(key)]])") }
        var result: [TOMLDocument] = []
        for (index, item) in array.enumerated() {
            guard let sub = item.table else { throw error(key, "item \(index + 1) is not a table") }
            let name = sub["name"]?.string ?? "\(key) #\(index + 1)"
            result.append(TOMLDocument(table: sub, file: file, entry: name, path: ""))
        }
        return result
    }
}
