import Foundation
import Testing
import JointReporting

/// Creation with an idempotency key: once per key, request and organisation, across a restart.
@Suite("Idempotent creation")
struct IdempotencyTests {
    func create(_ fixture: Fixture, title: String = "Landslide", key: String?, by actor: String = Org.township) async throws -> Incident {
        try await fixture.coordinator.createIncident(
            villageCode: "520602001201", category: .naturalDisaster, grade: .iv, title: title,
            firstReport: "road blocked", by: actor, idempotencyKey: key)
    }

    @Test("the same key and request create one incident and one session, also after a restart; another request with the key is refused")
    func oncePerKey() async throws {
        let fixture = try await Fixture.make()
        let first = try await create(fixture, key: "k1")
        let events = await fixture.coordinator.allEvents().count
        let again = try await create(fixture, key: "k1")
        #expect(again.id == first.id)
        #expect(await fixture.coordinator.allEvents().count == events, "a repeat writes nothing, not even a refusal")

        let reused = await refusal { _ = try await create(fixture, title: "Another", key: "k1") }
        #expect(reused?.code == .invalid && reused?.reason == .idempotencyKeyReused)
        #expect(await fixture.coordinator.incidents(visibleTo: .admin).count == 1)
        // Keys belong to the organisation that sent them.
        let county = try await create(fixture, key: "k1", by: Org.county)
        #expect(county.id != first.id)
        // Without a key, each request creates.
        #expect(try await create(fixture, key: nil).id != first.id)

        let session = try await fixture.coordinator.openSession(incidentId: first.id, by: Org.township, idempotencyKey: "s1")
        #expect(try await fixture.coordinator.openSession(incidentId: first.id, by: Org.township, idempotencyKey: "s1").id == session.id)
        let otherIncident = await refusal { _ = try await fixture.coordinator.openSession(incidentId: county.id, by: Org.township, idempotencyKey: "s1") }
        #expect(otherIncident?.reason == .idempotencyKeyReused)

        let restarted = try await fixture.restarted()
        #expect(try await create(restarted, key: "k1").id == first.id)
        #expect(try await restarted.coordinator.openSession(incidentId: first.id, by: Org.township, idempotencyKey: "s1").id == session.id)
        let reusedAfter = await refusal { _ = try await create(restarted, title: "Another", key: "k1") }
        #expect(reusedAfter?.reason == .idempotencyKeyReused)
        #expect(await restarted.coordinator.incidents(visibleTo: .admin).count == 3)
    }
}
