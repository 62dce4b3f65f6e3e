"""Unit tests of the harness module (standard library unittest; the PTS tests need ffmpeg).

    python3 -m unittest discover -s scripts/harness -p 'test_*.py'
"""
import json
import math
import os
import random
import shutil
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

sys.dont_write_bytecode = True  # no __pycache__ in the repository
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from harness import (PTS_WRAP, bucket_quantile, completed_segments, first_video_pts, free_port,  # noqa: E402
                     histogram, loadgen_records, metric_sum, parse_metrics, parse_playlist, percentile,
                     process_figures, pts_shift, read_loadgen_json, read_send_logs, resolve_uri, rss_kib,
                     stream_path)

CLASSIC = """#EXTM3U
#EXT-X-VERSION:3
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:41
#EXT-X-DISCONTINUITY-SEQUENCE:3
#EXT-X-PROGRAM-DATE-TIME:2026-11-29T10:00:00.000Z
#EXTINF:2.000,
seg-41.ts
#EXTINF:1.960,
seg-42.ts
#EXT-X-DISCONTINUITY
#EXTINF:2.040,
seg-43.ts?token=abc
#EXT-X-ENDLIST
"""

# As LowLatencyPlaylist.render writes it with skip: the first two segments skipped, a
# discontinuity with a new init section, complete segments with their parts, and the segment
# being written (parts only) with the preload hint for its next part.
LOW_LATENCY = """#EXTM3U
#EXT-X-VERSION:9
#EXT-X-TARGETDURATION:2
#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,CAN-SKIP-UNTIL=12.000,PART-HOLD-BACK=0.600
#EXT-X-PART-INF:PART-TARGET=0.200
#EXT-X-MEDIA-SEQUENCE:10
#EXT-X-DISCONTINUITY-SEQUENCE:1
#EXT-X-SKIP:SKIPPED-SEGMENTS=2
#EXT-X-MAP:URI="a1-init.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-11-29T10:00:04.000Z
#EXTINF:2.000,
a1-12.m4s
#EXT-X-DISCONTINUITY
#EXT-X-MAP:URI="a2-init.mp4"
#EXT-X-PROGRAM-DATE-TIME:2026-11-29T10:00:06.500Z
#EXT-X-PART:DURATION=0.200,URI="a2-13.0.m4s",INDEPENDENT=YES
#EXT-X-PART:DURATION=0.200,URI="a2-13.1.m4s"
#EXTINF:0.400,
a2-13.m4s
#EXT-X-PROGRAM-DATE-TIME:2026-11-29T10:00:06.900Z
#EXT-X-PART:DURATION=0.200,URI="a2-14.0.m4s",INDEPENDENT=YES
#EXT-X-PRELOAD-HINT:TYPE=PART,URI="a2-14.1.m4s"
"""


