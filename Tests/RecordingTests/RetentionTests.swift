import Foundation
import Logging
import Recording
import RecordingStore
import Testing

@Suite("Retention: the longest class wins, a hold overrides all, deletions are in the ledger")
struct RetentionTests {
    static let day: TimeInterval = 86_400
    let t0 = RecordingFixture.start
    let configuration = RecordingConfiguration()

    /// A sealed ten-minute file of `path` starting at `start`.
    func file(_ id: Int64, _ path: String, start: Date? = nil, sealed: Bool = true) -> RecordedFile {
        let start = start ?? t0
        return RecordedFile(id: id, path: path, name: "\(path)/2026-03-10/file-\(id).mp4", instance: "a", codecs: "avc1.42c01e",
                            createdAt: start, initLength: 100, initHash: Data(count: 32),
                            sealedAt: sealed ? start.addingTimeInterval(600) : nil, chainHead: sealed ? Data(count: 32) : nil,
                            fragmentCount: 300, start: start, end: start.addingTimeInterval(600))
    }

    func link(_ path: String, _ incident: String, from: TimeInterval = -60, to: TimeInterval? = 900) -> SessionLink {
        SessionLink(path: path, sessionID: "s-\(incident)", incidentID: incident, from: t0.addingTimeInterval(from), to: to.map { t0.addingTimeInterval($0) })
    }

    func mark(_ path: String, from: TimeInterval, to: TimeInterval, released: Bool = false) -> EvidenceMark {
        EvidenceMark(id: 1, path: path, from: t0.addingTimeInterval(from), to: t0.addingTimeInterval(to), note: "n", markedBy: "admin",
                     markedAt: t0, releasedBy: released ? "admin" : nil, releasedAt: released ? t0.addingTimeInterval(Self.day) : nil)
    }

    /// What expires among `files` at `days` after t0: file id → reason.
    func expired(_ files: [RecordedFile], at days: Double, links: [SessionLink] = [], incidents: [String: IncidentRetention] = [:],
                 marks: [EvidenceMark] = [], holds: [String] = []) -> [Int64: String] {
        let result = RetentionPolicy.expired(
            files: files, links: links, incidents: incidents, marks: marks,
            holds: holds.map { LegalHold(incidentID: $0, placedBy: "admin", placedAt: t0, note: "") },
            configuration: configuration, now: t0.addingTimeInterval(days * Self.day))
        return Dictionary(uniqueKeysWithValues: result.map { ($0.0.id, $0.reason) })
    }

    @Test func routineFilesGoAfterThirtyDays() {
        let files = [file(1, "cam/a"), file(2, "cam/b", sealed: false)]
        #expect(expired(files, at: 30).isEmpty)
        // Counted from the file's end (ten minutes after its start).
        #expect(expired(files, at: 30 + 500 / Self.day).isEmpty)
        #expect(expired(files, at: 30 + 700 / Self.day) == [1: "routine: older than 30 days"])
        // An unsealed file (being written, or waiting for recovery) never goes.
        #expect(expired(files, at: 3000)[2] == nil)
        // An empty file counts from its creation.
        var empty = file(3, "cam/c")
        empty.start = nil
        empty.end = nil
        empty.fragmentCount = 0
        #expect(expired([empty], at: 30.001) == [3: "routine: older than 30 days"])
    }

    @Test func incidentLinkedFiles() {
        let files = [file(1, "cam/a"), file(2, "cam/b"), file(3, "cam/c")]
        let links = [link("cam/a", "inc-1"), link("cam/b", "inc-2"), link("cam/c", "inc-9")]
        // inc-1 open, inc-2 closed a day later, inc-9 unknown to the caller.
        var incidents = ["inc-1": IncidentRetention(closedAt: nil, grade: 3),
                         "inc-2": IncidentRetention(closedAt: t0.addingTimeInterval(Self.day), grade: 4)]
        #expect(expired(files, at: 31, links: links, incidents: incidents).isEmpty)
        #expect(expired(files, at: 180, links: links, incidents: incidents).isEmpty)
        #expect(expired(files, at: 182, links: links, incidents: incidents) == [2: "incident inc-2 closed more than 180 days ago"])
        // Once inc-1 closes, 180 days from its closing.
        incidents["inc-1"]?.closedAt = t0.addingTimeInterval(100 * Self.day)
        #expect(expired(files, at: 279, links: links, incidents: incidents)[1] == nil)
        #expect(expired(files, at: 281, links: links, incidents: incidents)[1] == "incident inc-1 closed more than 180 days ago")
        // An unknown incident keeps its files (a deletion cannot be undone).
        #expect(expired(files, at: 10_000, links: links, incidents: incidents)[3] == nil)
    }

