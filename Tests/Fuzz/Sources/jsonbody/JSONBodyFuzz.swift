// libFuzzer target: the JSON request bodies of the API, decoded with JSONDecoder as the routes do
// and then checked as the routes and the domain check them: enumerations parsed (category, grade,
// stage, role), the incident's place (IncidentLocation), report stages (Incident.nextReport), device
// ids (PathRules' IdentifierRule), and every session command applied to a real joint session through the
// pure state machine (JointSession.applying) with the Tongren fixture directory, by an actor the
// input chooses. An accepted outcome must survive the JSON round trip the store gives it.
//
// Input: byte 0 chooses the body type, byte 1 the actor and the session's state, the rest is the body.
// Built by scripts/faults/fuzz.sh (Tests/Fuzz/Package.swift) against RelayRequests (the body types),
// JointReporting and PathRules (the device id rule).

import Foundation
import JointReporting
import PathRules
import RelayRequests

private enum Org {
    static let township = "520602001"  // the host
    static let county = "520602"
    static let city = "520600"
    static let otherCounty = "520603"
    static let otherTownship = "520603001"
    static let water = "520600-water"
    static let all = [township, county, city, otherCounty, otherTownship, water, "nobody", ""]
}

private struct World: Sendable {
    let directory = StaticOrganisationDirectory.tongrenFixture
    let incident: Incident
    /// A session just opened, and one with feeds, a focus and participants in every state.
    let sessions: [JointSession]
    let now = Date(timeIntervalSinceReferenceDate: 800_000_000)

    init() {
        let location = try! IncidentLocation(villageCode: "520602001201", townshipCode: nil)
        let first = IncidentReport(stage: .first, text: "landslide", author: Org.township, filedAt: now)
        incident = Incident(id: "inc-1", category: .naturalDisaster, grade: .iv, location: location, title: "Landslide",
                            reporter: Org.township, createdAt: now, reports: [first])
        let opened = try! JointSession.opening(id: "s1", for: incident, by: Org.township, directory: directory,
                                               rules: .default, now: now).session
        var rich = opened
        let context = TransitionContext(directory: directory, catalog: directory, rules: .default, incident: incident, now: now)
        let steps: [(SessionCommand, String)] = [
            (.attach(path: "room/520602001201"), Org.township),
            (.attach(path: "cam/bc-520602001"), Org.township),
            (.focus(path: "room/520602001201"), Org.township),
            (.invite(org: Org.county, role: .participant), Org.township),
            (.join, Org.county),
            (.invite(org: Org.water, role: .observer), Org.township),
            (.invite(org: Org.otherTownship, role: .participant), Org.township),
            (.remove(org: Org.otherTownship), Org.township),
        ]
        for (command, actor) in steps { rich = try! rich.applying(command, by: actor, in: context).session }
        sessions = [opened, rich]
    }
}

private let world = World()

private func decode<Body: Decodable>(_ type: Body.Type, _ json: Data) -> Body? {
    try? JSONDecoder().decode(type, from: json)
}

/// Applies a command as `POST /sessions/{id}/...` does, and checks what an accepted one produced.
private func apply(_ command: SessionCommand, by actor: String, to session: JointSession) {
    _ = command.auditArguments
    let context = TransitionContext(directory: world.directory, catalog: world.directory, rules: .default,
                                    incident: world.incident, now: world.now)
    do throws(ReportingError) {
        let outcome = try session.applying(command, by: actor, in: context)
        let data = try! JSONEncoder().encode(outcome.session)
        let back = try! JSONDecoder().decode(JointSession.self, from: data)
        precondition(back == outcome.session, "a session does not survive its JSON round trip")
        if let incident = outcome.incident {
            precondition(try! JSONDecoder().decode(Incident.self, from: JSONEncoder().encode(incident)) == incident)
        }
    } catch {
        precondition(!error.message.isEmpty, "a refusal without a reason")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard size >= 2 else { return 0 }
    let selector = data[0] % 8
    let actor = Org.all[Int(data[1] & 0x7)]
    let session = world.sessions[Int(data[1] >> 3) & 1]
    let json = Data(bytes: data + 2, count: size - 2)

    switch selector {
    case 0:  // POST /incidents
        guard let body = decode(ReportingBody.NewIncident.self, json) else { return 0 }
        guard IncidentCategory(rawValue: body.category) != nil else { return 0 }
        guard (try? IncidentGrade(parsing: body.grade)) != nil else { return 0 }
        guard let location = try? IncidentLocation(villageCode: body.villageCode, townshipCode: body.townshipCode) else { return 0 }
        _ = world.directory.organisation(id: actor)?.jurisdictionContains(areaCode: location.areaCode)
        if let report = body.report { _ = try? world.incident.nextReport(.followup, text: report, author: actor, at: world.now) }
    case 1:  // POST /incidents/{id}/reports
        guard let body = decode(ReportingBody.Report.self, json), let stage = ReportStageKind(rawValue: body.stage) else { return 0 }
        if let report = try? world.incident.nextReport(stage, text: body.text, author: actor, at: world.now) {
            var incident = world.incident
            incident.reports.append(report)
            precondition(try! JSONDecoder().decode(Incident.self, from: JSONEncoder().encode(incident)) == incident)
        }
    case 2:  // POST /sessions/{id}/feeds (and DELETE .../feeds/<path>)
        guard let body = decode(ReportingBody.Feed.self, json) else { return 0 }
        apply(.attach(path: body.path), by: actor, to: session)
        apply(.detach(path: body.path), by: actor, to: session)
    case 3:  // POST /sessions/{id}/focus
        guard let body = decode(ReportingBody.Focus.self, json) else { return 0 }
        apply(.focus(path: body.path), by: actor, to: session)
    case 4:  // POST /sessions/{id}/invitations (and DELETE .../participants/{org})
        guard let body = decode(ReportingBody.Invitation.self, json),
              let role = ParticipantRole(rawValue: body.role ?? ParticipantRole.participant.rawValue) else { return 0 }
        apply(.invite(org: body.org, role: role), by: actor, to: session)
        apply(.remove(org: body.org), by: actor, to: session)
    case 5:  // POST /sessions/{id}/escalations
        guard let body = decode(ReportingBody.Escalation.self, json), let grade = try? IncidentGrade(parsing: body.grade) else { return 0 }
        apply(.escalate(to: grade), by: actor, to: session)
    case 6:  // POST /sessions/{id}/handover
        guard let body = decode(ReportingBody.Handover.self, json) else { return 0 }
        apply(.handover(to: body.to, note: body.note), by: actor, to: session)
    default:  // POST /api/v1/devices
        guard let body = decode(DeviceBody.self, json) else { return 0 }
        do { try IdentifierRule.deviceID.check(body.id) } catch { precondition(!error.message.isEmpty) }
        _ = try? SourcePath(parsing: "cam/" + body.id)
    }
    return 0
}
