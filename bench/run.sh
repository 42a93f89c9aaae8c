#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# bench/run.sh: build an optimised kmm with the benchmarks and run them all.
#
#   1. configure + build the `release` preset with -DKMM_BUILD_BENCH=ON (or,
#      without CMakePresets.json, a -O2 Release build in build/bench-O2);
#   2. bench_pages: pcp vs bare freelist, buddy path vs naive buddy, checked
#      vs raw replay of a 1M-op program (ratios, PASS/MISS);
#   3. bench_slab: kmalloc on SLUB, SLAB and SLOB against glibc, jemalloc,
#      mimalloc and tcmalloc (lifo, random, cache, memory, debug cost, the
#      recorded heap traces); peers that are not installed are skipped;
#   4. fuzz_speed.sh: fuzz_pages / fuzz_numa exec/s under libFuzzer + ASan,
#      building the `fuzz` preset's two targets first if they are missing.
#
# usage: bench/run.sh [--quick] [--no-fuzz] [--no-slab] [--strict]
#                     [--clock wall|cpu] [--fuzz-seconds S]
#   --quick         a smoke run (a tenth of the work, 3 runs, 5 s fuzzing, 1 run)
#   --clock cpu     time bench_pages by thread CPU time (for a busy machine)
#   --no-fuzz       skip fuzz_speed.sh (and the fuzz build)
#   --no-slab       skip bench_slab
#   --strict        exit 1 when any benchmark misses its target
#   --fuzz-seconds  seconds per fuzz run (default 20)
# docs/benchmarks.md explains every figure.

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
quick=0
fuzz=1
slab=1
strict=0
fuzz_seconds=20
clock=wall

die() { echo "run.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--quick) quick=1; shift ;;
	--no-fuzz) fuzz=0; shift ;;
	--no-slab) slab=0; shift ;;
	--strict) strict=1; shift ;;
	--clock) [ $# -ge 2 ] || die "--clock needs wall or cpu"; clock="$2"; shift 2
		[ "$clock" = wall ] || [ "$clock" = cpu ] || die "--clock must be wall or cpu" ;;
	--fuzz-seconds) [ $# -ge 2 ] || die "--fuzz-seconds needs a value"; fuzz_seconds="$2"; shift 2 ;;
	-h|--help) awk 'NR > 3 && /^#/ {sub(/^# ?/, ""); print; next} NR > 3 {exit}' "$0"; exit 0 ;;
	*) die "unknown argument '$1' (see --help)" ;;
	esac
done

command -v cmake >/dev/null || die "cmake not found (apt-get install cmake)"
cd "$root"

# ---- 1. an optimised build with bench/ -----------------------------------------
jobs="$(nproc 2>/dev/null || echo 2)"
if [ -f CMakePresets.json ] && grep -q '"name"[[:space:]]*:[[:space:]]*"release"' CMakePresets.json; then
	echo "== configuring the release preset with KMM_BUILD_BENCH=ON"
	conf_log="$(mktemp)"
	if ! cmake --preset release -DKMM_BUILD_BENCH=ON >"$conf_log" 2>&1; then
		cat "$conf_log" >&2; rm -f "$conf_log"; die "configure failed"
	fi
	build_dir="$(sed -n 's/^-- Build files have been written to: //p' "$conf_log" | tail -n1)"
	rm -f "$conf_log"
	[ -n "$build_dir" ] || build_dir="$root/build/release"
	echo "== building bench_pages and bench_slab in $build_dir"
	cmake --build "$build_dir" --target bench_pages bench_slab -j "$jobs"
else
	build_dir="$root/build/bench-O2"
	echo "== no release preset: a Release (-O2) build in $build_dir"
	cmake -S "$root" -B "$build_dir" -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS_RELEASE="-O2 -DNDEBUG" \
		-DKMM_BUILD_BENCH=ON -DKMM_BUILD_TESTS=OFF >/dev/null
	cmake --build "$build_dir" --target bench_pages bench_slab -j "$jobs"
fi
# The kmm tool encodes the seed traces for fuzz_speed.sh when no binary corpus is shipped.
cmake --build "$build_dir" --target kmm -j "$jobs" >/dev/null 2>&1 || true
bench="$build_dir/bin/bench_pages"
[ -x "$bench" ] || bench="$build_dir/bench/bench_pages"
[ -x "$bench" ] || die "bench_pages was not built (looked in $build_dir/bin and $build_dir/bench)"

# ---- 2. bench_pages -------------------------------------------------------------
status=0
args=(--clock "$clock")
[ $quick -eq 1 ] && args+=(--quick)
[ $strict -eq 1 ] && args+=(--strict)
echo
echo "== bench_pages ${args[*]:-}"
"$bench" "${args[@]}" || status=$?

# ---- 3. bench_slab --------------------------------------------------------------
if [ $slab -eq 1 ]; then
	slab_bench="$build_dir/bin/bench_slab"
	[ -x "$slab_bench" ] || slab_bench="$build_dir/bench/bench_slab"
	[ -x "$slab_bench" ] || die "bench_slab was not built (looked in $build_dir/bin and $build_dir/bench)"
	echo
	echo "== bench_slab ${args[*]:-}"
	rc=0
	"$slab_bench" "${args[@]}" || rc=$?
	[ $rc -ne 0 ] && [ $status -eq 0 ] && status=$rc
fi

# ---- 4. fuzz_speed.sh -----------------------------------------------------------
if [ $fuzz -eq 1 ]; then
	fuzz_args=(--seconds "$fuzz_seconds")
	[ $quick -eq 1 ] && fuzz_args=(--seconds 5 --runs 1)
	[ -x "$build_dir/bin/kmm" ] && fuzz_args+=(--kmm "$build_dir/bin/kmm")
	[ $strict -eq 1 ] && fuzz_args+=(--strict)
	if ! "$here/fuzz_speed.sh" --help >/dev/null 2>&1; then
		die "bench/fuzz_speed.sh is not runnable"
	fi
	if [ ! -x "$root/build/fuzz/bin/fuzz_pages" ] || [ ! -x "$root/build/fuzz/bin/fuzz_numa" ]; then
		if command -v clang >/dev/null && [ -f CMakePresets.json ] &&
			grep -q '"name"[[:space:]]*:[[:space:]]*"fuzz"' CMakePresets.json; then
			echo
			echo "== building the fuzz preset's fuzz_pages and fuzz_numa (clang, libFuzzer + ASan + UBSan)"
			cmake --preset fuzz >/dev/null
			cmake --build --preset fuzz --target fuzz_pages fuzz_numa -j "$jobs"
		fi
	fi
	echo
	echo "== fuzz_speed.sh ${fuzz_args[*]}"
	rc=0
	"$here/fuzz_speed.sh" "${fuzz_args[@]}" || rc=$?
	[ $rc -ne 0 ] && [ $status -eq 0 ] && status=$rc
fi
exit $status