    @Test func theLongestClassWins() {
        let files = [file(1, "cam/a"), file(2, "cam/b"), file(3, "cam/c")]
        let closed = t0.addingTimeInterval(Self.day)
        let incidents = ["old": IncidentRetention(closedAt: closed, grade: 4),
                         "open": IncidentRetention(closedAt: nil, grade: 4),
                         "major": IncidentRetention(closedAt: closed, grade: 2)]
        // cam/a: an expired incident and an open one; cam/b: a grade II incident; cam/c: a link
        // that does not overlap the file (an hour after it).
        let links = [link("cam/a", "old"), link("cam/a", "open", from: 300, to: nil),
                     link("cam/b", "major"), link("cam/c", "open", from: 3600, to: 7200)]
        let kept = expired(files, at: 500, links: links, incidents: incidents)
        #expect(kept == [3: "routine: older than 30 days"])
        // Grade I and II: never by time.
        #expect(expired(files, at: 100_000, links: links, incidents: incidents)[2] == nil)
        // A still-attached link (no `to`) overlaps everything after its start.
        #expect(expired([file(4, "cam/a", start: t0.addingTimeInterval(Self.day))], at: 500, links: links, incidents: incidents).isEmpty)
    }

    @Test func evidenceMarksAndHolds() {
        let files = [file(1, "cam/a"), file(2, "cam/b"), file(3, "cam/c"), file(4, "cam/d")]
        let marks = [
            mark("cam/a", from: 590, to: 1200),                 // overlaps its path's file: kept
            mark("cam/b", from: 0, to: 600, released: true),    // released: no longer keeps
            mark("cam/a", from: 0, to: 600).with(path: "cam/x"), // another path
            mark("cam/c", from: 700, to: 900),                  // after the file
        ]
        let result = expired(files, at: 40, marks: marks)
        #expect(result[1] == nil)
        #expect(Set(result.keys) == [2, 3, 4])

        // A hold on an incident keeps every file linked to it, whatever its grade or closing.
        let incidents = ["inc-1": IncidentRetention(closedAt: t0, grade: 4)]
        let links = [link("cam/c", "inc-1"), link("cam/d", "inc-1")]
        #expect(Set(expired(files, at: 10_000, links: links, incidents: incidents, marks: marks, holds: ["inc-1"]).keys) == [2])
        #expect(Set(expired(files, at: 10_000, links: links, incidents: incidents, marks: marks).keys) == [2, 3, 4])
    }