class PlaylistTests(unittest.TestCase):
    def test_classic(self):
        playlist = parse_playlist(CLASSIC)
        self.assertEqual(playlist.media_sequence, 41)
        self.assertEqual(playlist.discontinuity_sequence, 3)
        self.assertEqual(playlist.target_duration, 2)
        self.assertTrue(playlist.ended)
        self.assertEqual([s["msn"] for s in playlist.segments], [41, 42, 43])
        self.assertEqual([s["uri"] for s in playlist.segments], ["seg-41.ts", "seg-42.ts", "seg-43.ts?token=abc"])
        self.assertEqual([s["duration"] for s in playlist.segments], [2.0, 1.96, 2.04])
        self.assertEqual([s["discontinuity"] for s in playlist.segments], [False, False, True])
        self.assertEqual(playlist.segments[0]["pdt"], 1795946400.0)
        self.assertIsNone(playlist.segments[1]["pdt"])
        self.assertEqual(playlist.program_date_times, {41: 1795946400.0})
        self.assertEqual((playlist.parts, playlist.preload_hint, playlist.part_target), ([], None, None))
        self.assertEqual(playlist.last_msn, 43)

    def test_low_latency(self):
        playlist = parse_playlist(LOW_LATENCY)
        self.assertEqual((playlist.media_sequence, playlist.skipped, playlist.part_target), (10, 2, 0.2))
        self.assertFalse(playlist.ended)
        # Complete segments only, numbered after the skipped ones; the segment being written is not one.
        self.assertEqual([(s["msn"], s["uri"], s["discontinuity"], s["map"]) for s in playlist.segments],
                         [(12, "a1-12.m4s", False, "a1-init.mp4"), (13, "a2-13.m4s", True, "a2-init.mp4")])
        self.assertEqual([(p["msn"], p["part"], p["duration"], p["independent"]) for p in playlist.parts],
                         [(13, 0, 0.2, True), (13, 1, 0.2, False), (14, 0, 0.2, True)])
        self.assertEqual(playlist.preload_hint, (14, 1))
        self.assertEqual(playlist.program_date_times, {12: 1795946404.0, 13: 1795946406.5, 14: 1795946406.9})
        self.assertEqual(playlist.last_msn, 14)

    def test_parts_by_position_when_names_are_not_fieldrelays(self):
        text = LOW_LATENCY.replace("a2-13.0.m4s", "p/x.mp4").replace("a2-14.0.m4s", "p/y.mp4") \
            .replace("a2-14.1.m4s", "p/z.mp4")
        playlist = parse_playlist(text)
        self.assertEqual([(p["msn"], p["part"], p["uri"]) for p in playlist.parts],
                         [(13, 0, "p/x.mp4"), (13, 1, "a2-13.1.m4s"), (14, 0, "p/y.mp4")])
        self.assertEqual(playlist.preload_hint, (14, 1))

    def test_ffmpeg_style_and_empty(self):
        playlist = parse_playlist("#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:5\n#EXTINF:2.002000,\n  index5.ts  \nindex6.ts\n")
        self.assertEqual([(s["msn"], s["uri"], s["duration"]) for s in playlist.segments],
                         [(5, "index5.ts", 2.002), (6, "index6.ts", None)])
        empty = parse_playlist("")
        self.assertEqual((empty.segments, empty.last_msn, empty.ended), ([], None, False))

    def test_resolve_uri(self):
        self.assertEqual(resolve_uri("http://127.0.0.1:8080/hls/lab/a/ts.m3u8", "seg-1.ts"),
                         "http://127.0.0.1:8080/hls/lab/a/seg-1.ts")
        self.assertEqual(resolve_uri("http://h/hls/room/1/ts.m3u8?token=t", "s.ts?token=t"), "http://h/hls/room/1/s.ts?token=t")
        self.assertEqual(resolve_uri("/tmp/b/cam0/index.m3u8", "index3.ts"), "/tmp/b/cam0/index3.ts")
        self.assertEqual(resolve_uri("/tmp/b/cam0/index.m3u8", "index3.ts?x=1"), "/tmp/b/cam0/index3.ts")
        self.assertEqual(resolve_uri("index.m3u8", "index3.ts"), "index3.ts")


class PercentileTests(unittest.TestCase):
    def test_empty(self):
        self.assertIsNone(percentile([], 50))
        self.assertIsNone(percentile([], 99, method="above"))

    def test_one_value(self):
        for p in (0, 50, 99, 100):
            self.assertEqual(percentile([7.5], p), 7.5)
            self.assertEqual(percentile([7.5], p, method="above"), 7.5)

    def test_ends(self):
        values = [5, 1, 4, 2, 3]
        for method in ("nearest", "above"):
            self.assertEqual(percentile(values, 0, method=method), 1)
            self.assertEqual(percentile(values, 100, method=method), 5)

    def test_nearest_rank(self):
        values = list(range(1, 101))              # 1..100
        self.assertEqual(percentile(values, 50), 51)      # index round(49.5) = 50
        self.assertEqual(percentile(values, 99), 99)      # index round(98.01) = 98
        self.assertEqual(percentile([1, 2, 3, 4], 50), 3)  # index round(1.5) = 2
        self.assertEqual(percentile([1, 2, 3, 4, 5, 6], 50), 3)  # index round(2.5) = 2: halves to even
        self.assertEqual(percentile([3, 1, 2], 50), 2)     # not interpolated, input order irrelevant

    def test_above(self):
        values = list(range(1, 101))
        self.assertEqual(percentile(values, 50, method="above"), 51)   # index floor(50) = 50
        self.assertEqual(percentile(values, 99, method="above"), 100)
        self.assertEqual(percentile([1, 2, 3, 4], 50, method="above"), 3)
        self.assertEqual(percentile([0.010, 0.020, 0.030], 99, method="above"), 0.030)

    def test_bad_arguments(self):
        with self.assertRaises(ValueError):
            percentile([1], 101)
        with self.assertRaises(ValueError):
            percentile([1], 50, method="linear")


