/// The smallest scenario the tests start from: the CRPS program for one minute.
public enum SampleScenario {
    public static let minimal = """
        name = "minimal"
        tick = "1 ms"
        run_for = "1 min"
        [pump]
        syringe = "BD Plastipak 50 mL"
        fill = "50 mL"
        [patient]
        weight = "70 kg"
        [program]
        drug = "ketamine"
        concentration = "2 mg/mL"
        dose = "0.35 mg/kg/h"
        duration = "4 h"
        """

    /// ``minimal`` with one expectation that holds: still running after a minute.
    public static let minimalExpectingRunning = minimal + "\n[expect]\nstate = \"running\"\n"
}
