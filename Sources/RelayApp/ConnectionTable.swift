import Synchronization
import SRTTransport
import StreamHub

/// Which SRT connection publishes each path now, for link statistics and for cutting a connection
/// whose key was revoked or rotated.
final class ConnectionTable: Sendable {
    private let connections = Mutex<[PathName: SRTConnection]>([:])

    func set(_ connection: SRTConnection, for path: PathName) {
        connections.withLock { $0[path] = connection }
    }

    /// Forgets the connection if it is still the one on record (a takeover may have replaced it).
    func remove(_ connection: SRTConnection, for path: PathName) {
        connections.withLock { table in
            if table[path] === connection { table[path] = nil }
        }
    }

    func connection(for path: PathName) -> SRTConnection? {
        connections.withLock { $0[path] }
    }
}
