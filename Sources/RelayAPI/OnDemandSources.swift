import Foundation
import RoomRegistry
import StreamHub

/// A source that is pulled only when someone needs it (surveillance points, issue 15): asked by
/// HLS delivery when a playlist names a path that is not live. Implemented in RelayApp.
public protocol OnDemandSources: Sendable {
    /// Whether `path` is pulled on demand (a `point/…`).
    func isOnDemand(_ path: PathName) -> Bool
    /// Makes `path` live for `requester` (an organisation id, `admin`), waiting as long as the
    /// camera honestly needs (`points.startTimeoutSeconds`); throws an `OnDemandRefusal` saying why not.
    func ensureLive(_ path: PathName, requester: String) async throws
    /// The pull's state for the API (`idle` when nothing pulls it).
    func pullState(_ path: PathName) -> PointState
    /// Stops pulling `path` at once and cuts its viewers (a point deleted or disabled).
    func release(_ path: PathName, reason: String)
}

/// Why an on-demand source is not live: the HTTP status and a reason a hall can act on.
public struct OnDemandRefusal: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String
    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }
    public var description: String { message }
}
