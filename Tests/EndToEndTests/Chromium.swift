import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport

/// Headless Chromium (Debian package `chromium`) driven over the Chrome DevTools Protocol through
/// `--remote-debugging-pipe` (NUL-separated JSON on the browser's fds 3 and 4). A pipe, not the
/// WebSocket endpoint: this machine's libcurl has no WebSocket support, so FoundationNetworking's
/// `URLSessionWebSocketTask` fails ("WebSockets not supported by libcurl"). Pages are targets
/// attached in flattened mode, each command carrying its page's `sessionId`.
final class Chromium: @unchecked Sendable {
    // @unchecked: the mutable state is under `lock`; the process and pipes are set up in init.
    private let process = Process()
    private let toBrowser = Pipe()
    private let fromBrowser = Pipe()
    private let lock = NSLock()
    private var buffer = Data()
    private var nextID = 0
    private var waiting: [Int: CheckedContinuation<Data, Error>] = [:]
    private var consoleLines: [String] = []
    private var uncaught: [String] = []
    let profile: String

    static func launch() async throws -> Chromium {
        try Chromium()
    }

    private init() throws {
        profile = FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-chromium-\(UUID().uuidString)").path
        let chromium = try Subprocess.locate("chromium")
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        // fd 3: commands in (our stdin pipe); fd 4: answers out (our stdout pipe).
        process.arguments = ["-c", "exec \"$0\" \"$@\" 3<&0 4>&1 1>/dev/null 0</dev/null", chromium,
            "--headless=new", "--no-sandbox", "--remote-debugging-pipe", "--user-data-dir=\(profile)",
            "--window-size=1440,900", "--autoplay-policy=no-user-gesture-required", "--disable-gpu",
            "--no-first-run", "--no-default-browser-check", "about:blank"]
        process.standardInput = toBrowser
        process.standardOutput = fromBrowser
        process.standardError = FileHandle.nullDevice
        try process.run()
        // A reader thread, not a readability handler (see PipeReader).
        PipeReader.start(fromBrowser, name: "chromium devtools") { [weak self] data in
            self?.received(data)
        }
    }

    private func received(_ data: Data) {
        var messages: [Data] = []
        lock.withLock {
            buffer.append(data)
            while let end = buffer.firstIndex(of: 0) {
                messages.append(buffer.subdata(in: buffer.startIndex..<end))
                buffer.removeSubrange(buffer.startIndex...end)
            }
        }
        for message in messages {
            guard let json = try? JSONSerialization.jsonObject(with: message) as? [String: Any] else { continue }
            if let id = json["id"] as? Int {
                lock.withLock { waiting.removeValue(forKey: id) }?.resume(returning: message)
            } else if json["method"] as? String == "Runtime.consoleAPICalled",
                      let args = (json["params"] as? [String: Any])?["args"] as? [[String: Any]] {
                let line = args.map { "\($0["value"] ?? $0["description"] ?? "")" }.joined(separator: " ")
                lock.withLock { consoleLines.append(line) }
            } else if json["method"] as? String == "Runtime.exceptionThrown",
                      let details = (json["params"] as? [String: Any])?["exceptionDetails"] as? [String: Any] {
                // An uncaught exception or unhandled promise rejection in any page.
                let exception = details["exception"] as? [String: Any]
                let line = "\(details["text"] ?? "exception"): \(exception?["description"] ?? exception?["value"] ?? "")"
                lock.withLock { uncaught.append(line); consoleLines.append("uncaught: \(line)") }
            } else if let method = json["method"] as? String, method.hasPrefix("Media.player"),
                      let params = json["params"] as? [String: Any] {
                // The media pipeline's own log (after `Media.enable`): why a <video> failed.
                let entries = (params["messages"] ?? params["errors"] ?? params["events"] ?? params["properties"]) as? [[String: Any]] ?? []
                let lines = entries.map { entry in
                    let text = (try? JSONSerialization.data(withJSONObject: entry, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) }
                    return "media: \(text ?? "?")"
                }
                lock.withLock { consoleLines.append(contentsOf: lines) }
            }
        }
    }

