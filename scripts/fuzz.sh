#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/fuzz.sh [SECONDS_PER_TARGET]: the main job. Fuzz every target for a
# bounded time, with live progress and a summary.
#
#  1. configure + build the 'fuzz' preset (clang, libFuzzer + ASan + UBSan) in
#     build/fuzz/, and the 'afl' preset in build/afl/ when AFL++ is installed;
#  2. encode the readable seeds (corpus/seeds/<target>/*.trace) into the binary
#     corpus (corpus/<target>/) with `kmm corpus build` (writes only what
#     changed);
#  3. run `kmm fuzz --time S --engine libfuzzer|both all`, which prints live
#     progress (execs, exec/s, coverage, corpus, crashes) and a summary table,
#     and minimises, decodes and saves every crash with its signature. The
#     runs (a target with an engine) take a core each, in waves: 14 runs on 2
#     cores take about 7 x S seconds.
#
# Default: 30 seconds per target. Exit status is kmm fuzz's: 0 nothing found,
# 1 crashes found, 2 setup error.
#
#   scripts/fuzz.sh              30 s per target, every engine available
#   scripts/fuzz.sh 600          10 minutes per target
#   KMM_ENGINE=libfuzzer scripts/fuzz.sh 30   skip AFL++ even when installed
#                                (libfuzzer, afl or both; default both when AFL++ is installed)
#   JOBS=4 scripts/fuzz.sh       parallelism of the builds (default: nproc)

set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

die() {
	echo "fuzz.sh: $*" >&2
	exit 2
}

secs="${1:-30}"
case "$secs" in
'' | *[!0-9]*) die "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] (got '$secs')" ;;
esac
[ "$secs" -gt 0 ] || die "SECONDS_PER_TARGET must be > 0"
[ $# -le 1 ] || die "usage: scripts/fuzz.sh [SECONDS_PER_TARGET]"

jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
export CMAKE_BUILD_PARALLEL_LEVEL="$jobs"

command -v cmake >/dev/null || die "cmake not found (Debian: apt-get install cmake)"
command -v clang >/dev/null || die "clang not found: libFuzzer needs it (Debian: apt-get install clang)"

engine="${KMM_ENGINE:-}"
if [ -z "$engine" ]; then
	engine=libfuzzer
	if command -v afl-fuzz >/dev/null && command -v afl-clang-fast >/dev/null; then
		engine=both
	else
		echo "fuzz.sh: AFL++ not installed (afl-fuzz, afl-clang-fast): fuzzing with libFuzzer only"
	fi
fi
case "$engine" in
libfuzzer | afl | both) ;;
*) die "KMM_ENGINE must be libfuzzer, afl or both (got '$engine')" ;;
esac

mkdir -p build/logs

build_preset() {
	local p="$1" log="build/logs/$1-build.log"
	echo "== building preset $p (log: $log)"
	if ! (
		# Ninja for a new tree when available; an existing tree keeps its generator.
		if [ ! -f "build/$p/CMakeCache.txt" ] && command -v ninja >/dev/null; then
			export CMAKE_GENERATOR=Ninja
		fi
		cmake --preset "$p" && cmake --build --preset "$p"
	) >"$log" 2>&1; then
		echo "fuzz.sh: building preset $p failed; last lines of $log:" >&2
		tail -30 "$log" | sed 's/^/  | /' >&2
		exit 2
	fi
}

# The fuzz preset also builds the kmm tool, so it is needed even for AFL++ alone.
build_preset fuzz
case "$engine" in
afl | both) build_preset afl ;;
esac

kmm="build/fuzz/bin/kmm"
if [ ! -x "$kmm" ]; then
	die "the kmm tool was not built ($kmm missing): tools/ is not in this tree yet, or its build failed (see build/logs/fuzz-build.log)"
fi

echo "== encoding seeds into corpus/ (kmm corpus build)"
"$kmm" corpus build --source "$root" | sed 's/^/  /'
[ "${PIPESTATUS[0]}" -eq 0 ] || die "kmm corpus build failed"

echo "== kmm fuzz --time $secs --engine $engine all"
exec "$kmm" fuzz --time "$secs" --engine "$engine" all