class MetricsTests(unittest.TestCase):
    TEXT = """# HELP fieldrelay_paths Paths by state.
# TYPE fieldrelay_paths gauge
fieldrelay_paths{state="live"} 3
fieldrelay_paths{state="grace"} 1
fieldrelay_publishers_active 3
fieldrelay_http_requests_refused_total{reason="header too large"} 12
fieldrelay_hls_part_latency_seconds_bucket{le="0.01"} 10
fieldrelay_hls_part_latency_seconds_bucket{le="0.05"} 90
fieldrelay_hls_part_latency_seconds_bucket{le="+Inf"} 100
fieldrelay_hls_part_latency_seconds_sum 2.5
fieldrelay_hls_part_latency_seconds_count 100
broken_line NaNx
"""

    def test_parse_and_sum(self):
        values = parse_metrics(self.TEXT)
        self.assertEqual(values["fieldrelay_publishers_active"], 3.0)
        self.assertEqual(values['fieldrelay_http_requests_refused_total{reason="header too large"}'], 12.0)
        self.assertNotIn("broken_line", values)
        self.assertEqual(metric_sum(values, "fieldrelay_paths"), 4.0)
        self.assertEqual(metric_sum(values, "fieldrelay_absent"), 0)

    def test_histogram_quantile(self):
        buckets, count = histogram(parse_metrics(self.TEXT), "fieldrelay_hls_part_latency_seconds")
        self.assertEqual(buckets, [(0.01, 10.0), (0.05, 90.0), (math.inf, 100.0)])
        self.assertEqual(count, 100.0)
        self.assertAlmostEqual(bucket_quantile(buckets, count, 0.5), 0.01 + 0.04 * (40 / 80))
        self.assertEqual(bucket_quantile(buckets, count, 0.99), 0.05)   # in +Inf: the last finite bound
        self.assertTrue(math.isnan(bucket_quantile([], 0, 0.5)))
        self.assertEqual(histogram({}, "x"), ([], 0.0))


class ProcTests(unittest.TestCase):
    def test_own_process(self):
        figures = process_figures(os.getpid())
        self.assertGreater(figures["rss_kb"], 0)
        self.assertGreaterEqual(figures["hwm_kb"], figures["rss_kb"])
        self.assertGreaterEqual(figures["threads"], 1)
        self.assertGreaterEqual(figures["fds"], 3)
        self.assertGreater(rss_kib(os.getpid()), 0)

    def test_gone_process(self):
        child = subprocess.Popen(["true"])
        child.wait()
        self.assertEqual(process_figures(child.pid), {"rss_kb": None, "hwm_kb": None, "threads": None, "fds": None})
        with self.assertRaises(OSError):
            rss_kib(child.pid)


class PortTests(unittest.TestCase):
    def test_free_ports(self):
        for kind in ("tcp", "udp"):
            base = free_port(kind, 3)
            self.assertTrue(20000 <= base <= 59997)


class LoadgenTests(unittest.TestCase):
    def test_json_lines(self):
        lines = ['{"type":"tick","lagMs":1.5}\n', "loadgen: starting\n", '{"type":"tick","lagMs":3}\n',
                 "{not json\n", '{"type":"summary","connected":2,"broken":0}\n']
        ticks, summary = read_loadgen_json(lines)
        self.assertEqual([t["lagMs"] for t in ticks], [1.5, 3])
        self.assertEqual(summary["connected"], 2)
        self.assertEqual(read_loadgen_json([]), ([], {}))
        self.assertEqual(len(list(loadgen_records(lines))), 3)

    def test_send_logs_and_shift(self):
        with tempfile.TemporaryDirectory() as scratch:
            first, second = os.path.join(scratch, "a.send.csv"), os.path.join(scratch, "b.send.csv")
            with open(first, "w") as handle:
                handle.write("stream,path,wall_ns,pts\n0,lab/a,2000000000,183600\n0,lab/a,1000000000,180000\n")
            with open(second, "w") as handle:
                handle.write("stream,path,wall_ns,pts\n0,lab/b,1500000000,900000\n")
            sends = read_send_logs([first, second])
        self.assertEqual(sends, {"lab/a": [(1.0, 180000), (2.0, 183600)], "lab/b": [(1.5, 900000)]})
        self.assertEqual(stream_path("http://127.0.0.1:1/hls/lab/a/ts.m3u8?token=x"), "lab/a")
        view = {"sources": [{"source": "http://127.0.0.1:1/hls/lab/a/ts.m3u8",
                             "segment_log": [{"pts": 180000 + 126000}, {"pts": 183600 + 126000}, {"pts": None}]}]}
        self.assertEqual(pts_shift(sends, view), 126000)
        self.assertEqual(pts_shift(sends, {"sources": []}), 0)

    def test_completed_segments(self):
        log = [{"msn": 7, "seen": 1.0, "initial": True, "pts": 900},       # listed at the first poll
               {"msn": 8, "seen": 2.0, "initial": False, "pts": 1000},
               {"msn": 9, "seen": 3.0, "initial": False, "pts": 5},          # wrapped
               {"msn": 11, "seen": 4.0, "initial": False, "pts": 3000},      # 10 never seen
               {"msn": 12, "seen": 5.0, "initial": False, "pts": None},      # 11 completed by a frame of unknown PTS
               {"msn": 13, "seen": 6.0, "initial": False, "pts": 4000}]
        self.assertEqual(list(completed_segments({"segment_log": log}, 100)), [(2.0, PTS_WRAP - 95), (5.0, 3900)])
        self.assertEqual(list(completed_segments({"segment_log": log[:3]}, 0)), [(2.0, 5)])
        self.assertEqual(list(completed_segments({}, 0)), [])


