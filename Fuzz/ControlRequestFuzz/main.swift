import FuzzTargets
import FuzzerMain

runFuzzer(controlRequestInput)
