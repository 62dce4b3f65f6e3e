import Logging
import ServiceLifecycle

/// Keeps joint reporting in step with changes made elsewhere: organisations re-read when a hall
/// source changes (an organisation added or removed, an import), the token index and the SRT read
/// key generations re-read every few seconds (a token revoked or a read key rotated by the CLI
/// stops working within that time). Closes the database after the HTTP server has drained (it
/// comes before the server in the service list, so it stops after).
struct ReportingService: Service {
    let services: ReportingServices
    var tokenRefresh: Duration = .seconds(5)

    func run() async throws {
        let changes = services.directory.registryChanges()
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask {
                    for await change in changes where change.path.hasPrefix("hall/") {
                        do {
                            try await services.directory.refresh()
                        } catch {
                            services.logger.warning("organisations not re-read", metadata: ["error": "\(error)", "after": "\(change.path)"])
                        }
                    }
                }
                group.addTask {
                    while !Task.isCancelled {
                        do {
                            try await Task.sleep(for: tokenRefresh)
                        } catch {
                            return
                        }
                        try? await services.organisationTokens.refresh()
                        try? await services.srtReadKeys.refresh()
                    }
                }
                await group.next()
                group.cancelAll()
            }
        }
        do {
            try services.database.close()
        } catch {
            services.logger.warning("reporting database not closed cleanly", metadata: ["error": "\(error)"])
        }
    }
}
