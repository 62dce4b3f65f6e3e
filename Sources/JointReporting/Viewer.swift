/// Who is reading: an organisation (scoped to what it may see) or the administrator (sees all).
/// Only reads take a `Viewer`; every action is taken by an organisation.
public enum Viewer: Sendable, Hashable {
    case admin
    case organisation(String)
}
