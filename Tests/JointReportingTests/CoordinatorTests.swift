import Foundation
import Testing
import JointReporting

@Suite("Coordinator: record, persistence, subscriptions")
struct CoordinatorTests {
    @Test func everyActionIsRecordedInAVerifiableChain() async throws {
        let f = try await Fixture.make()
        let (incident, s) = try await f.session()
        try await f.run(.attach(path: Path.bodyCam), on: s.id, by: Org.township)
        try await f.run(.focus(path: Path.bodyCam), on: s.id, by: Org.township)
        try await f.run(.invite(org: Org.water, role: .observer), on: s.id, by: Org.township)
        try await f.run(.join, on: s.id, by: Org.water)
        try await f.coordinator.recordView(org: Org.water, path: Path.bodyCam)
        try await f.run(.escalate(to: .iii), on: s.id, by: Org.township)
        try await f.run(.join, on: s.id, by: Org.county)
        try await f.run(.handover(to: Org.county, note: "n"), on: s.id, by: Org.township)
        _ = await refusal { try await f.run(.close, on: s.id, by: Org.township) }
        try await f.run(.remove(org: Org.water), on: s.id, by: Org.county)
        try await f.run(.detach(path: Path.bodyCam), on: s.id, by: Org.county)
        try await f.run(.leave, on: s.id, by: Org.township)
        _ = try await f.coordinator.fileReport(incidentId: incident.id, stage: .followup, text: "t", by: Org.county)
        try await f.run(.close, on: s.id, by: Org.county)

        let events = await f.coordinator.allEvents()
        #expect(events.map(\.kind) == [
            .incidentCreated, .sessionCreated, .feedAttached, .focusChanged, .invited, .joined, .feedViewed,
            .escalated, .joined, .handedOver, .refused, .removed, .feedDetached, .left, .reportFiled, .closed,
        ])
        #expect(events.map(\.seq) == Array(1...16))
        #expect(await f.store.events == events)
        let checkpoint = await f.store.checkpoint
        let head = await f.coordinator.checkpoint
        #expect(checkpoint == head)
        #expect(try await f.coordinator.verifyRecord(checkpoint: checkpoint) == .intact(checkpoint))
        #expect(try await f.coordinator.events(ofIncident: incident.id, as: .admin).count == 16)
    }

    @Test func recordViewOncePerSessionAndOrg() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        try await f.run(.attach(path: Path.bodyCam), on: s.id, by: Org.township)
        try await f.run(.invite(org: Org.water, role: .participant), on: s.id, by: Org.township)
        try await f.run(.join, on: s.id, by: Org.water)
        #expect(try await f.coordinator.recordView(org: Org.water, path: Path.bodyCam))
        #expect(try await f.coordinator.recordView(org: Org.water, path: Path.bodyCam) == false)
        #expect(try await f.coordinator.recordView(org: Org.township, path: Path.bodyCam))
        // The city watching by jurisdiction, not in the session: routine, not recorded here.
        #expect(try await f.coordinator.recordView(org: Org.city, path: Path.bodyCam) == false)
        let views = await f.coordinator.allEvents().filter { $0.kind == .feedViewed }
        #expect(views.map(\.actor) == [Org.water, Org.township])
        #expect(views.allSatisfy { $0.sessionId == s.id && $0.detail["path"] == .string(Path.bodyCam) })

        // A view that is not allowed is refused and recorded.
        let error = await refusal { _ = try await f.coordinator.recordView(org: Org.otherCounty, path: Path.bodyCam) }
        #expect(error?.code == .forbidden)
        let last = try #require(await f.lastEvent())
        #expect(last.kind == .refused && last.actor == Org.otherCounty && last.detail["command"] == "feed.viewed")
        #expect(await refusal { _ = try await f.coordinator.recordView(org: Org.water, path: "lab/x") }?.code == .invalid)

        // Deduplication survives a restart.
        let again = try await f.restarted()
        #expect(try await again.coordinator.recordView(org: Org.water, path: Path.bodyCam) == false)
    }

    @Test func failedWriteAppliesNothing() async throws {
        let f = try await Fixture.make()
        let (incident, s) = try await f.session()
        try await f.run(.invite(org: Org.water, role: .observer), on: s.id, by: Org.township)
        try await f.run(.join, on: s.id, by: Org.water)
        let before = try await f.coordinator.session(id: s.id, as: .admin)
        let count = await f.coordinator.allEvents().count

        await f.store.failNextCommits(1)
        let error = await refusal { try await f.run(.attach(path: Path.bodyCam), on: s.id, by: Org.township) }
        #expect(error?.code == .unavailable)
        #expect(error?.underlying is InMemoryReportingStore.InjectedFailure)
        #expect(try await f.coordinator.session(id: s.id, as: .admin) == before)
        #expect(await f.coordinator.allEvents().count == count)
        #expect(!f.coordinator.canView(org: Org.water, path: Path.bodyCam), "no access granted by a write that failed")

        await f.store.failNextCommits(1)
        #expect(await refusal { try await f.run(.escalate(to: .ii), on: s.id, by: Org.township) }?.code == .unavailable)
        #expect(try await f.coordinator.incident(id: incident.id, as: .admin).grade == .iv)
        #expect(await f.store.incidents[incident.id]?.grade == .iv)

        // The chain carries on from where the store really is.
        try await f.run(.attach(path: Path.bodyCam), on: s.id, by: Org.township)
        let events = await f.store.events
        #expect(events.map(\.seq) == Array(1...(count + 1)))
        #expect(AuditVerifier.verify(events: events, keyBytes: Fixture.key, checkpoint: await f.store.checkpoint).isIntact)
    }

    @Test func restartRebuildsStateAndAccess() async throws {
        let f = try await Fixture.make()
        let (incident, s) = try await f.session()
        try await f.run(.attach(path: Path.bodyCam), on: s.id, by: Org.township)
        try await f.run(.invite(org: Org.water, role: .observer), on: s.id, by: Org.township)
        try await f.run(.join, on: s.id, by: Org.water)

        let again = try await f.restarted()
        #expect(try await again.coordinator.session(id: s.id, as: .admin) == f.coordinator.session(id: s.id, as: .admin))
        #expect(try await again.coordinator.incident(id: incident.id, as: .admin) == incident)
        #expect(again.coordinator.canView(org: Org.water, path: Path.bodyCam), "session grants restored from the store")
        #expect(await refusal { _ = try await again.coordinator.openSession(incidentId: incident.id, by: Org.township) }?.code == .conflict)
        let next = try await again.incident()
        #expect(next.id == "inc-000002", "identifiers resume after the highest stored one")
        try await again.run(.close, on: s.id, by: Org.township)
        #expect(!again.coordinator.canView(org: Org.water, path: Path.bodyCam))
        #expect(try await again.coordinator.verifyRecord(checkpoint: await again.store.checkpoint).isIntact)
    }

    @Test func subscribersReceiveCommittedEventsInOrder() async throws {
        let f = try await Fixture.make()
        let all = await f.coordinator.subscribe()
        let (_, s) = try await f.session()
        let sessionOnly = await f.coordinator.subscribe { $0.sessionId == s.id }
        #expect(await f.coordinator.subscriberCount == 2)
        try await f.run(.attach(path: Path.room), on: s.id, by: Org.township)
        _ = await refusal { try await f.run(.attach(path: Path.room), on: s.id, by: Org.township) }
        _ = try await f.incident()

        var received: [AuditKind] = []
        for await event in all {
            received.append(event.kind)
            if received.count == 5 { break }
        }
        #expect(received == [.incidentCreated, .sessionCreated, .feedAttached, .refused, .incidentCreated])
        var scoped: [AuditKind] = []
        for await event in sessionOnly {
            scoped.append(event.kind)
            if scoped.count == 2 { break }
        }
        #expect(scoped == [.feedAttached, .refused])
    }

    @Test("a subscriber more than 1,024 events behind gets the first 1,024 without a gap, then its stream ends (it was silently skipped ahead)")
    func laggingSubscriberIsEndedNotSkipped() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        try await f.run(.attach(path: Path.room), on: s.id, by: Org.township)
        let stream = await f.coordinator.subscribe { $0.sessionId == s.id }
        // Refused commands are recorded too: 1,100 events nobody reads while they happen.
        for _ in 0..<1_100 {
            _ = await refusal { try await f.run(.attach(path: Path.room), on: s.id, by: Org.township) }
        }
        var received: [Int] = []
        for await event in stream { received.append(event.seq) }
        #expect(received.count == SessionCoordinator.subscriberBuffer)
        #expect(zip(received, received.dropFirst()).allSatisfy { $1 == $0 + 1 }, "contiguous")
        let first = try #require(await f.coordinator.allEvents().first { $0.sessionId == s.id && $0.kind == .refused })
        #expect(received.first == first.seq)
        #expect(await f.coordinator.subscriberCount == 0)
    }

    @Test func subscriptionEndsWhenConsumerGoesAway() async throws {
        let f = try await Fixture.make()
        do {
            let stream = await f.coordinator.subscribe()
            _ = stream
        }
        // onTermination hops back to the actor; give it a moment.
        for _ in 0..<100 where await f.coordinator.subscriberCount > 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(await f.coordinator.subscriberCount == 0)
    }

    @Test func concurrentCommandsGetDistinctSequenceNumbers() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        let coordinator = f.coordinator
        // Twenty racing commands: half of them conflict, all of them are recorded exactly once.
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<20 {
                group.addTask {
                    let path = index.isMultiple(of: 2) ? Path.room : Path.room2
                    _ = try? await coordinator.perform(.attach(path: path), on: s.id, by: Org.township)
                }
            }
        }
        let events = await coordinator.allEvents()
        #expect(events.map(\.seq) == Array(1...22))
        #expect(events.filter { $0.kind == .feedAttached }.count == 2)
        #expect(events.filter { $0.kind == .refused }.count == 18)
        #expect(AuditVerifier.verify(events: events, keyBytes: Fixture.key, checkpoint: await f.store.checkpoint).isIntact)
    }

    @Test func externalRefusalsAreRecorded() async throws {
        let f = try await Fixture.make()
        let (_, s) = try await f.session()
        let error = await f.coordinator.recordRefusal(
            ReportingError(.invalid, "request body is not valid JSON"), command: "session.feeds", actor: Org.county,
            sessionId: s.id, arguments: ["bytes": 1_048_577])
        #expect(error.code == .invalid)
        let event = try #require(await f.lastEvent())
        #expect(event.kind == .refused && event.sessionId == s.id && event.detail["bytes"] == 1_048_577)
        // An id the record does not know is not written into the event's ids.
        await f.coordinator.recordRefusal(ReportingError(.notFound, "x"), command: "c", actor: Org.county, sessionId: "ses-999999")
        #expect(try #require(await f.lastEvent()).sessionId == nil)
    }

    @Test func configurationIsValidated() async throws {
        let store = InMemoryReportingStore()
        let d = StaticOrganisationDirectory.tongrenFixture
        let shortKey = await refusal { _ = try await SessionCoordinator(store: store, directory: d, catalog: d, auditKey: Data(count: 8)) }
        #expect(shortKey?.code == .invalid)
        let badRules = await refusal {
            _ = try await SessionCoordinator(store: store, directory: d, catalog: d, auditKey: Fixture.key,
                                             rules: EscalationRules(invites: [.i: [.department]]))
        }
        #expect(badRules?.code == .invalid)
    }

    @Test func modelTypesRoundTripThroughJSON() async throws {
        let f = try await Fixture.make()
        let (incident, s) = try await f.session(grade: .iii)
        try await f.run(.attach(path: Path.bodyCam), on: s.id, by: Org.township)
        let session = try await f.run(.focus(path: Path.bodyCam), on: s.id, by: Org.township)
        let encoder = JSONEncoder()
        #expect(try JSONDecoder().decode(JointSession.self, from: encoder.encode(session)) == session)
        #expect(try JSONDecoder().decode(Incident.self, from: encoder.encode(incident)) == incident)
        let json = try #require(String(data: encoder.encode(session.feeds[0].path), encoding: .utf8))
        #expect(json == "\"cam\\/bc-520602001\"" || json == "\"cam/bc-520602001\"")
        let value: AuditValue = ["a": [1, "x", true, nil], "b": ["c": -5]]
        #expect(try JSONDecoder().decode(AuditValue.self, from: encoder.encode(value)) == value)
    }
}
