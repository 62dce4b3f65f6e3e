#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer + AddressSanitizer through swiftc -sanitize=fuzzer,address) of
# what faces the network: the SRT stream id and path rules, the MPEG-TS demuxer, the whole MPEG-TS
# intake with libavcodec's parsers and the muxers behind it, the HLS request names and directives,
# and the JSON bodies of the API.
# Each target is built from the project's own source files (modules it needs are compiled into the
# fuzzer as one module, their `import` lines stripped; swift-log and swift-metrics' CoreMetrics are
# built from the package checkouts as modules of their own), run for --seconds (default 60) on its corpus in Tests/Fuzz/corpus/<target>,
# and new inputs that found coverage are kept there.
#
# usage: scripts/faults/fuzz.sh [--seconds N] [target ...]
#        --build-only: build the fuzzers in .build-fuzz/ without running them
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
[ ${#targets[@]} -gt 0 ] || targets=(streamid transportstream intake hlsquery jsonbody)
out=".build-fuzz"; mkdir -p "$out"
export SWIFT_BACKTRACE=enable=no   # after a crash Swift's backtracer can hold the process
export LSAN_OPTIONS="suppressions=$PWD/Tests/Fuzz/lsan.supp:print_suppressions=0"  # see the file
# ASan's quarantine (256 MB by default) is most of a fuzzer's RSS (jsonbody: 505 MB; 96 MB with 16 MB):
# 64 MB keeps hour-long runs well under libFuzzer's 2 GB limit.
export ASAN_OPTIONS="quarantine_size_mb=64${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

build() { # name sources-and-flags...
  local name="$1"; shift
  rm -f "$out/$name"
  swiftc -sanitize=fuzzer,address -parse-as-library -O -g -module-name "Fuzz_$name" "$@" -o "$out/$name" 2>&1 \
    | grep -v "ld.gold: warning: Cannot export local symbol" || true
  [ -x "$out/$name" ] || { echo "cannot build the $name fuzzer" >&2; exit 1; }
}

# Copies sources into $out/src/<name>/ without the listed `import` lines, so several of our modules
# compile as one fuzzer module. Prints the copies.
strip_imports() { # name "Module1 Module2" files...
  local name="$1" modules="$2"; shift 2
  local dir="$out/src/$name" expr="" m f
  rm -rf "$dir"; mkdir -p "$dir"
  for m in $modules; do expr="$expr -e /^import[[:space:]]$m\$/d"; done
  for f in "$@"; do
    # shellcheck disable=SC2086
    sed $expr "$f" >"$dir/$(basename "$(dirname "$f")")_$(basename "$f")"
    echo "$dir/$(basename "$(dirname "$f")")_$(basename "$f")"
  done
}

# A package's module as a module of its own (not instrumented), from the package checkout; sets
# module_flags to the flags that use it.
module_flags=()
package_module() { # package module
  local package="$1" module="$2"
  local src=".build/checkouts/$package/Sources/$module" dir="$out/$package-$module"
  [ -d "$src" ] || swift package resolve >/dev/null
  [ -d "$src" ] || { echo "no $package checkout in $src" >&2; exit 1; }
  if [ ! -f "$dir/lib$module.a" ] || [ -n "$(find "$src" -name '*.swift' -newer "$dir/lib$module.a")" ]; then
    echo "=== building $package's $module for the fuzzers"
    rm -rf "$dir"; mkdir -p "$dir"
    (cd "$dir" && swiftc -parse-as-library -O -module-name "$module" -package-name "${package//-/_}" -emit-module \
       -emit-library -static $(find "$OLDPWD/$src" -name '*.swift' | sort) -o "lib$module.a" 2>&1 | grep -v "warning:" || true)
    [ -f "$dir/lib$module.a" ] || { echo "cannot build $package's $module" >&2; exit 1; }
  fi
  module_flags=(-I "$dir" -L "$dir" "-l$module")
}

# swift-log, for what logs.
logging_flags=()
need_logging() { package_module swift-log Logging; logging_flags=("${module_flags[@]}"); }

# swift-metrics' CoreMetrics, for what declares metrics (through Sources/Telemetry, compiled into the fuzzer).
metrics_flags=()
need_metrics() { package_module swift-metrics CoreMetrics; metrics_flags=("${module_flags[@]}"); }

for target in "${targets[@]}"; do
  case "$target" in
    streamid)
      mapfile -t sources < <(strip_imports streamid "PathRules" Sources/PathRules/*.swift \
        Sources/StreamHub/PathName.swift Sources/StreamHub/StreamHubError.swift)
      build streamid Tests/Fuzz/targets/StreamIDFuzz.swift Sources/SRTTransport/StreamID.swift "${sources[@]}" ;;
    transportstream)
      # One module for the fuzzer: copy the demuxer without its `import MediaTypes`.
      mkdir -p "$out/src"
      sed '/^import MediaTypes$/d' Sources/MediaRemux/TransportStreamDemuxer.swift >"$out/src/TransportStreamDemuxer.swift"
      build transportstream Tests/Fuzz/targets/TransportStreamFuzz.swift Sources/MediaTypes/*.swift \
        "$out/src/TransportStreamDemuxer.swift" Sources/MediaRemux/CRC32MPEG.swift ;;
    intake)
      # MediaTypes + MediaRemux as one module, libavformat/libavcodec/libavutil through CFFmpeg.
      need_logging
      mapfile -t sources < <(strip_imports intake "MediaTypes" Sources/MediaTypes/*.swift Sources/MediaRemux/*.swift)
      build intake Tests/Fuzz/targets/IntakeFuzz.swift "${sources[@]}" -I Sources/CFFmpeg "${logging_flags[@]}" \
        -lavformat -lavcodec -lavutil ;;
    hlsquery)
      # The HLS request parsing (RelayRequests/HLSRequest.swift) and the packagers it is looked up in:
      # MediaTypes + MediaRemux + StreamHub + HLSPackager as one module, fed a clip made here.
      need_logging
      need_metrics
      mapfile -t sources < <(strip_imports hlsquery "MediaTypes MediaRemux PathRules StreamHub HLSPackager Telemetry" \
        Sources/MediaTypes/*.swift Sources/MediaRemux/*.swift Sources/PathRules/*.swift Sources/StreamHub/*.swift Sources/HLSPackager/*.swift \
        Sources/Telemetry/*.swift Sources/RelayRequests/HLSRequest.swift Sources/RelayRequests/LowLatencyQuery.swift)
      build hlsquery Tests/Fuzz/targets/HLSQueryFuzz.swift "${sources[@]}" -I Sources/CFFmpeg "${logging_flags[@]}" \
        "${metrics_flags[@]}" -lavformat -lavcodec -lavutil
      if [ ! -s "$out/hls-clip.ts" ]; then
        ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=128x72:rate=25 \
          -f lavfi -i sine=frequency=440:sample_rate=48000 -t 5 -c:v libx264 -preset ultrafast -g 12 -b:v 60k \
          -c:a aac -b:a 32k -f mpegts "$out/hls-clip.ts"
      fi
      export FUZZ_HLS_CLIP="$out/hls-clip.ts" ;;
    jsonbody)
      # RelayRequests' body types, the JointReporting domain without what needs swift-crypto
      # (the audit chain and its verifier, the coordinator), PathRules (the device id rule).
      reporting=()
      for f in Sources/JointReporting/*.swift; do
        case "$(basename "$f")" in AuditChain.swift|AuditVerifier.swift|AuditCheckpoint.swift|AuditVerification.swift|ReportingStore.swift|InMemoryReportingStore.swift|ReportingSnapshot.swift|SessionCoordinator*.swift) ;; *) reporting+=("$f") ;; esac
      done
      mapfile -t sources < <(strip_imports jsonbody "JointReporting PathRules" "${reporting[@]}" Sources/PathRules/*.swift \
        Sources/RelayRequests/ReportingBody.swift Sources/RelayRequests/DeviceBody.swift)
      build jsonbody Tests/Fuzz/targets/JSONBodyFuzz.swift "${sources[@]}" ;;
    *) echo "unknown target $target" >&2; exit 2 ;;
  esac
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
