/// The elementary stream codecs FieldRelay carries. Remuxing never transcodes, so a codec that is not
/// listed here is ignored on ingest (and logged), not converted.
public enum Codec: String, Sendable, Hashable, CustomStringConvertible {
    case h264
    case hevc
    case aac
    case opus

    public var isVideo: Bool { self == .h264 || self == .hevc }
    public var isAudio: Bool { !isVideo }
    public var description: String { rawValue }
}
