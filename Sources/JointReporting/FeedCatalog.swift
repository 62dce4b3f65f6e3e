/// Which sources exist, declared here and implemented by the registry: a registered village room,
/// a registered device, or the hall of a registered organisation. Attaching a path the catalog
/// does not know is refused, so a session never carries a feed that can never play.
///
/// "Exists" means registered, not live: a body camera that is reconnecting is still attachable.
public protocol FeedCatalog: Sendable {
    func exists(_ path: SourcePath) -> Bool
}
