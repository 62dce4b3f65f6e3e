import Foundation
import Testing
import TestSupport

/// /metrics as rendered from the swift-prometheus registry: the same families as the hand-written
/// renderer it replaced, with the same types and label values, counters that only grow, and the
/// part-latency histogram's buckets. Runs a real gateway with ffmpeg as the camera.
@Suite("/metrics from the registry: the families, types and labels of before; counters grow; the histogram's buckets", .serialized)
struct MetricsExpositionTests {
    /// Every family /metrics had before swift-prometheus, with its type: `RelayMetrics.families()`
    /// and `HTTPEdgeCounters.families()` as they were (main at 88e04b7). A family dropped, renamed
    /// or retyped fails the test; so does a new one not added here.
    static let families: [String: String] = [
        "fieldrelay_publishers_active": "gauge",
        "fieldrelay_paths": "gauge",
        "fieldrelay_ingest_bytes_total": "counter",
        "fieldrelay_ingest_access_units_total": "counter",
        "fieldrelay_ingest_continuity_errors_total": "counter",
        "fieldrelay_ingest_stale_units_dropped_total": "counter",
        "fieldrelay_ingest_timeline_jumps_total": "counter",
        "fieldrelay_ingest_garbage_closed_total": "counter",
        "fieldrelay_hls_segments_total": "counter",
        "fieldrelay_hls_parts_total": "counter",
        "fieldrelay_hls_oversized_segments_total": "counter",
        "fieldrelay_hls_mux_errors_total": "counter",
        "fieldrelay_hls_packagers_active": "gauge",
        "fieldrelay_hls_part_latency_seconds": "histogram",
        "fieldrelay_srt_readers_active": "gauge",
        "fieldrelay_srt_readers_dropped_total": "counter",
        "fieldrelay_srt_readers_revoked_total": "counter",
        "fieldrelay_srt_handshakes_admitted_total": "counter",
        "fieldrelay_srt_connections_accepted_total": "counter",
        "fieldrelay_srt_handshakes_failed_total": "counter",
        "fieldrelay_srt_handshakes_throttled_total": "counter",
        "fieldrelay_srt_connections_active": "gauge",
        "fieldrelay_srt_packets_reordered_total": "counter",
        "fieldrelay_srt_packets_skipped_total": "counter",
        "fieldrelay_srt_packets_late_total": "counter",
        "fieldrelay_srt_rejections_total": "counter",
        "fieldrelay_process_resident_bytes": "gauge",
        "fieldrelay_memory_trims_total": "counter",
        "fieldrelay_memory_trimmed_bytes_total": "counter",
        "fieldrelay_memory_trim_seconds_total": "counter",
        "fieldrelay_http_connections_active": "gauge",
        "fieldrelay_http_connections_busy": "gauge",
        "fieldrelay_http_connections_refused_total": "counter",
        "fieldrelay_http_connections_closed_total": "counter",
        "fieldrelay_http_requests_refused_total": "counter",
        "fieldrelay_http_held_requests": "gauge",
        // Recording (issue 13).
        "fieldrelay_recording_enabled": "gauge",
        "fieldrelay_recording_disk_low": "gauge",
        "fieldrelay_recording_open_files": "gauge",
        "fieldrelay_recording_queued_bytes": "gauge",
        "fieldrelay_recording_fragments_written_total": "counter",
        "fieldrelay_recording_fragments_dropped_total": "counter",
        "fieldrelay_recording_bytes_written_total": "counter",
        "fieldrelay_recording_write_errors_total": "counter",
        // Surveillance points pulled on demand (issue 15).
        "fieldrelay_point_pulls": "gauge",
    ]

    /// The label sets the fixed-label families always had (scripts and tests read them by these).
    static let labelled: [String: Set<String>] = [
        "fieldrelay_paths": ["status=\"online\"", "status=\"stalled\"", "status=\"reconnecting\"", "status=\"offline\""],
        "fieldrelay_point_pulls": ["state=\"starting\"", "state=\"live\"", "state=\"failing\""],
        "fieldrelay_http_connections_refused_total": ["reason=\"limit\""],
        "fieldrelay_http_connections_closed_total": ["reason=\"evicted_idle\"", "reason=\"idle_timeout\"", "reason=\"body_timeout\""],
        "fieldrelay_http_requests_refused_total": [
            "reason=\"header_too_large\"", "reason=\"body_too_large\"", "reason=\"malformed\"", "reason=\"held_requests\"",
        ],
    ]

