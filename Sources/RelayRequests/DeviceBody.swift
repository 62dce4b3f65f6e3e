/// The body of `POST /api/v1/devices`. Validation of the values (id characters, name length,
/// owner existence) is the registry's; this only fixes the shape. Public for RelayAPI's controller and
/// the `jsonbody` fuzzer (Tests/Fuzz), as everything in RelayRequests.
public struct DeviceBody: Decodable, Sendable {
    public var id: String
    public var name: String
    public var org: String
}
