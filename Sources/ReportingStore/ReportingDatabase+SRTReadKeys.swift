import Foundation
import GRDB

extension ReportingDatabase {
    /// Raises the SRT read key generation of `caller` (an organisation id whose existence the
    /// caller has checked, or `admin`) by one and returns the new generation.
    public func rotateSRTReadKey(caller: String, at now: Date = Date()) async throws -> Int {
        guard !isReadOnly else { throw ReportingStoreError(.readOnly, "the reporting database was opened read-only") }
        let millis = Int64((now.timeIntervalSince1970 * 1000).rounded())
        do {
            return try await writer.write { db in
                try db.execute(sql: """
                    INSERT INTO srtReadKeyGeneration (caller, generation, rotatedAt) VALUES (?, 1, ?)
                    ON CONFLICT(caller) DO UPDATE SET generation = generation + 1, rotatedAt = excluded.rotatedAt
                    """, arguments: [caller, millis])
                return try Int.fetchOne(db, sql: "SELECT generation FROM srtReadKeyGeneration WHERE caller = ?", arguments: [caller]) ?? 0
            }
        } catch {
            throw ReportingStoreError.wrapping(error)
        }
    }

    /// The generation of every caller whose key has been rotated (the others are at 0).
    public func srtReadKeyGenerations() async throws -> [String: Int] {
        do {
            return try await writer.read { db in
                var result: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT caller, generation FROM srtReadKeyGeneration") {
                    result[row["caller"]] = row["generation"]
                }
                return result
            }
        } catch {
            throw ReportingStoreError.wrapping(error)
        }
    }
}
