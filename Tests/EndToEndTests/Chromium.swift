import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import TestSupport

/// Headless Chromium (Debian package `chromium`) driven over the Chrome DevTools Protocol: one
/// browser per test, pages opened with `/json/new`, each page spoken to over its own WebSocket.
final class Chromium: Sendable {
    let process: Subprocess
    let port: Int
    let profile: String

    static func launch() async throws -> Chromium {
        let profile = FileManager.default.temporaryDirectory.appendingPathComponent("fieldrelay-chromium-\(UUID().uuidString)").path
        let process = try Subprocess("chromium", [
            "--headless=new", "--no-sandbox", "--remote-debugging-port=0", "--user-data-dir=\(profile)",
            "--window-size=1440,900", "--autoplay-policy=no-user-gesture-required", "--disable-gpu",
            "--no-first-run", "--no-default-browser-check", "about:blank",
        ])
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/<id>"
            if let range = process.standardError.range(of: #"DevTools listening on ws://[^:]+:(\d+)/"#, options: .regularExpression) {
                let line = process.standardError[range]
                let port = Int(line.split(separator: ":").last!.dropLast()) ?? 0
                return Chromium(process: process, port: port, profile: profile)
            }
            guard process.isRunning else { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        process.terminate()
        throw TestFailure("chromium did not start its DevTools endpoint: \(process.standardError.suffix(2000))")
    }

    init(process: Subprocess, port: Int, profile: String) {
        self.process = process
        self.port = port
        self.profile = profile
    }

    /// A new tab, ready to be driven.
    func newPage() async throws -> Page {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/json/new?about:blank")!)
        request.httpMethod = "PUT"
        let (data, _) = try await URLSession.shared.data(for: request)
        guard let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let socket = json["webSocketDebuggerUrl"] as? String, let url = URL(string: socket)
        else { throw TestFailure("no page target: \(String(decoding: data, as: UTF8.self))") }
        let page = Page(url: url)
        _ = try await page.send("Page.enable")
        _ = try await page.send("Runtime.enable")
        return page
    }

    /// Ends the browser (SIGTERM, SIGKILL after 3 s) and removes its profile.
    func terminate() {
        process.terminate()
        let profile = profile
        DispatchQueue.global().asyncAfter(deadline: .now() + 4) { try? FileManager.default.removeItem(atPath: profile) }
    }

    /// One page's DevTools connection: commands with ids, answers matched by id, events dropped
    /// (except console messages, kept for failure reports).
    final class Page: @unchecked Sendable {
        // @unchecked: the mutable state is under `lock`.
        private let task: URLSessionWebSocketTask
        private let lock = NSLock()
        private var nextID = 0
        private var waiting: [Int: CheckedContinuation<Data, Error>] = [:]
        private var consoleLines: [String] = []

        init(url: URL) {
            task = URLSession.shared.webSocketTask(with: url)
            task.maximumMessageSize = 64 * 1024 * 1024
            task.resume()
            receive()
        }

        var console: [String] { lock.withLock { consoleLines } }

        private func receive() {
            task.receive { [weak self] result in
                guard let self else { return }
                switch result {
                case .failure(let error):
                    let pending = self.lock.withLock { () -> [CheckedContinuation<Data, Error>] in
                        defer { self.waiting = [:] }
                        return Array(self.waiting.values)
                    }
                    pending.forEach { $0.resume(throwing: error) }
                case .success(let message):
                    var data = Data()
                    switch message {
                    case .string(let text): data = Data(text.utf8)
                    case .data(let bytes): data = bytes
                    @unknown default: break
                    }
                    if let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
                        if let id = json["id"] as? Int {
                            let continuation = self.lock.withLock { self.waiting.removeValue(forKey: id) }
                            continuation?.resume(returning: data)
                        } else if json["method"] as? String == "Runtime.consoleAPICalled",
                                  let args = (json["params"] as? [String: Any])?["args"] as? [[String: Any]] {
                            let line = args.map { "\($0["value"] ?? $0["description"] ?? "")" }.joined(separator: " ")
                            self.lock.withLock { self.consoleLines.append(line) }
                        }
                    }
                    self.receive()
                }
            }
        }

        @discardableResult
        func send(_ method: String, _ params: [String: Any] = [:]) async throws -> [String: Any] {
            let id = lock.withLock { nextID += 1; return nextID }
            let text = String(decoding: try JSONSerialization.data(withJSONObject: ["id": id, "method": method, "params": params]), as: UTF8.self)
            let raw = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Data, Error>) in
                lock.withLock { waiting[id] = continuation }
                task.send(.string(text)) { [weak self] error in
                    guard let error, let self else { return }
                    self.lock.withLock { self.waiting.removeValue(forKey: id) }?.resume(throwing: error)
                }
            }
            let reply = (try JSONSerialization.jsonObject(with: raw) as? [String: Any]) ?? [:]
            if let error = reply["error"] { throw TestFailure("\(method): \(error)") }
            return reply["result"] as? [String: Any] ?? [:]
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

        func close() {
            task.cancel(with: .normalClosure, reason: nil)
        }
    }
}
