/// A device is either allowed to publish or revoked; revocation is kept, never deleted, so the
/// record of who once had access stays.
public enum DeviceState: String, Codable, Sendable, CaseIterable {
    case active, revoked
}
