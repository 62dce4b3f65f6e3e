#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer + AddressSanitizer through swiftc -sanitize=fuzzer,address) of
# what faces the network: the SRT stream id and path rules, the MPEG-TS demuxer, the whole MPEG-TS
# intake with libavcodec's parsers and the muxers behind it, the HLS request names and directives,
# and the JSON bodies of the API.
# The fuzzers are the executables of the package in Tests/Fuzz (one per target, sources in
# Tests/Fuzz/Sources/<target>), which depends on this package by path and links its modules as they
# are (the library products in Package.swift). It is built with SwiftPM in release mode, scratch
# directory .build-fuzz/, with -sanitize=fuzzer,address -parse-as-library passed to every Swift
# module. Each target runs for --seconds (default 60) on its corpus in Tests/Fuzz/corpus/<target>,
# and new inputs that found coverage are kept there.
#
# usage: scripts/faults/fuzz.sh [--seconds N] [target ...]
#        --build-only: build the fuzzers (.build-fuzz/<target>) without running them
#        --minimize:   instead of fuzzing, shrink each corpus to the inputs that add coverage edges
#                      (libFuzzer -merge=1 -use_counters=0; the seed-* files are always kept)
#        targets: streamid transportstream intake hlsquery jsonbody (default: all)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=60
build_only=0
minimize=0
targets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) seconds="$2"; shift 2 ;;
    --build-only) build_only=1; shift ;;
    --minimize) minimize=1; shift ;;
    *) targets+=("$1"); shift ;;
  esac
done
all=(streamid transportstream intake hlsquery jsonbody)
[ ${#targets[@]} -gt 0 ] || targets=("${all[@]}")
out=".build-fuzz"; mkdir -p "$out"
export SWIFT_BACKTRACE=enable=no   # after a crash Swift's backtracer can hold the process
export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/lsan.supp:print_suppressions=0"  # see the file
# ASan's quarantine (256 MB by default) is most of a fuzzer's RSS (jsonbody: 505 MB; 96 MB with 16 MB):
# 64 MB keeps hour-long runs well under libFuzzer's 2 GB limit.
export ASAN_OPTIONS="quarantine_size_mb=64${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

for target in "${targets[@]}"; do
  case " ${all[*]} " in *" $target "*) ;; *) echo "unknown target $target" >&2; exit 2 ;; esac
done

# One SwiftPM build for the targets asked for (all of them in one go: the modules they share are
# built once, in parallel). -sanitize=fuzzer,address reaches every Swift module, the project's and
# its dependencies', and the link of each executable (libFuzzer's main).
build_flags=(-c release --package-path Tests/Fuzz --scratch-path "$out"
             -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library)
products=()
[ ${#targets[@]} = ${#all[@]} ] || for target in "${targets[@]}"; do products+=(--product "$target"); done
echo "=== building the fuzz package (Tests/Fuzz) in $out/: ${targets[*]}"
started=$SECONDS
: >"$out/build.log"
if [ ${#products[@]} = 0 ]; then
  swift build "${build_flags[@]}" >>"$out/build.log" 2>&1 || build_failed=1
else
  for ((i = 0; i < ${#products[@]}; i += 2)); do
    swift build "${build_flags[@]}" "${products[i]}" "${products[i + 1]}" >>"$out/build.log" 2>&1 || build_failed=1
  done
fi
if [ "${build_failed:-0}" = 1 ]; then
  grep -v "ld.gold: warning: Cannot export local symbol" "$out/build.log" | grep -E -A5 "error:" | head -80 >&2 || tail -40 "$out/build.log" >&2
  echo "cannot build the fuzzers (log: $out/build.log)" >&2
  exit 1
fi
bin="$(swift build "${build_flags[@]}" --show-bin-path)"
for target in "${targets[@]}"; do
  [ -x "$bin/$target" ] || { echo "cannot build the $target fuzzer" >&2; exit 1; }
  ln -sfn "${bin#"$PWD/$out/"}/$target" "$out/$target"   # where the fuzzers have always been
done
echo "=== built in $((SECONDS - started)) s"

for target in "${targets[@]}"; do
  if [ "$target" = hlsquery ]; then
    # The fixture's clip: the packagers are fed it once, at start (see HLSQueryFuzz.swift).
    if [ ! -s "$out/hls-clip.ts" ]; then
      ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=128x72:rate=25 \
        -f lavfi -i sine=frequency=440:sample_rate=48000 -t 5 -c:v libx264 -preset ultrafast -g 12 -b:v 60k \
        -c:a aac -b:a 32k -f mpegts "$out/hls-clip.ts"
    fi
    export FUZZ_HLS_CLIP="$out/hls-clip.ts"
  fi
  [ "$build_only" = 0 ] || continue
  corpus="Tests/Fuzz/corpus/$target"; mkdir -p "$corpus"
  if [ "$minimize" = 1 ]; then
    fresh="$out/minimized-$target"; rm -rf "$fresh"; mkdir -p "$fresh"
    cp "$corpus"/seed-* "$fresh"/ 2>/dev/null || true
    "$out/$target" -merge=1 -use_counters=0 "$fresh" "$corpus" 2>&1 | grep -E "MERGE-OUTER: [0-9]+ new|ERROR" || true
    rm -rf "$corpus"; mv "$fresh" "$corpus"
    echo "=== $target: corpus minimized to $(ls "$corpus" | wc -l) files"
    continue
  fi
  echo "=== $target: ${seconds}s"
  dict=(); [ ! -f "Tests/Fuzz/dict/$target.dict" ] || dict=(-dict="Tests/Fuzz/dict/$target.dict")
  "$out/$target" -max_total_time="$seconds" -print_final_stats=1 -max_len=65536 "${dict[@]}" "$corpus" 2>&1 \
    | grep -E "stat::number_of_executed_units|stat::peak_rss_mb|ERROR|SUMMARY|Done" || true
  if ls crash-* leak-* timeout-* oom-* >/dev/null 2>&1; then
    echo "$target: a failing input was written in $(pwd); make it a regression test" >&2
    exit 1
  fi
done
