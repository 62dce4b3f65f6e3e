import CFFmpeg

/// An AVIOContext that appends everything libavformat writes to a byte array in memory.
final class MemoryOutput {
    // Not Sendable: used by one muxer on one thread.
    private(set) var bytes: [UInt8] = []
    let context: UnsafeMutablePointer<AVIOContext>

    init(bufferSize: Int = 32 * 1024) throws(MediaError) {
        guard let buffer = av_malloc(bufferSize) else { throw MediaError(.outOfMemory, "av_malloc(\(bufferSize))") }
        // The box is owned by `self`; the callback gets an unretained pointer that lives as long as the context.
        let box = Box()
        let opaque = Unmanaged.passUnretained(box).toOpaque()
        let write: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<UInt8>?, Int32) -> Int32 = { opaque, data, size in
            guard let opaque, let data, size > 0 else { return 0 }
            let box = Unmanaged<Box>.fromOpaque(opaque).takeUnretainedValue()
            box.bytes.append(contentsOf: UnsafeBufferPointer(start: data, count: Int(size)))
            return size
        }
        guard let context = avio_alloc_context(buffer.assumingMemoryBound(to: UInt8.self), Int32(bufferSize), 1,
                                               opaque, nil, write, nil) else {
            av_free(buffer)
            throw MediaError(.outOfMemory, "avio_alloc_context")
        }
        self.box = box
        self.context = context
    }

    private final class Box {
        var bytes: [UInt8] = []
    }

    private let box: Box

    /// Flushes libavformat's buffer and hands over what was written so far.
    func take() -> [UInt8] {
        avio_flush(context)
        let result = box.bytes
        box.bytes.removeAll(keepingCapacity: true)
        return result
    }

    deinit {
        av_free(context.pointee.buffer)
        var context: UnsafeMutablePointer<AVIOContext>? = self.context
        avio_context_free(&context)
    }
}
