import CGPIOD
import CSerialPort
import CSystemd
import Testing

/// Proves the Debian system libraries are really linked, from the first commit on: each test calls
/// into the library and checks what it answers against the version Debian 12 ships.
@Suite("System libraries")
struct SystemLibrarySmokeTests {
    @Test func libgpiodReportsTheV1Api() throws {
        let version = String(cString: try #require(gpiod_version_string()))
        // Debian 12 ships libgpiod 1.6.3; the GPIO backend is written against the v1 API.
        #expect(version.hasPrefix("1."), "libgpiod \(version) is not the v1 API this project targets")
    }

    @Test func libserialportReportsItsPackageVersion() throws {
        let version = String(cString: try #require(sp_get_package_version_string()))
        #expect(sp_get_major_package_version() == 0)
        #expect(version.split(separator: ".").count == 3, "unexpected version string \(version)")
    }

    @Test func libsystemdNotifyIsANoOpWithoutANotifySocket() {
        // Outside systemd there is no NOTIFY_SOCKET; sd_notify must then answer 0 ("not sent"),
        // which is what lets infusiond run unchanged from a terminal.
        unsetenv("NOTIFY_SOCKET")
        #expect(sd_notify(0, "STATUS=smoke test") == 0)
    }
}
