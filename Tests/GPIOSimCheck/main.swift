import Foundation
import PumpHardware

/// `gpio-sim-check`: runs inside the kernel stage's qemu guest, after the init script has loaded
/// gpio-sim and made a bank labelled like the reference board's chip. It starts the harness,
/// drives contacts and reads outputs through gpio-sim's sysfs, and prints PASS/FAIL lines and
/// figures (docs/testing.md, "The GPIO path in the kernel"). Exits 0 only if every check passed.
///
/// With `--daemon`, the shipped infusiond and infusionctl are run on the same board after the
/// harness's checks (``DaemonOnTheBoard``).
///
/// Usage: gpio-sim-check [--daemon INFUSIOND INFUSIONCTL] PINMAP HARNESS [HARNESS ARGUMENTS...]

var arguments = CommandLine.arguments
var daemon: (infusiond: String, infusionctl: String)?
if arguments.count >= 4, arguments[1] == "--daemon" {
    daemon = (arguments[2], arguments[3])
    arguments.removeSubrange(1...3)
}
guard arguments.count >= 3 else {
    FileHandle.standardError.write(Data("usage: gpio-sim-check [--daemon INFUSIOND INFUSIONCTL] PINMAP HARNESS [HARNESS ARGUMENTS...]\n".utf8))
    exit(2)
}
do {
    let map = try PinMapParser.parse(try String(contentsOfFile: arguments[1], encoding: .utf8), file: arguments[1])
    let lines = (map.fitted.compactMap { map[$0]?.address.offset }.max() ?? 0) + 1
    let board = Board(map: map, chip: try SimulatedChip(lines: lines))
    print("gpio-sim-check: chip at \(board.chip.directory)")
    var checks = Checks(board: board, harness: arguments[2], harnessArguments: Array(arguments.dropFirst(3)))
    checks.enableFollowsDelivery()
    checks.inputRaisesAlarm("clamp opened", .clamp, asserted: false, alarm: "syringe_disengaged")
    checks.inputRaisesAlarm("end of travel", .endOfTravel, asserted: true, alarm: "syringe_empty")
    checks.demandButton()
    checks.frontPanelKeys()
    checks.forceSensorAbsent()
    checks.lineHeld()
    checks.chipLookup()
    if let daemon {
        checks.daemonOnTheBoard(
            DaemonOnTheBoard(board: board, daemon: daemon.infusiond, ctl: daemon.infusionctl))
    }
    print("gpio-sim-check: \(checks.passes) passed, \(checks.failures) failed")
    exit(checks.failures == 0 && checks.passes > 0 ? 0 : 1)
} catch {
    print("FAIL gpio-sim-check: \(error)")
    exit(1)
}
