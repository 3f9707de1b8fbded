import Foundation
import Glibc
import Testing

/// infusionctl against a server that answers wrongly: what a client may believe (red team, issue
/// 14 F9: an answer with another request's id was taken for this request's, `start` → exit 0).
@Suite("infusionctl: answers it must not believe")
struct ClientAnswerTests {
    /// A one-shot server on a fresh Unix socket: reads one line, writes `answer`, closes.
    final class OneAnswerServer: Sendable {
        let path: String
        private let listener: Int32

        init(answer: String) throws {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("answer-\(UUID().uuidString.prefix(8)).sock").path
            self.path = path
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            withUnsafeMutableBytes(of: &address.sun_path) { buffer in
                for (index, byte) in path.utf8.enumerated() { buffer[index] = byte }
            }
            let bound = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
            listener = fd
            guard bound == 0, listen(fd, 1) == 0 else { throw RigError("cannot listen on \(path)") }
            Thread.detachNewThread {
                let client = accept(fd, nil, nil)
                guard client >= 0 else { return }
                var byte: UInt8 = 0
                while read(client, &byte, 1) == 1, byte != 0x0A {}
                _ = (answer + "\n").withCString { write(client, $0, strlen($0)) }
                close(client)
            }
        }

        deinit {
            close(listener)
            unlink(path)
        }
    }

    static func ctl(_ arguments: [String], socket: String) throws -> (status: Int32, error: String) {
        let outcome = try DaemonRig.run("infusionctl", arguments + ["--socket", socket])
        return (outcome.status, outcome.said)
    }

    @Test("an answer carrying another request's id is no answer: exit 5, saying so")
    func anotherRequestsAnswer() throws {
        let server = try OneAnswerServer(answer: #"{"v":1,"id":"999","ok":true,"result":{}}"#)
        let outcome = try Self.ctl(["start"], socket: server.path)
        #expect(outcome.status == 5 && outcome.error.contains("999"), "\(outcome)")
    }

    @Test("a refusal written before the request was read carries no id and is believed")
    func busyWithoutAnId() throws {
        let server = try OneAnswerServer(answer: #"{"v":1,"ok":false,"error":{"code":"busy","message":"too many connections"}}"#)
        let outcome = try Self.ctl(["start"], socket: server.path)
        #expect(outcome.status == 5 && outcome.error.contains("refused (busy): too many connections"), "\(outcome)")
    }
}
