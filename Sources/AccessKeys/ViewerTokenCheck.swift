import JointReporting

/// The verdict on a presented viewer token.
public enum ViewerTokenCheck: Sendable, Hashable {
    /// Genuine and not expired: reads as this viewer.
    case valid(Viewer)
    /// Genuine but past its expiry: the caller should fetch a fresh URL.
    case expired
    /// Not a viewer token this gateway signed.
    case invalid
}
