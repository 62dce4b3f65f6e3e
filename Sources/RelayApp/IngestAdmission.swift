import Logging
import SRTTransport
import StreamHub

/// Who may publish on the SRT port. In this slice only `lab/<name>` paths exist, and only with
/// open ingest; registered rooms, cameras and halls arrive with the registry.
struct IngestAdmission: SRTAdmission {
    let paths: PathManager
    let openIngest: Bool
    let counters: IngestCounters
    let logger: Logger

    enum Verdict {
        case publish(PathName)
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
        guard name.kind == .lab else {
            return .refuse(.notFound, "\(name) is not a known source (registered sources need the registry)")
        }
        guard openIngest else {
            return .refuse(.forbidden, "lab paths may publish only with open ingest (--open-ingest)")
        }
        return .publish(name)
    }

    func admit(_ handshake: SRTHandshake) -> SRTAdmissionDecision {
        switch evaluate(handshake.streamID) {
        case .refuse(let code, let reason):
            return .reject(code, reason: reason)
        case .publish(let name):
            guard paths.canPublish(name) else {
                return .reject(.conflict, reason: "\(name) already has a live publisher")
            }
            return .accept(passphrase: nil)
        }
    }

    func accepted(_ connection: SRTConnection) -> (any SRTConnectionHandler)? {
        guard case .publish(let name) = evaluate(connection.streamID) else {
            logger.warning("accepted connection's stream id no longer admissible", metadata: ["conn": "\(connection.id)"])
            return nil
        }
        let identity = PublisherIdentity(source: name.description, connection: connection.description) { reason in
            connection.close(reason: reason)
        }
        do {
            let session = try paths.attachPublisher(name, identity: identity)
            return IngestSession(connection: connection, session: session, counters: counters, logger: logger)
        } catch {
            // Lost the race for the path between the callback and the accept.
            logger.notice("publisher refused after accept", metadata: ["path": "\(name)", "reason": "\(error.message)"])
            return nil
        }
    }
}
