/// One elementary stream of a publisher, as announced by its program map.
public struct Track: Sendable, Hashable, CustomStringConvertible {
    /// Position in the publisher's track list; access units refer to it.
    public var index: Int
    public var codec: Codec
    /// The MPEG-TS packet identifier the track arrived on (diagnostics only).
    public var pid: Int
    public var width: Int?
    public var height: Int?
    public var sampleRate: Int?
    public var channels: Int?
    /// Codec configuration (SPS/PPS/VPS in Annex B, or AudioSpecificConfig), when known.
    public var extradata: [UInt8]?

    public init(index: Int, codec: Codec, pid: Int, width: Int? = nil, height: Int? = nil,
                sampleRate: Int? = nil, channels: Int? = nil, extradata: [UInt8]? = nil) {
        self.index = index
        self.codec = codec
        self.pid = pid
        self.width = width
        self.height = height
        self.sampleRate = sampleRate
        self.channels = channels
        self.extradata = extradata
    }

    public var description: String {
        var text = "#\(index) \(codec) pid=\(pid)"
        if let width, let height { text += " \(width)x\(height)" }
        if let sampleRate { text += " \(sampleRate)Hz" }
        return text
    }
}
