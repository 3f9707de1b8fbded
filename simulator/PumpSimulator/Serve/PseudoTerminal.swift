import CPosixShims
import Glibc

/// A pseudo-terminal whose device side is reachable at a chosen path, as a serial port would be.
///
/// The server keeps the device side open itself, so a client opening and closing the port (as
/// nesp-lib does between tests) does not hang the line up; ``close()`` is what a pulled cable
/// looks like to the client: its reads fail and the link disappears.
struct PseudoTerminal {
    let controller: Int32
    private let device: Int32
    let devicePath: String
    let linkPath: String

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    init(linkedAt linkPath: String) throws(Failure) {
        let controller = cposix_open_pty_controller()
        guard controller >= 0 else { throw Failure(description: "cannot open a pseudo-terminal: \(String(cString: strerror(errno)))") }
        var name = [CChar](repeating: 0, count: 128)
        let failed = cposix_pty_device_name(controller, &name, name.count)
        guard failed == 0 else {
            Glibc.close(controller)
            throw Failure(description: "cannot name the pseudo-terminal: \(String(cString: strerror(failed)))")
        }
        let devicePath = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let device = open(devicePath, O_RDWR | O_NOCTTY)
        guard device >= 0 else {
            Glibc.close(controller)
            throw Failure(description: "\(devicePath): \(String(cString: strerror(errno)))")
        }
        // Raw 8N1: no echo, no line editing, no CR/LF translation; the protocol is bytes.
        var settings = termios()
        tcgetattr(device, &settings)
        cfmakeraw(&settings)
        tcsetattr(device, TCSANOW, &settings)
        unlink(linkPath)
        guard symlink(devicePath, linkPath) == 0 else {
            let reason = String(cString: strerror(errno))
            Glibc.close(device)
            Glibc.close(controller)
            throw Failure(description: "cannot link \(linkPath) to \(devicePath): \(reason)")
        }
        self.controller = controller
        self.device = device
        self.devicePath = devicePath
        self.linkPath = linkPath
    }

    func close() {
        unlink(linkPath)
        Glibc.close(device)
        Glibc.close(controller)
    }
}
