import Evidence
import Foundation

/// One recording file: an init section at offset 0, then fragments (moof + mdat), each starting on
/// a keyframe. One per path per `recording.fileMinutes`, per publisher instance, per codec change.
public struct RecordedFile: Sendable, Equatable, Codable {
    public var id: Int64
    /// The media path (`cam/bc-0001`).
    public var path: String
    /// Relative to the recording directory: `<kind>/<id>/<yyyy-MM-dd>/<start>-<instance>.mp4`.
    public var name: String
    /// Which publisher connection of the path this came from (a new one starts a new file).
    public var instance: String
    /// RFC 6381 codecs of the tracks, comma-separated (as HLS `CODECS`).
    public var codecs: String
    public var createdAt: Date
    public var initLength: Int64
    /// SHA-256 of the init section.
    public var initHash: Data
    /// Set when the file is closed (or recovered after a crash): nothing is appended after.
    public var sealedAt: Date?
    /// `FragmentChain` over the init hash and every fragment hash in order, at seal time.
    public var chainHead: Data?
    public var fragmentCount: Int
    /// The first fragment's start and the last one's end (nil while empty).
    public var start: Date?
    public var end: Date?
    /// The file was closed by recovery after a crash, not by the recorder.
    public var recovered: Bool

    public init(id: Int64, path: String, name: String, instance: String, codecs: String, createdAt: Date,
                initLength: Int64, initHash: Data, sealedAt: Date? = nil, chainHead: Data? = nil,
                fragmentCount: Int = 0, start: Date? = nil, end: Date? = nil, recovered: Bool = false) {
        self.id = id
        self.path = path
        self.name = name
        self.instance = instance
        self.codecs = codecs
        self.createdAt = createdAt
        self.initLength = initLength
        self.initHash = initHash
        self.sealedAt = sealedAt
        self.chainHead = chainHead
        self.fragmentCount = fragmentCount
        self.start = start
        self.end = end
        self.recovered = recovered
    }

    public var isSealed: Bool { sealedAt != nil }
}

/// One fragment of a file, hashed when it was written.
public struct RecordedFragment: Sendable, Equatable, Codable {
    public var fileID: Int64
    /// 0, 1, 2 … within the file.
    public var sequence: Int
    public var offset: Int64
    public var length: Int64
    public var start: Date
    public var end: Date
    public var hash: Data
    /// Found in the file after a crash without an index entry, hashed and indexed at recovery.
    public var recovered: Bool

    public init(fileID: Int64, sequence: Int, offset: Int64, length: Int64, start: Date, end: Date, hash: Data, recovered: Bool = false) {
        self.fileID = fileID
        self.sequence = sequence
        self.offset = offset
        self.length = length
        self.start = start
        self.end = end
        self.hash = hash
        self.recovered = recovered
    }

    public var duration: TimeInterval { end.timeIntervalSince(start) }
}
