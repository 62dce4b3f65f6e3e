import Logging
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

/// The paths' timers: stall detection, the end of the reconnect grace window, forgetting old paths.
struct HousekeepingService: Service {
    let paths: PathManager
    let interval: Duration

    func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    try await Task.sleep(for: interval)
                } catch {
                    return
                }
                paths.tick()
            }
        }
    }
}
