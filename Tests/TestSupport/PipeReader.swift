import Foundation
import Synchronization

/// Reads a pipe to its end on a thread of its own, handing each chunk to `onData`.
///
/// Not `FileHandle.readabilityHandler`: on Linux that is a libdispatch read source, and a source
/// still registered when its descriptor is closed (the `Pipe` released, or the handler cleared on
/// one thread while it fires on another) leaves libdispatch polling a number the kernel then hands
/// to the next pipe or socket. CI crashed with SIGSEGV in `_dispatch_event_loop_drain` that way
/// even after the handlers removed themselves at end of file. A blocking `read(2)` loop that holds
/// the pipe until end of file has no such window: the descriptor is closed only after the last read.
public final class PipeReader: Sendable {
    private let ended = Mutex(false)

    /// Whether the pipe reached its end (every writer closed it) and the last chunk was handed on.
    public var hasEnded: Bool { ended.withLock { $0 } }

    /// Waits, at most `timeout`, for the end of the pipe.
    public func waitForEnd(timeout: Duration) async {
        let deadline = ContinuousClock.now + timeout
        while !hasEnded && ContinuousClock.now < deadline { try? await Task.sleep(for: .milliseconds(10)) }
    }

    @discardableResult
    public static func start(_ pipe: Pipe, name: String, onData: @escaping @Sendable (Data) -> Void) -> PipeReader {
        let reader = PipeReader()
        let thread = Thread { [pipe] in
            let fd = pipe.fileHandleForReading.fileDescriptor
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    onData(Data(buffer[0..<count]))
                } else if count < 0 && errno == EINTR {
                    continue
                } else {
                    break
                }
            }
            // `pipe` is released here, after the last read: only now may its descriptor close.
            withExtendedLifetime(pipe) {}
            reader.ended.withLock { $0 = true }
        }
        thread.name = name
        thread.start()
        return reader
    }
}
