/// Numbers as the NE-1000 writes and reads them: at most four digits, at most three after the
/// decimal point (manual: "Maximum of 4 digits plus 1 decimal point").
public enum NE1000Number {
    /// The largest value four digits can carry.
    public static let maximum = 9_999.0

    /// A reply's rendering: always four significant digits and always a decimal point, values
    /// truncated (not rounded) as the pump does: 26.6 → "26.60", 5000 → "5000.", 0.35 → "0.350".
    /// Nil when the value cannot be written in four digits.
    public static func reply(_ value: Double) -> String? {
        guard value.isFinite, value >= 0, value < 10_000 else { return nil }
        let decimals = decimalsShown(for: value)
        let scale = [1.0, 10, 100, 1_000][decimals]
        // A small epsilon keeps 0.35 (0.34999…) from truncating to 0.349.
        let scaled = Int((value * scale + 1e-6).rounded(.down))
        let whole = scaled / Int(scale)
        let fraction = scaled % Int(scale)
        guard decimals > 0 else { return "\(whole)." }
        let fractionText = String(fraction)
        return "\(whole)." + String(repeating: "0", count: decimals - fractionText.count) + fractionText
    }

    /// Digits after the point a reply shows: four significant digits in all.
    static func decimalsShown(for value: Double) -> Int {
        value < 10 ? 3 : value < 100 ? 2 : value < 1_000 ? 1 : 0
    }

    /// The value of the last digit a reply shows for `value`: what truncation can hide.
    public static func lastDigit(of value: Double) -> Double {
        [1.0, 0.1, 0.01, 0.001][decimalsShown(for: value)]
    }

    /// A request's rendering: the shortest form within four digits, truncated, decimal point only
    /// when needed ("26.6", "5000", "0.35"). Nil when the value cannot be written in four digits.
    public static func request(_ value: Double) -> String? {
        guard var text = reply(value) else { return nil }
        while text.contains("."), text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// Reads a number the way the pump accepts it: digits with at most one decimal point, at most
    /// four digits in all and three after the point. Nil otherwise.
    public static func parse(_ text: Substring) -> Double? {
        guard !text.isEmpty, text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) else { return nil }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2 else { return nil }
        let digits = parts.reduce(0) { $0 + $1.count }
        guard digits >= 1, digits <= 4, (parts.count == 2 ? parts[1].count : 0) <= 3 else { return nil }
        return Double(text.hasSuffix(".") ? text.dropLast() : text)
    }
}
