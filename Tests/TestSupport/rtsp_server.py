#!/usr/bin/python3
"""A real RTSP server for FieldRelay's tests: GStreamer's gst-rtsp-server serving ffmpeg-made files,
never transcoded (demux, parse, RTP payload), on 127.0.0.1.

Run with Debian's /usr/bin/python3 (it has `gi`; the python3 first on the PATH may not). Debian
packages: gir1.2-gst-rtsp-server-1.0 python3-gi gstreamer1.0-plugins-{base,good,bad,ugly}
gstreamer1.0-libav.

    rtsp_server.py [--port N] [--auth basic|digest --user U --password P] [--loop]
                   --mount path=/cam,file=/tmp/x.mkv,video=h264,audio=aac[,sprop-only][,shared]

  --port 0 (default) picks a free port; the port bound is printed as "LISTENING <port>" once the
  server accepts connections. Mount options:
    video      h264 | h265 | none (an audio-only camera)
    audio      aac (RFC 3640 mpeg4-generic) | latm (RFC 6416 MP4A-LATM) | pcma | pcmu | none
    sprop-only parameter sets only in the SDP (sprop-parameter-sets), never in band
               (rtph26xpay config-interval=0); otherwise before every keyframe (-1), as cameras do
    shared     one pipeline for every client (a later client joins mid-GOP, like a live camera)
  --loop       the file starts again at its end (segment seeks: running time goes on, so RTP
               timestamps continue) instead of ending the stream
SIGTERM stops the server; tests SIGKILL it to drop a camera mid-stream.
"""
import argparse
import os
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

VIDEO = {
    "h264": "h264parse ! rtph264pay name=pay0 pt=96 config-interval={interval}",
    "h265": "h265parse ! rtph265pay name=pay0 pt=96 config-interval={interval}",
}
AUDIO = {
    "aac": "aacparse ! rtpmp4gpay name=pay1 pt=97",
    "latm": "aacparse ! rtpmp4apay name=pay1 pt=97",
    "pcma": "rtppcmapay name=pay1",
    "pcmu": "rtppcmupay name=pay1",
}


def parse_mount(text):
    mount = {"sprop-only": False, "shared": False, "audio": "none"}
    for part in text.split(","):
        key, _, value = part.partition("=")
        if key in ("sprop-only", "shared"):
            mount[key] = True
        else:
            mount[key] = value
    for key in ("path", "file", "video"):
        if key not in mount:
            raise SystemExit("--mount needs %s=" % key)
    if (mount["video"] != "none" and mount["video"] not in VIDEO) or (mount["audio"] != "none" and mount["audio"] not in AUDIO) \
            or mount["video"] == mount["audio"] == "none":
        raise SystemExit("unknown codec in --mount %s" % text)
    if not os.path.exists(mount["file"]):
        raise SystemExit("no such file: %s" % mount["file"])
    return mount


def launch_line(mount):
    name = mount["file"]
    demuxer = "qtdemux" if name.endswith((".mp4", ".mov")) else "matroskademux"
    interval = 0 if mount["sprop-only"] else -1
    line = "( filesrc location=\"%s\" ! %s name=d" % (name, demuxer)
    if mount["video"] != "none":
        line += " d.video_0 ! queue ! %s" % VIDEO[mount["video"]].format(interval=interval)
    if mount["audio"] != "none":
        audio = AUDIO[mount["audio"]]
        if mount["video"] == "none":
            audio = audio.replace("name=pay1", "name=pay0")   # the only stream
        line += " d.audio_0 ! queue ! %s" % audio
    return line + " )"


def loop_when_done(media):
    """Seeks back to the start at the end of the file, as a segment seek: the pipeline's running
    time goes on, so the payloaders' RTP timestamps continue across the loop."""
    pipeline = media.get_element().get_parent()
    if pipeline is None:
        return
    bus = pipeline.get_bus()
    bus.enable_sync_message_emission()
    state = {"armed": False}

    def rewind(flags):
        pipeline.seek(1.0, Gst.Format.TIME, flags, Gst.SeekType.SET, 0, Gst.SeekType.NONE, -1)
        return False

    def on_message(_bus, message):
        if message.type == Gst.MessageType.ASYNC_DONE and not state["armed"]:
            # The first seek turns the play into segments (no data is flushed after PLAY's own seek).
            state["armed"] = True
            GLib.idle_add(rewind, Gst.SeekFlags.SEGMENT | Gst.SeekFlags.FLUSH | Gst.SeekFlags.KEY_UNIT)
        elif message.type == Gst.MessageType.SEGMENT_DONE:
            GLib.idle_add(rewind, Gst.SeekFlags.SEGMENT)

    bus.connect("sync-message", on_message)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--mount", action="append", required=True)
    parser.add_argument("--auth", choices=["basic", "digest"])
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--loop", action="store_true")
    args = parser.parse_args()

    Gst.init(None)
    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for mount in map(parse_mount, args.mount):
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(launch_line(mount))
        factory.set_shared(mount["shared"])
        if args.loop:
            factory.connect("media-configure", lambda _factory, media: media.connect("prepared", loop_when_done))
        if args.auth:
            factory.add_role_from_structure(Gst.Structure.from_string(
                "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true")[0])
        mounts.add_factory(mount["path"], factory)

    if args.auth:
        if not args.user or args.password is None:
            raise SystemExit("--auth needs --user and --password")
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string("media.factory.role", "user")
        if args.auth == "basic":
            auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password), token)
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.BASIC)
        else:
            auth.add_digest(args.user, args.password, token)
            auth.set_supported_methods(GstRtsp.RTSPAuthMethod.DIGEST)
        server.set_auth(auth)

    loop = GLib.MainLoop()
    if server.attach(None) == 0:
        raise SystemExit("cannot listen on 127.0.0.1:%d" % args.port)
    # Expire sessions of clients that went away (a test's killed gateway) without TEARDOWN.
    GLib.timeout_add_seconds(2, lambda: server.get_session_pool().cleanup() >= 0)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGTERM, loop.quit)
    GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, signal.SIGINT, loop.quit)
    print("LISTENING %d" % server.get_bound_port(), flush=True)
    loop.run()


if __name__ == "__main__":
    sys.exit(main())
