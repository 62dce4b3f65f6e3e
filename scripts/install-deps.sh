#!/usr/bin/env bash
# Installs the Debian packages FieldRelay builds and tests against. Idempotent; needs root (or sudo).
# libsrt: the GnuTLS build, the one Debian's libavformat links (two copies of libsrt in one process crash).
set -euo pipefail
packages=(libavformat-dev libavcodec-dev libavutil-dev libsrt-gnutls-dev libsqlite3-dev pkg-config ffmpeg curl)
if [ "${1:-}" = "--test" ]; then
  packages+=(srt-tools chromium fonts-wqy-microhei nftables iproute2 python3 unzip openssl)
  # The RTSP test server (Tests/TestSupport/rtsp_server.py): GStreamer's RTSP server from Debian's python3.
  packages+=(python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
             gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "Installing: ${missing[*]}"
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y "${missing[@]}"