    var console: [String] { lock.withLock { consoleLines } }

    /// Uncaught exceptions and unhandled rejections reported by any page (`Runtime.exceptionThrown`).
    var uncaughtErrors: [String] { lock.withLock { uncaught } }

    @discardableResult
    func send(_ method: String, _ params: [String: Any] = [:], session: String? = nil) async throws -> [String: Any] {
        let id = lock.withLock { nextID += 1; return nextID }
        var command: [String: Any] = ["id": id, "method": method, "params": params]
        if let session { command["sessionId"] = session }
        var bytes = try JSONSerialization.data(withJSONObject: command)
        bytes.append(0)
        let raw = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, Error>) in
            lock.withLock { waiting[id] = continuation }
            toBrowser.fileHandleForWriting.write(bytes)
        }
        let reply = (try JSONSerialization.jsonObject(with: raw) as? [String: Any]) ?? [:]
        if let error = reply["error"] { throw TestFailure("\(method): \(error)") }
        return reply["result"] as? [String: Any] ?? [:]
    }

    /// A new tab, attached and ready to be driven.
    func newPage() async throws -> Page {
        let created = try await send("Target.createTarget", ["url": "about:blank"])
        guard let target = created["targetId"] as? String else { throw TestFailure("no target") }
        let attached = try await send("Target.attachToTarget", ["targetId": target, "flatten": true])
        guard let session = attached["sessionId"] as? String else { throw TestFailure("not attached") }
        let page = Page(browser: self, session: session)
        try await page.send("Page.enable")
        try await page.send("Runtime.enable")
        return page
    }

    /// Ends the browser and removes its profile.
    func terminate() {
        if process.isRunning { process.terminate() }
        let profile = profile
        DispatchQueue.global().asyncAfter(deadline: .now() + 4) { try? FileManager.default.removeItem(atPath: profile) }
    }

    /// One tab: commands go through the browser's pipe with this tab's session id.
    final class Page: Sendable {
        let browser: Chromium
        let session: String

        init(browser: Chromium, session: String) {
            self.browser = browser
            self.session = session
        }

        var console: [String] { browser.console }

        @discardableResult
        func send(_ method: String, _ params: [String: Any] = [:]) async throws -> [String: Any] {
            try await browser.send(method, params, session: session)
        }

        func navigate(_ url: String) async throws {
            try await send("Page.navigate", ["url": url])
            try await waitFor("document.readyState === 'complete'")
        }

        /// The value of a JavaScript expression (promises awaited).
        func evaluate(_ expression: String) async throws -> Any? {
            let result = try await send("Runtime.evaluate", ["expression": expression, "returnByValue": true, "awaitPromise": true])
            if let exception = result["exceptionDetails"] { throw TestFailure("\(expression.prefix(120)): \(exception)") }
            return (result["result"] as? [String: Any])?["value"]
        }

        /// Polls `expression` until it is truthy.
        @discardableResult
        func waitFor(_ expression: String, timeout: Duration = .seconds(20)) async throws -> Any? {
            let deadline = ContinuousClock.now + timeout
            var last: Any?
            while ContinuousClock.now < deadline {
                last = try? await evaluate(expression)
                if let value = last, !(value is NSNull) {
                    if let flag = value as? Bool { if flag { return flag } } else if let number = value as? NSNumber {
                        if number.doubleValue != 0 { return number }
                    } else if let text = value as? String { if !text.isEmpty { return text } } else { return value }
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            throw TestFailure("timed out waiting for \(expression); last \(String(describing: last)); console: \(console.suffix(10))")
        }

        /// Saves a PNG screenshot under `artifacts/` at the package root.
        func screenshot(_ name: String) async throws {
            let result = try await send("Page.captureScreenshot", ["format": "png"])
            guard let base64 = result["data"] as? String, let data = Data(base64Encoded: base64) else { throw TestFailure("no screenshot") }
            let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
                .deletingLastPathComponent().appendingPathComponent("artifacts")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try data.write(to: directory.appendingPathComponent("\(name).png"))
        }

        func close() {}
    }
}
