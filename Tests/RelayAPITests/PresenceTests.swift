import Foundation
import Testing
@testable import RelayAPI

@Suite("Presence: who is online and what each organisation watches")
struct PresenceTests {
    @Test("online within the window after any request; watching per path within its own window")
    func windows() {
        let presence = Presence(onlineWindow: 30, watchingWindow: 10)
        let t0 = Date(timeIntervalSince1970: 1_767_225_600)
        #expect(!presence.isOnline("520602", at: t0))
        presence.seen("520602", at: t0)
        #expect(presence.isOnline("520602", at: t0.addingTimeInterval(29)))
        #expect(!presence.isOnline("520602", at: t0.addingTimeInterval(31)))
        #expect(!presence.isOnline("520603", at: t0))

        presence.watching("520602", path: "room/520602001201", at: t0)
        presence.watching("520602", path: "cam/bc-520602001", at: t0.addingTimeInterval(5))
        #expect(presence.watched(by: "520602", at: t0.addingTimeInterval(6)) == ["cam/bc-520602001", "room/520602001201"])
        #expect(presence.watched(by: "520602", at: t0.addingTimeInterval(11)) == ["cam/bc-520602001"])
        #expect(presence.watched(by: "520602", at: t0.addingTimeInterval(16)) == [])
        // Watching counts as being there.
        #expect(presence.isOnline("520602", at: t0.addingTimeInterval(34)))
    }

    @Test("a long list is pruned of what is past the window")
    func bounded() {
        let presence = Presence(onlineWindow: 30, watchingWindow: 10)
        let t0 = Date(timeIntervalSince1970: 1_767_225_600)
        for i in 0..<64 { presence.watching("520602", path: "room/old\(i)", at: t0) }
        #expect(presence.keptPaths(of: "520602") == 64)
        presence.watching("520602", path: "room/new", at: t0.addingTimeInterval(20))
        #expect(presence.keptPaths(of: "520602") == 1)
        #expect(presence.watched(by: "520602", at: t0.addingTimeInterval(20)) == ["room/new"])
    }
}
