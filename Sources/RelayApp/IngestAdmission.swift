import Logging
import RoomRegistry
import SRTTransport
import StreamHub

/// Who may publish on the SRT port. Registered rooms (`room/<code>`), body cameras (`cam/<id>`)
/// and halls (`hall/<org>`) are looked up in the registry's in-memory admission index — never a
/// database query per handshake — and must use their own key: the passphrase is set on the
/// connection in the listen callback, so a wrong key fails inside libsrt's handshake. `lab/<name>`
/// paths exist only with open ingest, without a key.
struct IngestAdmission: SRTAdmission {
    let paths: PathManager
    let admissionIndex: AdmissionIndex?
    let openIngest: Bool
    let counters: IngestCounters
    let connections: ConnectionTable
    let logger: Logger

    enum Verdict {
        case publish(PathName, passphrase: String?)
        case refuse(SRTRejectCode, String)
    }

    /// The checks both the listen callback and the accept make (stream id, path, policy).
    func evaluate(_ streamID: String) -> Verdict {
        let request: StreamID
        do {
            request = try StreamID.parse(streamID)
        } catch {
            switch error {
            case .malformed: return .refuse(.malformed, error.description)
            case .unsupportedMode: return .refuse(.unsupportedMode, error.description)
            }
        }
        guard request.mode == .publish else {
            return .refuse(.unsupportedMode, "reading over SRT (m=request) is not offered yet")
        }
        let name: PathName
        do {
            name = try PathName(request.resource)
        } catch {
            switch error.code {
            case .malformedPath: return .refuse(.malformed, error.message)
            case .unknownPath, .pathBusy: return .refuse(.notFound, error.message)
            }
        }
        if name.kind == .lab {
            guard openIngest else {
                return .refuse(.forbidden, "lab paths may publish only with open ingest (--open-ingest)")
            }
            return .publish(name, passphrase: nil)
        }
        guard let entry = admissionIndex?.lookup(path: name.description) else {
            return .refuse(.notFound, "\(name) is not a registered source")
        }
        guard !entry.revoked else {
            return .refuse(.forbidden, "\(name) has been revoked")
        }
        return .publish(name, passphrase: entry.passphrase)
    }

    func admit(_ handshake: SRTHandshake) -> SRTAdmissionDecision {
        switch evaluate(handshake.streamID) {
        case .refuse(let code, let reason):
            return .reject(code, reason: reason)
        case .publish(let name, let passphrase):
            // A registered source reconnecting replaces its own stale connection at once.
            let probe = PublisherIdentity(source: name.description, connection: handshake.peer,
                                          replacesSameSource: name.kind != .lab) { _ in }
            guard paths.canPublish(name, identity: probe) else {
                return .reject(.conflict, reason: "\(name) already has a live publisher")
            }
            return .accept(passphrase: passphrase)
        }
    }

    func accepted(_ connection: SRTConnection) -> (any SRTConnectionHandler)? {
        guard case .publish(let name, _) = evaluate(connection.streamID) else {
            logger.warning("accepted connection's stream id no longer admissible", metadata: ["conn": "\(connection.id)"])
            return nil
        }
        let identity = PublisherIdentity(source: name.description, connection: connection.description,
                                         replacesSameSource: name.kind != .lab) { reason in
            connection.close(reason: reason)
        }
        do {
            let session = try paths.attachPublisher(name, identity: identity)
            connections.set(connection, for: name)
            return IngestSession(connection: connection, session: session, counters: counters, connections: connections, logger: logger)
        } catch {
            // Lost the race for the path between the callback and the accept.
            logger.notice("publisher refused after accept", metadata: ["path": "\(name)", "reason": "\(error.message)"])
            return nil
        }
    }
}