    /// `fieldrelay_hls_part_latency_seconds`' upper bounds, as swift-prometheus writes them.
    static let latencyBounds = ["0.001", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1.0", "+Inf"]

    @Test("every family of before, with its type; fixed label sets; counters only grow with traffic; the histogram's buckets")
    func exposition() async throws {
        let gateway = try await RunningGateway.start()
        let clip = try await Clips.make(.init(video: .h264, audio: true, seconds: 12, keyframeSeconds: 1))
        // One refusal first: the rejections family is labelled by code and has a series (and so a
        // TYPE line) once a code has happened, as before, when it had no sample either.
        let refused = try gateway.publish(clip, streamID: "video/cam1", extra: ["-t", "1"])
        #expect(await refused.wait(timeout: .seconds(20)) != 0)

        let before = try Exposition(try await gateway.metrics())
        #expect(before.types == Self.families)
        #expect(before.duplicateTypes.isEmpty, "families declared twice: \(before.duplicateTypes)")
        for (family, labels) in Self.labelled {
            #expect(before.labelSets(of: family) == labels, "\(family)")
        }
        #expect(before.samples["fieldrelay_srt_rejections_total{code=\"1404\"}"] == 1)

        // Traffic: a camera on a lab path, and both kinds of playlist asked for (the packagers
        // start on demand), until Low-Latency parts and classic segments exist.
        let camera = try gateway.publish(clip, streamID: "lab/metrics", loop: true)
        defer { camera.terminate() }
        _ = try await gateway.waitForPlaylist("lab/metrics", file: "ll.m3u8") { LowLatencyParsedPlaylist($0).segments.reduce(0) { $0 + $1.parts.count } >= 6 }
        _ = try await gateway.waitForPlaylist("lab/metrics", file: "ts.m3u8") { ParsedPlaylist($0).segments.count >= 2 }
        let during = try Exposition(try await gateway.metrics())
        #expect(during.types == Self.families)
        Self.expectCountersGrew(from: before, to: during)
        for grown in ["fieldrelay_ingest_bytes_total", "fieldrelay_ingest_access_units_total", "fieldrelay_hls_segments_total",
                      "fieldrelay_hls_parts_total", "fieldrelay_srt_handshakes_admitted_total", "fieldrelay_srt_connections_accepted_total"] {
            #expect(during.samples[grown] ?? 0 > before.samples[grown] ?? 0, "\(grown) did not grow with traffic")
        }
        #expect(during.samples["fieldrelay_publishers_active"] == 1)
        #expect(during.samples["fieldrelay_srt_connections_active"] == 1)
        #expect(during.samples["fieldrelay_paths{status=\"online\"}"] == 1)
        #expect(during.samples["fieldrelay_hls_packagers_active"] == 2)

        // The histogram: the same buckets as the hand-made one, cumulative, +Inf equal to _count.
        let name = "fieldrelay_hls_part_latency_seconds"
        let buckets = during.buckets(of: name)
        #expect(buckets.map(\.bound) == Self.latencyBounds)
        #expect(zip(buckets, buckets.dropFirst()).allSatisfy { $0.count <= $1.count }, "buckets not cumulative: \(buckets)")
        let count = try #require(during.samples["\(name)_count"])
        #expect(count > 0)
        #expect(buckets.last?.count == count)
        #expect(during.samples["\(name)_sum"] ?? -1 >= 0)

        // The camera gone: the totals read from atomics at scrape time stay where they were.
        camera.terminate()
        _ = await camera.wait(timeout: .seconds(10))
        let deadline = ContinuousClock.now + .seconds(10)
        var after = try Exposition(try await gateway.metrics())
        while after.samples["fieldrelay_srt_connections_active"] != 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            after = try Exposition(try await gateway.metrics())
        }
        #expect(after.samples["fieldrelay_srt_connections_active"] == 0)
        Self.expectCountersGrew(from: during, to: after)
        await gateway.stop()
    }

    /// Every sample of every counter family (histograms' `_bucket`, `_sum` and `_count` too) in
    /// `earlier` is in `later`, not smaller.
    static func expectCountersGrew(from earlier: Exposition, to later: Exposition) {
        for (sample, value) in earlier.samples {
            let family = Exposition.family(of: sample)
            let type = earlier.types[family] ?? earlier.types[family.replacing(/_(bucket|sum|count)$/, with: "")]
            guard type == "counter" || type == "histogram" else { continue }
            guard let now = later.samples[sample] else {
                Issue.record("\(sample) disappeared")
                continue
            }
            #expect(now >= value, "\(sample) fell from \(value) to \(now)")
        }
    }
}

/// One /metrics text: `# TYPE` per family and the value of every sample line.
struct Exposition {
    var types: [String: String] = [:]
    var duplicateTypes: [String] = []
    /// Sample (name with labels, as rendered) to value.
    var samples: [String: Double] = [:]

    init(_ text: String) throws {
        for line in text.split(separator: "\n") {
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4 else { throw TestFailure("bad TYPE line: \(line)") }
                if types[String(parts[2])] != nil { duplicateTypes.append(String(parts[2])) }
                types[String(parts[2])] = String(parts[3])
            } else if !line.hasPrefix("#") {
                guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                    throw TestFailure("bad sample line: \(line)")
                }
                samples[String(line[..<space])] = value
            }
        }
    }

    static func family(of sample: String) -> String {
        String(sample.prefix { $0 != "{" })
    }

    /// The label sets (`key="value"`, comma-joined as rendered) of a family's samples.
    func labelSets(of family: String) -> Set<String> {
        Set(samples.keys.filter { Self.family(of: $0) == family }.map { String($0.dropFirst(family.count + 1).dropLast()) })
    }

    /// A histogram's buckets in the order of their bounds: `le` as written and the cumulative count.
    func buckets(of histogram: String) -> [(bound: String, count: Double)] {
        let prefix = "\(histogram)_bucket{le=\""
        return samples.compactMap { sample, count -> (bound: String, count: Double)? in
            guard sample.hasPrefix(prefix) else { return nil }
            return (String(sample.dropFirst(prefix.count).dropLast(2)), count)
        }
        .sorted { (Double($0.bound) ?? .infinity) < (Double($1.bound) ?? .infinity) }
    }
}
