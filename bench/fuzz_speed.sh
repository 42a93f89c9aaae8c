#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# fuzz_speed.sh: how many inputs a second the fuzz targets run under
# libFuzzer + ASan + UBSan (the `fuzz` preset), on inputs of at most 256 bytes.
#
# Each target runs RUNS times (default 3) for SECONDS seconds each (default 20)
# on a fresh copy of its shipped corpus (corpus/<target>/ is never written),
# one process, no -jobs/-fork; the figure kept per run is libFuzzer's final
# stat::average_exec_per_sec, and the median of the runs is reported.
# Target: fuzz_pages >= 10,000 exec/s. fuzz_numa is reported for information.
# `slab` as a target name stands for the four object-allocator targets
# (fuzz_slub fuzz_slab fuzz_slob fuzz_kmalloc_diff), measured the same way;
# they are reported for information, next to the figures they had before
# their speed work (medians of 3 runs of 15 s with -seed=1..3, alternating
# with the new build in the same minutes, exec per CPU-second on a loaded
# 2-core VM): fuzz_slub 316, fuzz_slab 332, fuzz_slob 353,
# fuzz_kmalloc_diff 57.
#
# usage: bench/fuzz_speed.sh [--seconds S] [--runs N] [--build-dir DIR]
#                            [--kmm PATH] [--strict] [target...]
#   default targets: fuzz_pages fuzz_numa; `slab`: the four slab targets;
#   `all`: all six; --build-dir: default build/fuzz;
#   --kmm: the kmm tool used to encode seed traces when no binary corpus is
#   shipped (default: <build>/bin/kmm or any build/*/bin/kmm; env KMM_TOOL).
#   Exit 1 if fuzz_pages misses its target with --strict, 2 on a setup error
#   or when a run stops early (a crash or mismatch).

set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
seconds=20
runs=3
build_dir="$root/build/fuzz"
strict=0
kmm_tool="${KMM_TOOL:-}"
targets=()
pages_target=10000

die() { echo "fuzz_speed.sh: $*" >&2; exit 2; }

while [ $# -gt 0 ]; do
	case "$1" in
	--seconds) [ $# -ge 2 ] || die "--seconds needs a value"; seconds="$2"; shift 2 ;;
	--runs) [ $# -ge 2 ] || die "--runs needs a value"; runs="$2"; shift 2 ;;
	--build-dir) [ $# -ge 2 ] || die "--build-dir needs a value"; build_dir="$2"; shift 2 ;;
	--kmm) [ $# -ge 2 ] || die "--kmm needs a value"; kmm_tool="$2"; shift 2 ;;
	--strict) strict=1; shift ;;
	-h|--help) awk 'NR > 3 && /^#/ {sub(/^# ?/, ""); print; next} NR > 3 {exit}' "$0"; exit 0 ;;
	-*) die "unknown option '$1' (see --help)" ;;
	*) targets+=("$1"); shift ;;
	esac
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || die "--seconds must be a positive integer"
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || die "--runs must be a positive integer"
[ ${#targets[@]} -gt 0 ] || targets=(fuzz_pages fuzz_numa)
slab_targets=(fuzz_slub fuzz_slab fuzz_slob fuzz_kmalloc_diff)
expanded=()
for t in "${targets[@]}"; do
	case "$t" in
	slab) expanded+=("${slab_targets[@]}") ;;
	all) expanded+=(fuzz_pages fuzz_numa "${slab_targets[@]}") ;;
	*) expanded+=("$t") ;;
	esac
done
targets=("${expanded[@]}")
# exec per CPU-second before the slab targets' speed work (see the top).
declare -A slab_before=([fuzz_slub]=316 [fuzz_slab]=332 [fuzz_slob]=353 [fuzz_kmalloc_diff]=57)

