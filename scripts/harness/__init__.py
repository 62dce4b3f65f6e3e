"""Helpers shared by the bench and fault scripts (standard library only; Python 3.11+).

A script under scripts/bench or scripts/faults imports it with
    sys.dont_write_bytecode = True  # no __pycache__ in the repository
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from harness import parse_playlist, percentile, ...
and a shell script's Python (a `python3 - <<'PY'` heredoc) through common.sh's harness_python.

    playlist  HLS media playlists: parse_playlist (-> Playlist), attributes, resolve_uri
    stats     percentile (one of the values: "nearest" or "above" rank)
    mpegts    first_video_pts of MPEG-TS bytes; CLOCK, PTS_WRAP
    metrics   the gateway's /metrics: parse_metrics, metric_sum, histogram, bucket_quantile
    proc      a process's figures from /proc: rss_kib, open_files, process_figures
    ports     free_port (also a command: python3 scripts/harness/ports.py [udp|tcp] [COUNT])
    loadgen   fieldrelay loadgen's --json lines (loadgen_records, read_loadgen_json) and --send-log
              (read_send_logs), tied to viewer.py's segments (stream_path, pts_shift, completed_segments)

Tests: python3 -m unittest discover -s scripts/harness -p 'test_*.py'"""
from .loadgen import completed_segments, loadgen_records, pts_shift, read_loadgen_json, read_send_logs, stream_path
from .metrics import bucket_quantile, histogram, metric_sum, parse_metrics
from .mpegts import CLOCK, PTS_WRAP, first_video_pts
from .playlist import Playlist, attributes, parse_playlist, resolve_uri
from .ports import free_port
from .proc import open_files, process_figures, rss_kib
from .stats import percentile

__all__ = [
    "CLOCK", "PTS_WRAP", "Playlist", "attributes", "bucket_quantile", "completed_segments", "first_video_pts",
    "free_port", "histogram", "loadgen_records", "metric_sum", "open_files", "parse_metrics", "parse_playlist",
    "percentile", "process_figures", "pts_shift", "read_loadgen_json", "read_send_logs", "resolve_uri", "rss_kib",
    "stream_path",
]
