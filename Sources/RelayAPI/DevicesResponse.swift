import RoomRegistry

/// `GET /api/v1/devices`.
struct DevicesResponse: Encodable, Sendable {
    var devices: [Device]
}