def ffmpeg_encodes(encoder):
    if not shutil.which("ffmpeg"):
        return False
    listing = subprocess.run(["ffmpeg", "-hide_banner", "-encoders"], capture_output=True, text=True, timeout=60).stdout
    return f" {encoder} " in listing


@unittest.skipUnless(shutil.which("ffmpeg") and shutil.which("ffprobe"), "ffmpeg is not installed")
class FirstVideoPTSTests(unittest.TestCase):
    """Tiny MPEG-TS made by the real ffmpeg, with a known timeline offset."""

    def make(self, *arguments):
        with tempfile.TemporaryDirectory() as scratch:
            path = os.path.join(scratch, "clip.ts")
            subprocess.run(["ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error", "-y", *arguments,
                            "-f", "mpegts", path], check=True, timeout=120)
            probe = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts",
                                    "-read_intervals", "%+#1", "-of", "json", path],
                                   check=True, capture_output=True, text=True, timeout=60)
            with open(path, "rb") as handle:
                return handle.read(), json.loads(probe.stdout)["packets"][0]["pts"]

    def test_h264(self):
        data, probed = self.make("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "1", "-c:v", "libx264",
                                 "-preset", "ultrafast", "-output_ts_offset", "10", "-muxdelay", "0", "-muxpreload", "0")
        self.assertEqual(first_video_pts(data), 10 * 90000)
        self.assertEqual(first_video_pts(data), probed)
        # Cut before the first video PES (the tables only, then half a packet): no PTS, no failure.
        self.assertIsNone(first_video_pts(data[:3 * 188]))
        self.assertIsNone(first_video_pts(data[:3 * 188 + 100]))
        self.assertIsNone(first_video_pts(b""))
        self.assertIsNone(first_video_pts(b"\x47" + bytes(187)))
        self.assertIsNone(first_video_pts(random.Random(1).randbytes(188 * 200)))

    def test_audio_listed_first_and_default_mux_delay(self):
        # The PMT lists the AAC stream before the video one; the muxer's default delay shifts the PTS.
        data, probed = self.make("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-f", "lavfi",
                                 "-i", "sine=frequency=440:sample_rate=48000", "-t", "1", "-map", "1:a", "-map", "0:v",
                                 "-c:a", "aac", "-c:v", "libx264", "-preset", "ultrafast", "-output_ts_offset", "20")
        self.assertEqual(first_video_pts(data), probed)
        self.assertGreater(first_video_pts(data), 20 * 90000)

    def test_h265(self):
        if not ffmpeg_encodes("libx265"):
            self.skipTest("ffmpeg has no libx265")
        data, probed = self.make("-f", "lavfi", "-i", "testsrc2=size=160x120:rate=25", "-t", "0.4", "-c:v", "libx265",
                                 "-preset", "ultrafast", "-x265-params", "log-level=error", "-output_ts_offset", "30",
                                 "-muxdelay", "0", "-muxpreload", "0")
        self.assertEqual(first_video_pts(data), probed)
        self.assertEqual(first_video_pts(data), 30 * 90000)


if __name__ == "__main__":
    unittest.main()
