import RoomRegistry

/// `GET /api/v1/rooms/{code}`: the registry's room detail (with `live`) plus where to watch it.
struct RoomDetailResponse: Encodable, Sendable {
    var detail: RoomDetail
    /// Relative, so it works behind whatever host and scheme the console was loaded from.
    var hlsUrl: String

    init(_ detail: RoomDetail) {
        self.detail = detail
        hlsUrl = "/hls/\(detail.sourcePath)/index.m3u8"
    }

    private enum CodingKeys: String, CodingKey {
        case hlsUrl
    }

    /// Flat: the detail's fields and `hlsUrl` side by side in one object, as the API documents.
    func encode(to encoder: any Encoder) throws {
        try detail.encode(to: encoder)
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(hlsUrl, forKey: .hlsUrl)
    }
}
