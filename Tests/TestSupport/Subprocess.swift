import Foundation

/// Runs a real program (ffmpeg, ffprobe, srt-live-transmit) and collects its output.
public final class Subprocess: @unchecked Sendable {
    // @unchecked: `process` is configured before start and only read afterwards; output pipes are
    // drained by a reader thread each into the buffers below, under `lock`.
    public let process = Process()
    private let outputPipe = Pipe()
    private let errorPipe = Pipe()
    private let lock = NSLock()
    private var stdoutData = Data()
    private var stderrData = Data()
    private var readers: [PipeReader] = []

    public init(_ executable: String, _ arguments: [String], stdin: FileHandle? = nil) throws {
        process.executableURL = URL(fileURLWithPath: try Subprocess.locate(executable))
        process.arguments = arguments
        process.standardOutput = outputPipe
        process.standardError = errorPipe
        if let stdin { process.standardInput = stdin } else { process.standardInput = FileHandle.nullDevice }
        try process.run()
        // Read on threads of their own, not with readability handlers (see PipeReader).
        let name = URL(fileURLWithPath: executable).lastPathComponent
        readers.append(PipeReader.start(outputPipe, name: "\(name) stdout") { [weak self] data in
            self?.lock.withLock { self?.stdoutData.append(data) }
        })
        readers.append(PipeReader.start(errorPipe, name: "\(name) stderr") { [weak self] data in
            self?.lock.withLock { self?.stderrData.append(data) }
        })
    }

    public static func locate(_ name: String) throws -> String {
        if name.hasPrefix("/") { return name }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw TestFailure("\(name) not found on PATH (run scripts/install-deps.sh --test)")
    }

    public var isRunning: Bool { process.isRunning }

    /// Waits for exit at most `timeout`, then kills. Returns the exit status.
    @discardableResult
    public func wait(timeout: Duration = .seconds(60)) async -> Int32 {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(50))
        }
        if process.isRunning {
            process.terminate()
            // ffmpeg may linger flushing an SRT connection after SIGTERM: give it a moment, then kill.
            let grace = ContinuousClock.now + .seconds(3)
            while process.isRunning && ContinuousClock.now < grace { try? await Task.sleep(for: .milliseconds(20)) }
            if process.isRunning { kill(process.processIdentifier, SIGKILL) }
            while process.isRunning { try? await Task.sleep(for: .milliseconds(20)) }
        }
        // Let the readers take what is left (a grandchild still holding the pipe: not waited for long).
        for reader in readers { await reader.waitForEnd(timeout: .seconds(1)) }
        return process.terminationStatus
    }

    /// SIGTERM now, SIGKILL a few seconds later if the program is still there.
    public func terminate() {
        guard process.isRunning else { return }
        process.terminate()
        let pid = process.processIdentifier
        DispatchQueue.global().asyncAfter(deadline: .now() + 3) { [process] in
            if process.isRunning { kill(pid, SIGKILL) }
        }
    }

    /// SIGKILL now: for a program that may ignore SIGTERM, where nothing is left to flush and the
    /// test process may end before `terminate`'s delayed kill (it left `srt-live-transmit` behind).
    public func killNow() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
    }

    public func interrupt() {
        if process.isRunning { kill(process.processIdentifier, SIGINT) }
    }

    public var standardOutput: String { lock.withLock { String(decoding: stdoutData, as: UTF8.self) } }
    public var standardError: String { lock.withLock { String(decoding: stderrData, as: UTF8.self) } }

    /// Runs to completion and returns (status, stdout, stderr).
    public static func run(_ executable: String, _ arguments: [String], timeout: Duration = .seconds(120)) async throws -> (Int32, String, String) {
        let process = try Subprocess(executable, arguments)
        let status = await process.wait(timeout: timeout)
        return (status, process.standardOutput, process.standardError)
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
