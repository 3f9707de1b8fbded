import ControlProtocol
import InfusionCore

extension ProgramArguments {
    /// The request these arguments describe, read by the core's one quantity parser; a value that
    /// does not parse is refused naming the argument.
    public func request() throws(ControlError) -> ProgramRequest {
        let extent: ProgramRequest.Extent
        switch (duration, volume) {
        case (let duration?, nil): extent = .duration(try ControlError.parsing("duration", duration, QuantityParser.duration))
        case (nil, let volume?): extent = .volume(try ControlError.parsing("volume", volume, QuantityParser.volume))
        default: throw ControlError(.badArgument, "give exactly one of duration and volume")
        }
        return ProgramRequest(
            drug: drug,
            concentration: try ControlError.parsing("concentration", concentration, QuantityParser.concentration),
            weight: try ControlError.parsing("weight", weight, QuantityParser.weight),
            dose: try ControlError.parsing("dose", dose, QuantityParser.doseRate),
            extent: extent,
            loadingBolus: try bolus.map { text throws(ControlError) in try ControlError.parsing("bolus", text, QuantityParser.weightDose) },
            confirmSoftLimits: confirmSoftLimits)
    }
}
