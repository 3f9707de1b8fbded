import FuzzTargets
import FuzzerMain

runFuzzer(oximeterLineInput)
