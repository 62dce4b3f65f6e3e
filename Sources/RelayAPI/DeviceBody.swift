/// The body of `POST /api/v1/devices`. Validation of the values (id characters, name length,
/// owner existence) is the registry's; this only fixes the shape.
struct DeviceBody: Decodable, Sendable {
    var id: String
    var name: String
    var org: String
}