# The fuzz preset puts executables in <build>/bin; older layouts in <build>/fuzz.
find_binary() {
	local t="$1" d
	for d in "$build_dir/bin" "$build_dir/fuzz" "$build_dir"; do
		if [ -x "$d/$t" ]; then echo "$d/$t"; return 0; fi
	done
	return 1
}

# The shipped inputs, as binary programs: corpus/<target>/ (`kmm corpus build`
# output plus what fuzzers found), else the seeds the build encoded for ctest
# (<build>/seed-corpus/<target>/), else corpus/seeds/<target>/*.trace encoded
# here with a `kmm` tool. Prints the directory, or nothing.
find_corpus() {
	local t="$1" d kmm s n=0
	for d in "$root/corpus/$t" "$build_dir/seed-corpus/$t"; do
		if [ -d "$d" ] && [ -n "$(ls -A "$d" 2>/dev/null)" ]; then echo "$d"; return 0; fi
	done
	[ -d "$root/corpus/seeds/$t" ] || return 0
	for kmm in "$kmm_tool" "$build_dir/bin/kmm" "$root"/build/*/bin/kmm; do
		[ -x "$kmm" ] && break
	done
	[ -n "$kmm" ] && [ -x "$kmm" ] || return 0
	d="$work/$t-seeds"
	mkdir -p "$d"
	for s in "$root/corpus/seeds/$t"/*.trace; do
		[ -f "$s" ] || continue
		if "$kmm" encode --kind "${t#fuzz_}" "$s" -o "$d/$(basename "${s%.trace}").bin" >/dev/null 2>&1; then
			n=$((n + 1))
		fi
	done
	[ $n -gt 0 ] && echo "$d"
	return 0
}

missing=0
for t in "${targets[@]}"; do
	if ! find_binary "$t" >/dev/null; then
		echo "fuzz_speed.sh: no libFuzzer build of $t under $build_dir" >&2
		missing=1
	fi
done
if [ $missing -ne 0 ]; then
	cat >&2 <<EOF
Build the fuzz preset first (clang, libFuzzer + ASan + UBSan):
    cmake --preset fuzz && cmake --build --preset fuzz
then run this script again (or pass --build-dir DIR for another build).
EOF
	exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/kmm-fuzz-speed.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "fuzz_speed: libFuzzer exec/s, -max_len=256, ${seconds}s x ${runs} runs per target, median"
echo "machine:    $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | sed 's/.*: //'), nproc $(nproc), one fuzzer process, nothing pinned"
echo "build:      $build_dir ($(grep -m1 '^CMAKE_C_COMPILER:' "$build_dir/CMakeCache.txt" 2>/dev/null | sed 's/.*=//' || echo '?'))"
echo

# median of numbers given one a line on stdin
median() { sort -g | awk '{v[NR]=$1} END {if (NR==0) print 0; else if (NR%2) print v[(NR+1)/2]; else print (v[NR/2]+v[NR/2+1])/2}'; }

declare -A result cpu_result
status=0
for t in "${targets[@]}"; do
	bin="$(find_binary "$t")"
	seeds="$(find_corpus "$t" || true)"
	if [ -n "$seeds" ]; then
		echo "  $t: starting corpus $seeds ($(ls -A "$seeds" | wc -l) inputs, copied per run)"
	else
		echo "  $t: no shipped corpus found; starting from an empty one"
	fi
	rates=()
	cpu_rates=()
	for r in $(seq 1 "$runs"); do
		corpus="$work/$t-corpus-$r"
		mkdir -p "$corpus" "$work/$t-artifacts-$r"
		if [ -n "$seeds" ]; then cp -r "$seeds/." "$corpus/"; fi
		log="$work/$t-$r.log"
		rc=0
		# bash's `time` gives the fuzzer's CPU seconds (user + sys), so a busy
		# machine can be told apart from a slow target.
		TIMEFORMAT='%U %S'
		{ time "$bin" -max_len=256 -max_total_time="$seconds" -print_final_stats=1 \
			-artifact_prefix="$work/$t-artifacts-$r/" "$corpus" >"$log" 2>&1 || rc=$?; } \
			2>"$work/$t-$r.time"
		cpu="$(awk '{printf "%.2f", $1 + $2}' "$work/$t-$r.time" 2>/dev/null || echo 0)"
		rate="$(sed -n 's/^stat::average_exec_per_sec:[[:space:]]*//p' "$log" | tail -n1)"
		execs="$(sed -n 's/^stat::number_of_executed_units:[[:space:]]*//p' "$log" | tail -n1)"
		if [ -z "$rate" ]; then
			echo "  $t run $r: no final stats (exit $rc); last lines of its log:" >&2
			tail -n 15 "$log" >&2
			status=2
			continue
		fi
		note=""
		if [ $rc -ne 0 ]; then
			keep="$root/build/fuzz-speed-artifacts"
			mkdir -p "$keep"
			cp -r "$work/$t-artifacts-$r/." "$keep/" 2>/dev/null || true
			cp "$log" "$keep/$t-run$r.log"
			note="  (stopped early, exit $rc: a crash or mismatch; artifact and log kept in $keep)"
			status=2
		fi
		per_cpu="-"
		if [ -n "$execs" ] && awk -v c="$cpu" 'BEGIN {exit !(c > 0)}'; then
			per_cpu="$(awk -v e="$execs" -v c="$cpu" 'BEGIN {printf "%.0f", e / c}')"
			cpu_rates+=("$per_cpu")
		fi
		printf '  %-12s run %d: %8s exec/s  (%s execs in %ss wall, %ss CPU: %s exec per CPU-second)%s\n' \
			"$t" "$r" "$rate" "${execs:-?}" "$seconds" "$cpu" "$per_cpu" "$note"
		rates+=("$rate")
	done
	if [ ${#rates[@]} -gt 0 ]; then
		result[$t]="$(printf '%s\n' "${rates[@]}" | median)"
	else
		result[$t]=""
	fi
	if [ ${#cpu_rates[@]} -gt 0 ]; then
		cpu_result[$t]="$(printf '%s\n' "${cpu_rates[@]}" | median)"
	else
		cpu_result[$t]="-"
	fi
done

echo
printf '%-14s %14s %18s %10s  %s\n' "target" "median exec/s" "exec/CPU-second" "target" "result"
printf '%-14s %14s %18s %10s  %s\n' "------" "-------------" "---------------" "------" "------"
for t in "${targets[@]}"; do
	m="${result[$t]}"
	if [ -z "$m" ]; then
		printf '%-14s %14s %18s %10s  %s\n' "$t" "-" "-" "-" "ERROR"
		continue
	fi
	if [ "$t" = fuzz_pages ]; then
		if awk -v m="$m" -v g="$pages_target" 'BEGIN {exit !(m >= g)}'; then
			verdict=PASS
		else
			verdict=MISS
			[ $strict -eq 1 ] && [ $status -eq 0 ] && status=1
		fi
		printf '%-14s %14s %18s %10s  %s\n' "$t" "$m" "${cpu_result[$t]}" ">=$pages_target" "$verdict"
	elif [ -n "${slab_before[$t]:-}" ] && [ "${cpu_result[$t]}" != "-" ]; then
		printf '%-14s %14s %18s %10s  %s\n' "$t" "$m" "${cpu_result[$t]}" "-" \
			"info: $(awk -v a="${cpu_result[$t]}" -v b="${slab_before[$t]}" 'BEGIN {printf "%.1fx", a / b}') the ${slab_before[$t]} exec/CPU-s before"
	else
		printf '%-14s %14s %18s %10s  %s\n' "$t" "$m" "${cpu_result[$t]}" "-" "info"
	fi
done
echo
echo "exec/s is libFuzzer's stat::average_exec_per_sec (wall clock; the target applies to it);"
echo "exec/CPU-second divides the executions by the fuzzer's user+sys time: on a busy machine"
echo "it shows what the target would do with a CPU to itself."
exit $status
