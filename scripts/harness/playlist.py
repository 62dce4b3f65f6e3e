"""HLS media playlists: one parser for what the bench and fault scripts read (FieldRelay's classic
`ts.m3u8`, its Low-Latency `ll.m3u8`/`index.m3u8`, ffmpeg's hls muxer output), and the resolution of
a URI listed in one."""
import os.path
import re
import urllib.parse
from datetime import datetime

ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')
# FieldRelay names a part <instance>-<media sequence>.<part>.m4s (LowLatencyHLSPackager.partName).
PART_NAME = re.compile(r"-(\d+)\.(\d+)\.m4s")


def attributes(text):
    """An attribute list (`NAME=value,NAME="quoted value"`) as a dict; quotes removed."""
    return {name: value.strip('"') for name, value in ATTRIBUTE.findall(text)}


class Playlist:
    """What parse_playlist read.

    segments: the complete segments (a URI line), in order, each a dict
        msn            media sequence number (EXT-X-MEDIA-SEQUENCE + position, EXT-X-SKIP counted)
        uri            as listed
        duration       EXTINF seconds, or None
        discontinuity  EXT-X-DISCONTINUITY before it
        map            URI of the EXT-X-MAP in force, or None
        pdt            EXT-X-PROGRAM-DATE-TIME as Unix seconds, or None
      The Low-Latency segment still being written (parts, no URI yet) is not among them.
    parts: every EXT-X-PART, in order, each a dict msn, part (index in its segment), duration,
        independent, uri. msn and part come from FieldRelay's part name when it has that form,
        else from the position (the segment the part precedes, the parts before it in that segment).
    program_date_times: {msn: Unix seconds} for every EXT-X-PROGRAM-DATE-TIME, the segment still
        being written included.
    preload_hint: (msn, part) of the part EXT-X-PRELOAD-HINT (TYPE=PART) names, or None.
    """

    def __init__(self):
        self.media_sequence = 0
        self.discontinuity_sequence = 0
        self.target_duration = None     # EXT-X-TARGETDURATION (int)
        self.part_target = None         # EXT-X-PART-INF PART-TARGET (float)
        self.skipped = 0                # EXT-X-SKIP SKIPPED-SEGMENTS
        self.segments = []
        self.parts = []
        self.program_date_times = {}
        self.preload_hint = None
        self.ended = False              # EXT-X-ENDLIST

    @property
    def last_msn(self):
        """The highest media sequence number listed, by a complete segment or a part; None if none."""
        numbers = [s["msn"] for s in self.segments[-1:]] + [p["msn"] for p in self.parts]
        return max(numbers) if numbers else None


def _part_position(uri, sequence, index):
    match = PART_NAME.search(uri)
    return (int(match.group(1)), int(match.group(2))) if match else (sequence, index)


def parse_playlist(text):
    """Parses an HLS media playlist (RFC 8216 and its Low-Latency extension); returns a Playlist."""
    playlist = Playlist()
    sequence = 0                 # media sequence number of the segment the next tags belong to
    parts_before = 0             # parts listed so far for that segment
    discontinuity, duration, current_map, pdt = False, None, None, None
    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            continue
        if not line.startswith("#"):
            playlist.segments.append({"msn": sequence, "uri": line, "duration": duration,
                                      "discontinuity": discontinuity, "map": current_map, "pdt": pdt})
            sequence += 1
            parts_before = 0
            discontinuity, duration, pdt = False, None, None
            continue
        tag, _, value = line.partition(":")
        if tag == "#EXT-X-MEDIA-SEQUENCE":
            playlist.media_sequence = sequence = int(value)
        elif tag == "#EXT-X-DISCONTINUITY-SEQUENCE":
            playlist.discontinuity_sequence = int(value)
        elif tag == "#EXT-X-TARGETDURATION":
            playlist.target_duration = int(value)
        elif tag == "#EXT-X-PART-INF":
            playlist.part_target = float(attributes(value)["PART-TARGET"])
        elif tag == "#EXT-X-SKIP":
            playlist.skipped = int(attributes(value)["SKIPPED-SEGMENTS"])
            sequence += playlist.skipped
        elif tag == "#EXT-X-DISCONTINUITY":
            discontinuity = True
        elif tag == "#EXT-X-MAP":
            current_map = attributes(value)["URI"]
        elif tag == "#EXT-X-PROGRAM-DATE-TIME":
            pdt = datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
            playlist.program_date_times[sequence] = pdt
        elif tag == "#EXTINF":
            duration = float(value.split(",")[0])
        elif tag == "#EXT-X-PART":
            found = attributes(value)
            msn, index = _part_position(found["URI"], sequence, parts_before)
            playlist.parts.append({"msn": msn, "part": index, "duration": float(found["DURATION"]),
                                   "independent": found.get("INDEPENDENT") == "YES", "uri": found["URI"]})
            parts_before += 1
        elif tag == "#EXT-X-PRELOAD-HINT":
            found = attributes(value)
            if found.get("TYPE") == "PART" or PART_NAME.search(found.get("URI", "")):
                playlist.preload_hint = _part_position(found.get("URI", ""), sequence, parts_before)
        elif tag == "#EXT-X-ENDLIST":
            playlist.ended = True
    return playlist


def resolve_uri(playlist, uri):
    """Where a URI listed in a playlist is: joined to the playlist's URL (http, https), or, for a
    playlist on disk, a file beside it (any query dropped)."""
    if urllib.parse.urlsplit(playlist).scheme in ("http", "https"):
        return urllib.parse.urljoin(playlist, uri)
    return os.path.join(os.path.dirname(playlist), uri.split("?")[0])
