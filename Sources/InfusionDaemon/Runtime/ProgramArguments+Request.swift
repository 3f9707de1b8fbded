import ControlProtocol
import InfusionCore

extension ProgramArguments {
    /// The request these arguments describe, read by the core's one quantity parser; a value that
    /// does not parse is refused naming the argument.
    public func request() throws(ControlError) -> ProgramRequest {
        func read<Value>(_ field: String, _ text: String, _ parse: (String) throws(QuantityParseError) -> Value) throws(ControlError) -> Value {
            do {
                return try parse(text)
            } catch {
                throw ControlError(.badArgument, "\(field): \(error.description)")
            }
        }
        let extent: ProgramRequest.Extent
        switch (duration, volume) {
        case (let duration?, nil): extent = .duration(try read("duration", duration, QuantityParser.duration))
        case (nil, let volume?): extent = .volume(try read("volume", volume, QuantityParser.volume))
        default: throw ControlError(.badArgument, "give exactly one of duration and volume")
        }
        return ProgramRequest(
            drug: drug,
            concentration: try read("concentration", concentration, QuantityParser.concentration),
            weight: try read("weight", weight, QuantityParser.weight),
            dose: try read("dose", dose, QuantityParser.doseRate),
            extent: extent,
            loadingBolus: try bolus.map { text throws(ControlError) in try read("bolus", text, QuantityParser.weightDose) },
            confirmSoftLimits: confirmSoftLimits)
    }
}
