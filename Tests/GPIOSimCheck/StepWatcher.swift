import Foundation
import PumpHardware

/// Watches STEP and DIR from outside on its own thread, the way a logic analyser would, and
/// turns the motor's steps into encoder edges the way the motor's encoder would: 1.25 counts per
/// microstep (hardware/pinmap.toml), A leading B going forward.
///
/// It samples sysfs in a tight loop, so it sees a pulse only if the pulse outlasts a few reads and
/// its vCPU is not off the host core meanwhile: the harness widens STEP to 500 µs for this stage,
/// and the exact count comes from the kernel's trace (``KernelTrace``), not from here. A step it
/// misses only leaves the encoder behind, which the encoder check still counts exactly.
final class StepWatcher: @unchecked Sendable {
    struct Counts {
        var rises = 0
        /// Rising STEP edges seen while DIR said backward.
        var backward = 0
        /// Quadrature counts written to the encoder's pulls.
        var encoderCounts: Int64 = 0
        var samples = 0
    }

    private let board: Board
    private let lock = NSLock()
    private var counts = Counts()
    private var running = true
    private var thread: Thread?
    private var finished = false
    /// Starts where the backend's pull-up request left the lines: (1, 1), count 2 of the sequence.
    private var encoder = SteppedEncoder(startingAt: 2)

    init(board: Board) {
        self.board = board
    }

    var current: Counts { lock.withLock { counts } }

    func start() {
        let thread = Thread { [self] in watch() }
        self.thread = thread
        thread.start()
    }

    func stop() {
        lock.withLock { running = false }
        while !lock.withLock({ finished }) { usleep(1_000) }
    }

    private func watch() {
        let step = board.offset(.step)
        var high = board.chip.value(step)
        while lock.withLock({ running }) {
            let level = board.chip.value(step)
            defer { high = level }
            lock.withLock { counts.samples += 1 }
            guard level, !high else { continue }
            let forward = board.asserted(.direction)
            lock.withLock {
                counts.rises += 1
                if !forward { counts.backward += 1 }
            }
            turnEncoder(forward: forward)
        }
        lock.withLock { finished = true }
    }

    private func turnEncoder(forward: Bool) {
        guard board.map.encoderFitted else { return }
        encoder.step(forward: forward) { channelA, level in
            board.drive(channelA ? .encoderA : .encoderB, asserted: level)
            lock.withLock { counts.encoderCounts += forward ? 1 : -1 }
        }
    }
}
