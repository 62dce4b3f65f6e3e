import HLSPackager
import RelayAPI
import SRTTransport
import StreamHub

/// Gathers the figures for /metrics at scrape time from the components' own counters, so the
/// per-packet paths only bump atomics.
struct RelayMetrics: Sendable {
    let paths: PathManager
    let srt: SRTServer
    let ingest: IngestCounters
    let hls: HLSMetrics
    let edge: HTTPEdgeCounters
    let heapTrims: HeapTrimCounters

    func families() -> [MetricFamily] {
        let all = paths.allPaths()
        var online = 0, stalled = 0, reconnecting = 0
        var packagers = 0
        for path in all {
            switch path.snapshot.status {
            case .online: online += 1
            case .stalled: stalled += 1
            case .reconnecting: reconnecting += 1
            case .offline: break
            }
            if path.reader(of: ClassicHLSPackager.self) != nil { packagers += 1 }
            if path.reader(of: LowLatencyHLSPackager.self) != nil { packagers += 1 }
        }
        let latency = hls.partLatency.snapshot()
        srt.expirePendingHandshakes()
        let counters = srt.counters
        let rejections = counters.rejectionsByCode().sorted { $0.key.rawValue < $1.key.rawValue }
        return [
            MetricFamily(name: "fieldrelay_publishers_active", help: "Publishers connected now (online or stalled).", kind: .gauge,
                         value: Double(online + stalled)),
            MetricFamily(name: "fieldrelay_paths", help: "Known paths by status.", kind: .gauge, samples: [
                .init(labels: [("status", "online")], value: Double(online)),
                .init(labels: [("status", "stalled")], value: Double(stalled)),
                .init(labels: [("status", "reconnecting")], value: Double(reconnecting)),
                .init(labels: [("status", "offline")], value: Double(all.count - online - stalled - reconnecting)),
            ]),
            MetricFamily(name: "fieldrelay_ingest_bytes_total", help: "Bytes received over SRT.", kind: .counter,
                         value: Double(counters.bytesReceived.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_ingest_access_units_total", help: "Access units demuxed from publishers.", kind: .counter,
                         value: Double(ingest.accessUnits.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_ingest_continuity_errors_total", help: "MPEG-TS continuity counter gaps (packets lost upstream).",
                         kind: .counter, value: Double(ingest.continuityErrors.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_ingest_stale_units_dropped_total",
                         help: "Access units dropped because their DTS did not go forward (repeated or damaged by loss).",
                         kind: .counter, value: Double(ingest.staleUnitsDropped.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_ingest_timeline_jumps_total",
                         help: "Publishers' timestamps that jumped inside a connection: a new timeline, marked as a discontinuity.",
                         kind: .counter, value: Double(ingest.timelineJumps.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_ingest_garbage_closed_total", help: "Publishers closed because their input was not MPEG-TS.",
                         kind: .counter, value: Double(ingest.garbageClosed.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_hls_segments_total", help: "HLS segments produced (classic and Low-Latency).", kind: .counter,
                         value: Double(hls.segments.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_hls_parts_total", help: "Low-Latency HLS parts produced.", kind: .counter,
                         value: Double(hls.parts.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_hls_oversized_segments_total", help: "Segments longer than the playlist's target duration.",
                         kind: .counter, value: Double(hls.oversizedSegments.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_hls_mux_errors_total", help: "Access units or segments the muxers refused.", kind: .counter,
                         value: Double(hls.muxErrors.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_hls_packagers_active", help: "Packagers running now (they start on demand and stop when idle).",
                         kind: .gauge, value: Double(packagers)),
            MetricFamily.histogram(name: "fieldrelay_hls_part_latency_seconds",
                                   help: "From the arrival of a part's last access unit to the part's availability in the playlist.",
                                   buckets: latency.buckets, sum: latency.sum, count: latency.count),
            MetricFamily(name: "fieldrelay_srt_readers_active", help: "SRT readers (hall decoders) connected now.", kind: .gauge,
                         value: Double(ingest.readersConnected.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_srt_readers_dropped_total", help: "SRT readers dropped because they could not keep up.",
                         kind: .counter, value: Double(ingest.readersDropped.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_srt_readers_revoked_total",
                         help: "SRT readers disconnected because the viewing rules no longer let them see the path (a session closed, a removal) or their read key was rotated.",
                         kind: .counter, value: Double(ingest.readersRevoked.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_srt_handshakes_admitted_total", help: "Handshakes the listen callback admitted.", kind: .counter,
                         value: Double(counters.admitted.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_srt_connections_accepted_total",
                         help: "Connections accepted.",
                         kind: .counter, value: Double(counters.accepted.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_srt_handshakes_failed_total",
                         help: "Handshakes admitted by the listen callback that did not reach accept within srt's pending lifetime (5 s): a wrong or missing passphrase, a caller that gave up.",
                         kind: .counter, value: Double(counters.handshakesFailed.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_srt_handshakes_throttled_total",
                         help: "Handshakes refused with 1402 because too many from the same address (and stream id) had not completed (srt.maxPendingHandshakesPer*).",
                         kind: .counter, value: Double(counters.handshakesThrottled.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_srt_connections_active", help: "SRT connections open now.", kind: .gauge,
                         value: Double(counters.active.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_srt_packets_reordered_total",
                         help: "Publishers delivered on arrival: packets held until an earlier, retransmitted one arrived.",
                         kind: .counter, value: Double(counters.packetsReordered.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_srt_packets_skipped_total",
                         help: "Publishers delivered on arrival: packets never received, given up on after the latency.",
                         kind: .counter, value: Double(counters.packetsSkipped.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_srt_packets_late_total",
                         help: "Publishers delivered on arrival: packets that arrived after their place was given up on.",
                         kind: .counter, value: Double(counters.packetsLate.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_srt_rejections_total", help: "Handshakes refused, by SRT access-control code.", kind: .counter,
                         samples: rejections.map { .init(labels: [("code", "\($0.key.rawValue)")], value: Double($0.value)) }),
            MetricFamily(name: "fieldrelay_process_resident_bytes", help: "Resident set size of the gateway process.", kind: .gauge,
                         value: Double(ProcessHeap.residentBytes() ?? 0)),
            MetricFamily(name: "fieldrelay_memory_trims_total", help: "Periodic returns of freed heap pages to the system (memory.trimIntervalSeconds).",
                         kind: .counter, value: Double(heapTrims.trims.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_memory_trimmed_bytes_total", help: "Resident bytes given back by those trims (resident size before minus after).",
                         kind: .counter, value: Double(heapTrims.bytesReturned.load(ordering: .relaxed))),
            MetricFamily(name: "fieldrelay_memory_trim_seconds_total", help: "Time spent in those trims.", kind: .counter,
                         value: Double(heapTrims.nanoseconds.load(ordering: .relaxed)) / 1e9),
        ] + edge.families()
    }
}