    @Test func sweepDeletesFromDiskAndLedger() async throws {
        let fixture = try RecordingFixture(clockStart: t0)
        let logger = Logger(label: "test.retention")
        let (tracks, units) = try await RecordingFixture.media(RecordingFixture.sixSeconds)
        let paths = ["cam/routine", "cam/incident", "cam/major", "cam/held", "cam/evidence", "cam/stuck"]
        for path in paths { await fixture.record(path: path, tracks: tracks, units: units) }
        var found: [String: RecordedFile] = [:]
        for path in paths {
            let file = try #require(try fixture.files(path).first)
            found[path] = file
        }
        let recorded = found

        // Session links with their backfill, an evidence mark, a legal hold.
        for (path, incident) in [("cam/incident", "inc-open"), ("cam/major", "inc-major"), ("cam/held", "inc-held")] {
            try fixture.index.openLink(SessionLink(path: path, sessionID: "s-\(incident)", incidentID: incident, from: t0.addingTimeInterval(-600)))
            try fixture.index.closeLink(path: path, sessionID: "s-\(incident)", at: t0.addingTimeInterval(600))
        }
        let mark = try fixture.index.markEvidence(path: "cam/evidence", from: t0.addingTimeInterval(-300), to: t0.addingTimeInterval(2),
                                                  note: "the collapse", by: "admin", at: t0)
        _ = try fixture.index.placeHold(incidentID: "inc-held", note: "court order", by: "admin", at: t0)
        var incidents = ["inc-open": IncidentRetention(closedAt: nil, grade: 3),
                         "inc-major": IncidentRetention(closedAt: t0.addingTimeInterval(Self.day), grade: 2),
                         "inc-held": IncidentRetention(closedAt: t0.addingTimeInterval(Self.day), grade: 4)]
        // cam/stuck's file cannot be unlinked: a non-empty directory in its place.
        let stuck = fixture.url(of: recorded["cam/stuck"]!)
        try FileManager.default.removeItem(at: stuck)
        try FileManager.default.createDirectory(at: stuck, withIntermediateDirectories: false)
        try Data([1]).write(to: stuck.appendingPathComponent("x"))

        func sweep(at days: Double) -> SweepReport {
            RetentionSweep.run(directory: fixture.directory, index: fixture.index, incidents: incidents,
                               configuration: configuration, now: t0.addingTimeInterval(days * Self.day), logger: logger)
        }
        func indexed(_ path: String) throws -> Bool { try !fixture.files(path).isEmpty }
        func onDisk(_ path: String) -> Bool { FileManager.default.fileExists(atPath: fixture.url(of: recorded[path]!).path) }

        #expect(sweep(at: 29).deleted.isEmpty)

        // After 31 days: the routine file goes, from disk, index and its (now empty) day directory.
        var report = sweep(at: 31)
        #expect(report.deleted.map(\.file) == [recorded["cam/routine"]!.name])
        #expect(report.deleted.first?.reason == "routine: older than 30 days")
        #expect(report.bytesFreed > 0)
        #expect(try !indexed("cam/routine") && !onDisk("cam/routine"))
        let dayDirectory = fixture.url(of: recorded["cam/routine"]!).deletingLastPathComponent()
        #expect(!FileManager.default.fileExists(atPath: dayDirectory.path))
        #expect(FileManager.default.fileExists(atPath: dayDirectory.deletingLastPathComponent().path))
        // The file that cannot be unlinked stays indexed, and is said.
        #expect(report.failures.count == 1 && report.failures[0].contains(recorded["cam/stuck"]!.name))
        #expect(try indexed("cam/stuck"))
        for path in ["cam/incident", "cam/major", "cam/held", "cam/evidence"] {
            #expect(try indexed(path) && onDisk(path), "\(path) is kept")
        }

        // Fixed by hand: the next sweep removes it from the index, saying it was already gone.
        try FileManager.default.removeItem(at: stuck)
        report = sweep(at: 32)
        #expect(report.deleted.map(\.reason) == ["routine: older than 30 days; the file was already missing"])
        #expect(try report.failures.isEmpty && !indexed("cam/stuck"))

        // The open incident's file stays until 180 days after it closes.
        #expect(sweep(at: 300).deleted.isEmpty)
        incidents["inc-open"]?.closedAt = t0.addingTimeInterval(40 * Self.day)
        #expect(sweep(at: 40 + 179).deleted.isEmpty)
        report = sweep(at: 40 + 181)
        #expect(report.deleted.map(\.file) == [recorded["cam/incident"]!.name])
        #expect(report.deleted.first?.reason == "incident inc-open closed more than 180 days ago")

        // Grade II, the hold and the evidence mark keep theirs for years.
        #expect(sweep(at: 3650).deleted.isEmpty)
        try fixture.index.releaseHold(incidentID: "inc-held", by: "admin", at: t0.addingTimeInterval(3650 * Self.day))
        _ = try fixture.index.releaseEvidence(id: mark.id, by: "admin", at: t0.addingTimeInterval(3650 * Self.day))
        report = sweep(at: 3651)
        #expect(Set(report.deleted.map(\.file)) == [recorded["cam/held"]!.name, recorded["cam/evidence"]!.name])
        #expect(Set(report.deleted.map(\.reason)) == ["incident inc-held closed more than 180 days ago", "routine: older than 30 days"])
        #expect(try indexed("cam/major") && onDisk("cam/major"))

        // Every deletion is in the ledger with its reason, and the chain holds.
        let ledger = try fixture.index.ledger(from: 1)
        let deletions = ledger.filter { $0.kind == .fileDeleted }
        #expect(deletions.count == 5)
        #expect(deletions.prefix(3).map { $0.detail["file"] } == [recorded["cam/routine"]!.name, recorded["cam/stuck"]!.name, recorded["cam/incident"]!.name])
        #expect(Set(deletions.suffix(2).compactMap { $0.detail["file"] }) == [recorded["cam/held"]!.name, recorded["cam/evidence"]!.name])
        #expect(deletions.allSatisfy { $0.detail["reason"]?.isEmpty == false && $0.path != nil })
        #expect(deletions.first?.detail["reason"] == "routine: older than 30 days")
        #expect(ledger.allSatisfy { $0.isIntact })
        #expect(zip(ledger, ledger.dropFirst()).allSatisfy { $1.previousHash == $0.hash })
    }
}

extension EvidenceMark {
    func with(path: String) -> EvidenceMark {
        var copy = self
        copy.path = path
        return copy
    }
}
