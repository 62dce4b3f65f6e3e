#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer + AddressSanitizer through swiftc -sanitize=fuzzer,address) of
# the parsers that face the network: the SRT stream id and path rules, and the MPEG-TS demuxer.
# Each target is built from the project's own source files, run for --seconds (default 60) on its
# corpus in Tests/Fuzz/corpus/<target>, and new inputs that found coverage are kept there.
#
# usage: scripts/faults/fuzz.sh [--seconds N] [target ...]     targets: streamid transportstream
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=60
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    *) targets+=("$1"); shift ;;
  esac
done
[ ${#targets[@]} -gt 0 ] || targets=(streamid transportstream)
out=".build-fuzz"; mkdir -p "$out"
export SWIFT_BACKTRACE=enable=no   # after a crash Swift's backtracer can hold the process

build() { # name sources...
  local name="$1"; shift
  rm -f "$out/$name"
  swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "Fuzz_$name" "$@" -o "$out/$name" 2>&1 \
    | grep -v "ld.gold: warning: Cannot export local symbol" || true
  [ -x "$out/$name" ] || { echo "cannot build the $name fuzzer" >&2; exit 1; }
}

for target in "${targets[@]}"; do
  case "$target" in
    streamid)
      build streamid Tests/Fuzz/targets/StreamIDFuzz.swift Sources/SRTTransport/StreamID.swift \
        Sources/StreamHub/PathName.swift Sources/StreamHub/StreamHubError.swift ;;
    transportstream)
      # One module for the fuzzer: copy the demuxer without its `import MediaTypes`.
      mkdir -p "$out/src"
      sed '/^import MediaTypes$/d' Sources/MediaRemux/TransportStreamDemuxer.swift >"$out/src/TransportStreamDemuxer.swift"
      build transportstream Tests/Fuzz/targets/TransportStreamFuzz.swift Sources/MediaTypes/*.swift \
        "$out/src/TransportStreamDemuxer.swift" Sources/MediaRemux/CRC32MPEG.swift ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
  corpus="Tests/Fuzz/corpus/$target"; mkdir -p "$corpus"
  echo "=== $target: ${seconds}s"
  "$out/$target" -max_total_time="$seconds" -print_final_stats=1 -max_len=65536 "$corpus" 2>&1 \
    | grep -E "stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY|Done" || true
  if ls crash-* leak-* timeout-* >/dev/null 2>&1; then
    echo "$target: a failing input was written in $(pwd); make it a regression test" >&2
    exit 1
  fi
done
