import Logging
import RoomRegistry
import SRTTransport
import StreamHub

/// Who may publish on the SRT port. Registered rooms (`room/<code>`), body cameras (`cam/<id>`)
/// and halls (`hall/<org>`) are looked up in the registry's in-memory admission index — never a
/// database query per handshake — and must use their own key: the passphrase is set on the
/// connection in the listen callback, so a wrong key fails inside libsrt's handshake. `lab/<name>`
/// paths exist only with open ingest, without a key. `point/<id>` (surveillance points, pulled by
/// the gateway) never publishes: 1403.
struct IngestAdmission: SRTAdmission {
    let paths: PathManager
    let admissionIndex: AdmissionIndex?
    let openIngest: Bool
    let counters: IngestCounters
    let connections: ConnectionTable
    let readers: ReaderPolicy?
    let logger: Logger

    /// Who may read registered sources over SRT: `u=<org>` (or `u=admin`) with that caller's
    /// current read key as the passphrase, and the same viewing rules as HLS. Answered from memory.
    struct ReaderPolicy: Sendable {
        /// The caller's read key at its current generation.
        var readKey: @Sendable (String) -> String
        /// The caller's read key generation, raised by each rotation.
        var keyGeneration: @Sendable (String) -> Int
        var organisationExists: @Sendable (String) -> Bool
        var canView: @Sendable (String, String) -> Bool
    }

    enum Verdict {
        case publish(PathName, passphrase: String?)
        /// `user`: who reads a registered source (`u=`, an organisation or `admin`), whose key must
        /// stay current for the whole read, and, unless it is the admin, the viewing rules too
        /// (nil for lab paths).
        case read(PathName, passphrase: String?, user: String?)
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
        let name: PathName
        do {
            name = try PathName(request.resource)
        } catch {
            switch error.code {
            case .malformedPath: return .refuse(.malformed, error.message)
            case .unknownPath, .pathBusy: return .refuse(.notFound, error.message)
            }
        }
        if request.mode == .request {
            return evaluateRead(name, user: request.user)
        }
        if name.kind == .lab {
            guard openIngest else {
                return .refuse(.forbidden, "lab paths may publish only with open ingest (--open-ingest)")
            }
            return .publish(name, passphrase: nil)
        }
        // A surveillance point is pulled by the gateway and has no SRT key: pushing to its path is
        // not allowed (1403), known point or not, so a camera cannot pose as one.
        guard name.kind.isPublishable else {
            return .refuse(.forbidden, "\(name) is a surveillance point: the gateway pulls it; nothing may publish it over SRT")
        }
        guard let entry = admissionIndex?.lookup(path: name.description) else {
            return .refuse(.notFound, "\(name) is not a registered source")
        }
        guard !entry.revoked else {
            return .refuse(.forbidden, "\(name) has been revoked")
        }
        return .publish(name, passphrase: entry.passphrase)
    }

    /// SRT read (`m=request`, `read:<path>`): lab paths with open ingest need no key; registered
    /// sources need `u=` and that caller's read key, and the caller must be allowed to see the path.
    ///
    /// The rules come before liveness: a caller refused by them (1401, 1403) learns nothing about
    /// whether a registered source is live; only one they let through is told 1404.
    private func evaluateRead(_ name: PathName, user: String?) -> Verdict {
        if name.kind == .lab {
            guard paths.path(name) != nil else {
                return .refuse(.notFound, "\(name) is not live")
            }
            guard openIngest else { return .refuse(.forbidden, "lab paths exist only with open ingest") }
            return .read(name, passphrase: nil, user: nil)
        }
        guard let readers else { return .refuse(.forbidden, "reading registered sources over SRT is not configured") }
        guard let user, !user.isEmpty else {
            return .refuse(.unauthorized, "reading \(name) needs u=<organisation> and its read key")
        }
        guard user == "admin" || readers.organisationExists(user) else {
            return .refuse(.unauthorized, "unknown reader u=\(SRTServer.printable(user))")
        }
        guard user == "admin" || readers.canView(user, name.description) else {
            return .refuse(.forbidden, "\(user) may not see \(name)")
        }
        guard paths.path(name) != nil else {
            return .refuse(.notFound, "\(name) is not live")
        }
        return .read(name, passphrase: readers.readKey(user), user: user)
    }

    func admit(_ handshake: SRTHandshake) -> SRTAdmissionDecision {
        switch evaluate(handshake.streamID) {
        case .refuse(let code, let reason):
            return .reject(code, reason: reason)
        case .read(_, let passphrase, _):
            return .accept(passphrase: passphrase, role: .reader)
        case .publish(let name, let passphrase):
            // A registered source reconnecting replaces its own stale connection at once.
            let probe = PublisherIdentity(source: name.description, connection: handshake.peer,
                                          replacesSameSource: name.kind != .lab) { _ in }
            guard paths.canPublish(name, identity: probe) else {
                return .reject(.conflict, reason: "\(name) already has a live publisher")
            }
            return .accept(passphrase: passphrase, role: .publisher)
        }
    }

    func accepted(_ connection: SRTConnection) -> (any SRTConnectionHandler)? {
        if case .read(let name, _, let user) = evaluate(connection.streamID) {
            guard let path = paths.path(name) else { return nil }
            // Permission is not checked once at the door: a session that closes, or removes the
            // organisation, ends its SRT read as it ends its HLS access, and a rotation of the
            // caller's read key ends reads made with the old key (checked per access unit). The
            // generation is the one current at the accept, a moment after the listen callback
            // chose the key: a rotation between the two (one handshake round trip) goes unseen.
            var revocation: (@Sendable () -> String?)?
            if let user, let readers {
                let source = name.description
                let generation = readers.keyGeneration(user)
                revocation = {
                    if readers.keyGeneration(user) != generation { return "the read key of u=\(user) has been rotated" }
                    if user != "admin", !readers.canView(user, source) { return "the viewing rules no longer let this reader see \(source)" }
                    return nil
                }
            }
            let reader = SRTReaderSession(connection: connection, path: path, counters: counters, logger: logger,
                                          revocation: revocation)
            reader.start()
            return reader
        }
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
