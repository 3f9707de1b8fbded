import InfusionCore
import Testing

@Suite("Controller settings")
struct ControllerSettingsTests {
    @Test func defaultsAreWithinTheirBounds() throws {
        _ = try ControllerSettings().validated()
    }

    /// The settings refuse values that would void a safety function, naming the field.
    @Test(arguments: [
        (ControllerSettings(occlusionThreshold: MillimetresOfMercury(1_034)), "occlusion_threshold"),
        (ControllerSettings(occlusionThreshold: MillimetresOfMercury(0)), "occlusion_threshold"),
        (ControllerSettings(occlusionRiseFloor: MillimetresOfMercury(600)), "occlusion_rise_floor"),
        (ControllerSettings(backoffLimit: Millilitres(0.6)), "backoff_limit"),
        (ControllerSettings(airBubbleLimit: Millilitres(0.25)), "air_bubble_limit"),
        (ControllerSettings(encoderToleranceSteps: 0), "encoder_tolerance_steps"),
    ])
    func settingsThatVoidASafetyFunctionAreRefused(settings: ControllerSettings, field: String) {
        do {
            _ = try settings.validated()
            Issue.record("accepted settings with a bad \(field)")
        } catch {
            #expect(error.field == field)
        }
    }
}
