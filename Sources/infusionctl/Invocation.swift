import ArgumentParser
import ControlProtocol
import Foundation
import Glibc

/// Options every subcommand takes.
struct GlobalOptions: ParsableArguments {
    @Option(help: "The daemon's socket.")
    var socket = ProcessInfo.processInfo.environment["INFUSIOND_SOCKET"] ?? "/run/infusiond/control.sock"

    @Flag(help: "Print the daemon's JSON response lines as they are.")
    var json = false
}

/// One request and its response, printed; the exit status from the response.
enum Invocation {
    static func perform<Result: Codable & Sendable>(
        _ command: ControlCommand, _ options: GlobalOptions, as _: Result.Type, render: (Result) -> String
    ) throws {
        var connection = try ControlConnection(path: options.socket)
        try connection.send(ControlRequest(id: "1", command: command))
        guard let line = connection.readLine() else { throw ClientFailure(5, "infusiond closed the connection without answering") }
        let response: ControlResponse<Result>
        do {
            response = try ControlResponse<Result>.decode(line)
        } catch {
            throw ClientFailure(5, "infusiond answered something this infusionctl cannot read: \(String(decoding: line, as: UTF8.self))")
        }
        // An answer to another request is no answer to this one; only a refusal written before
        // the request was read (busy, at the connection cap) carries no id.
        guard response.id == "1" || (response.id == nil && !response.ok) else {
            throw ClientFailure(5, "infusiond answered request \(response.id.map(\.debugDescription) ?? "without an id") to request \"1\": \(String(decoding: line, as: UTF8.self))")
        }
        if options.json { print(String(decoding: line, as: UTF8.self)) }
        if let error = response.error {
            if !options.json { printError("infusionctl: \(command.name) refused (\(error.code.rawValue)): \(error.message)") }
            throw ExitCode(error.exitStatus)
        }
        if !options.json, let result = response.result {
            let text = render(result)
            if !text.isEmpty { print(text) }
        }
    }

    /// `status --watch`: a live view until the daemon goes or the user interrupts.
    static func watch(_ options: GlobalOptions) throws {
        var connection = try ControlConnection(path: options.socket)
        try connection.send(ControlRequest(id: "watch", command: .watch))
        let terminal = isatty(STDOUT_FILENO) == 1 && !options.json
        let renderer = StatusRenderer(terminal: terminal)
        var drawn = 0
        var previous: [String] = []
        while let line = connection.readLine() {
            if options.json {
                print(String(decoding: line, as: UTF8.self))
                fflush(nil)
            }
            guard let response = try? ControlResponse<StatusReport>.decode(line) else { continue }
            if let error = response.error {
                printError("infusionctl: watch refused (\(error.code.rawValue)): \(error.message)")
                throw ExitCode(error.exitStatus)
            }
            guard !options.json, let report = response.result else { continue }
            let lines = renderer.lines(report)
            // Piped, a line is printed only when it says something new.
            guard terminal || lines != previous else { continue }
            previous = lines
            if terminal {
                // Back over the previous block, then each line cleared and redrawn.
                if drawn > 0 { print("\u{1B}[\(drawn)A", terminator: "") }
                for text in lines { print("\u{1B}[2K" + text) }
                drawn = lines.count
            } else {
                lines.forEach { print($0) }
            }
            fflush(nil)
        }
        throw ClientFailure(5, "infusiond closed the connection")
    }
}

func printError(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
