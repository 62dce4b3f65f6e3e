"""MPEG-TS: the PTS of a segment's first video frame (PAT -> PMT -> the H.264/H.265 PID -> its first
PES with a PTS), as the viewers use it to name what a segment holds."""

PACKET = 188
CLOCK = 90000                    # PTS ticks per second
PTS_WRAP = 1 << 33               # PTS are 33-bit: differences are taken modulo this
VIDEO_STREAM_TYPES = (0x1B, 0x24)  # H.264, H.265


def _section(packet, payload):
    """Offset of the PSI section a payload-unit-start packet carries (after the pointer field) and
    the offset where the section's data ends (before its CRC, at most the packet's end); None when
    the packet is too short for the fields read."""
    if payload >= PACKET:
        return None
    table = payload + 1 + packet[payload]
    if table + 12 > PACKET:
        return None
    length = ((packet[table + 1] & 0x0F) << 8) | packet[table + 2]
    return table, min(table + 3 + length - 4, PACKET)


def _pmt_pid(packet, table, end):
    """The PID of the PMT of the first program the PAT lists (program 0 names the network PID)."""
    entry = table + 8
    while entry + 4 <= end:
        program = (packet[entry] << 8) | packet[entry + 1]
        if program != 0:
            return ((packet[entry + 2] & 0x1F) << 8) | packet[entry + 3]
        entry += 4
    return None


def _video_pid(packet, table, end):
    """The PID of the first H.264 or H.265 stream the PMT lists."""
    info = ((packet[table + 10] & 0x0F) << 8) | packet[table + 11]
    entry = table + 12 + info
    while entry + 5 <= end:
        if packet[entry] in VIDEO_STREAM_TYPES:
            return ((packet[entry + 1] & 0x1F) << 8) | packet[entry + 2]
        entry += 5 + (((packet[entry + 3] & 0x0F) << 8) | packet[entry + 4])
    return None


def _pes_pts(packet, payload):
    """The PTS of the PES that starts in this packet, or None (no PES header, no PTS)."""
    if payload + 14 > PACKET or packet[payload:payload + 3] != b"\x00\x00\x01" or not packet[payload + 7] & 0x80:
        return None
    p = packet[payload + 9:payload + 14]
    return ((p[0] >> 1) & 7) << 30 | p[1] << 22 | (p[2] >> 1) << 15 | p[3] << 7 | p[4] >> 1


def first_video_pts(data):
    """The PTS (90 kHz ticks) of the first video PES in MPEG-TS bytes, or None when there is none
    (no PAT, PMT or video stream in the data, or a damaged one)."""
    pmt_pid, video_pid = None, None
    for offset in range(0, len(data) - PACKET + 1, PACKET):
        packet = data[offset:offset + PACKET]
        if packet[0] != 0x47 or not packet[1] & 0x40:   # sync byte; payload unit start
            continue
        control = (packet[3] >> 4) & 3
        if not control & 1:                             # no payload
            continue
        pid = ((packet[1] & 0x1F) << 8) | packet[2]
        payload = 4 + (1 + packet[4] if control & 2 else 0)
        if (pid == 0 and pmt_pid is None) or (pid == pmt_pid and video_pid is None):
            section = _section(packet, payload)
            if section is None:
                continue
            if pid == 0 and pmt_pid is None:
                pmt_pid = _pmt_pid(packet, *section)
            else:
                video_pid = _video_pid(packet, *section)
        elif video_pid is not None and pid == video_pid:
            pts = _pes_pts(packet, payload)
            if pts is not None:
                return pts
    return None
