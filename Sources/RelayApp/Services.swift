import Logging
import MediaTypes
import ServiceLifecycle
import SRTTransport
import StreamHub

/// Owns the SRT listener's lifetime: bound at build time (so a taken port fails the start), closed
/// on graceful shutdown, which closes every camera's connection.
struct SRTIngestService: Service {
    let server: SRTServer

    func run() async throws {
        try? await gracefulShutdown()
        server.shutdown()
    }
}

/// Some work every `interval`, inside the ServiceGroup (so it starts and stops with the rest).
struct PeriodicService: Service {
    let interval: Duration
    let body: @Sendable () -> Void

    func run() async throws {
        await runEvery(interval, body)
    }
}

/// Calls `body` every `interval` until graceful shutdown or cancellation.
func runEvery(_ interval: Duration, _ body: @escaping @Sendable () -> Void) async {
    await cancelWhenGracefulShutdown {
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            body()
        }
    }
}

/// Gives freed heap pages back to the system every `interval` (`ProcessHeap.trim`), so the memory
/// a burst of connections or handshakes used does not stay resident after it.
struct HeapTrimService: Service {
    let interval: Duration
    let counters: HeapTrimCounters
    let logger: Logger

    func run() async throws {
        await runEvery(interval) { trimOnce() }
    }

    func trimOnce() {
        let before = ProcessHeap.residentBytes() ?? 0
        let started = MonotonicClock.now()
        ProcessHeap.trim()
        let elapsed = Int(MonotonicClock.now() &- started)
        let after = ProcessHeap.residentBytes() ?? before
        let returned = max(0, before - after)
        counters.trims.increment()
        counters.bytesReturned.increment(by: returned)
        counters.seconds.increment(by: Double(elapsed) / 1e9)
        if returned >= 32 << 20 {
            logger.info("freed memory given back to the system", metadata: [
                "returnedMiB": "\(returned >> 20)", "residentMiB": "\(after >> 20)", "tookMs": "\(elapsed / 1_000_000)",
            ])
        }
    }
}
