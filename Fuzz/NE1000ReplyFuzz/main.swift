import FuzzTargets
import FuzzerMain

runFuzzer(ne1000ReplyInput)
