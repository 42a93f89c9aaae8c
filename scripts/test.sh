#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# scripts/test.sh: the whole test suite, the way CI runs it.
#
# For each preset (default: ci asan valgrind fuzz tsan) it runs the CMake
# workflow (configure, build, ctest) in build/<preset>/ with warnings as
# errors, prints that preset's ctest summary, and ends with one line
#
#     N passed, M failed
#
# summed over every preset (a preset that does not configure or build counts
# as one failure; skipped tests, e.g. a replay with no corpus yet, are counted
# apart on the line before). Exit status 0 only when nothing failed. Full logs go to
# build/logs/<preset>.log.
#
#   scripts/test.sh                  every default preset
#   scripts/test.sh asan fuzz        just these
#   JOBS=4 scripts/test.sh           parallelism (default: nproc)
#   KMM_WERROR=OFF scripts/test.sh   warnings not fatal
#
# Needs: cmake >= 3.25, gcc, clang (fuzz and tsan presets), valgrind.

set -uo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

presets=("$@")
if [ ${#presets[@]} -eq 0 ]; then
	presets=(ci asan valgrind fuzz tsan)
fi

jobs="${JOBS:-$(nproc 2>/dev/null || echo 2)}"
export CMAKE_BUILD_PARALLEL_LEVEL="$jobs"
export CTEST_PARALLEL_LEVEL="$jobs"
export KMM_WERROR="${KMM_WERROR:-ON}"
# ctest output stays readable when piped.
export CTEST_OUTPUT_ON_FAILURE=1

die() {
	echo "test.sh: $*" >&2
	exit 2
}

# ---- prerequisites ---------------------------------------------------------

command -v cmake >/dev/null || die "cmake not found (Debian: apt-get install cmake)"
cmake_version="$(cmake --version | sed -n 's/^cmake version \([0-9.]*\).*/\1/p')"
if [ "$(printf '%s\n%s\n' 3.25 "$cmake_version" | sort -V | head -1)" != "3.25" ]; then
	die "cmake >= 3.25 needed (found $cmake_version)"
fi
for p in "${presets[@]}"; do
	case "$p" in
	ci | dev | asan | valgrind | release) need=gcc ;;
	fuzz | tsan) need=clang ;;
	afl) need=afl-clang-fast ;;
	*) die "unknown preset '$p' (see CMakePresets.json)" ;;
	esac
	command -v "$need" >/dev/null || die "preset $p needs $need, which is not installed"
	if [ "$p" = valgrind ]; then
		command -v valgrind >/dev/null || die "preset valgrind needs valgrind (apt-get install valgrind)"
	fi
done

mkdir -p build/logs

# Ninja when available and the build tree is new (an existing tree keeps its generator).
pick_generator() {
	if [ ! -f "build/$1/CMakeCache.txt" ] && command -v ninja >/dev/null; then
		echo Ninja
	fi
}

# ---- run -------------------------------------------------------------------

total_passed=0
total_failed=0
total_skipped=0
failed_presets=()
start_all=$(date +%s)

for p in "${presets[@]}"; do
	log="build/logs/$p.log"
	printf '== %-9s configure + build + test (log: %s)\n' "$p" "$log"
	start=$(date +%s)
	gen="$(pick_generator "$p")"
	if [ -n "$gen" ]; then
		CMAKE_GENERATOR="$gen" cmake --workflow --preset "$p" >"$log" 2>&1
	else
		cmake --workflow --preset "$p" >"$log" 2>&1
	fi
	rc=$?
	secs=$(($(date +%s) - start))

	# ctest's own summary: "97% tests passed, 1 tests failed out of 40"
	summary="$(grep -E '^[0-9]+% tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -1)"
	if [ -z "$summary" ]; then
		echo "   FAILED before any test ran (exit $rc, ${secs}s); last lines of $log:"
		tail -25 "$log" | sed 's/^/   | /'
		total_failed=$((total_failed + 1))
		failed_presets+=("$p")
		continue
	fi
	total="$(sed -E 's/.* out of ([0-9]+).*/\1/' <<<"$summary")"
	failed="$(sed -E 's/.*passed, ([0-9]+) tests? failed.*/\1/' <<<"$summary")"
	skipped="$(grep -cE '^[[:space:]]*[0-9]+ - .*\(Skipped\)' "$log" || true)"
	passed=$((total - failed - skipped))
	total_passed=$((total_passed + passed))
	total_failed=$((total_failed + failed))
	total_skipped=$((total_skipped + skipped))

	echo "   $summary (${secs}s)"
	if [ "$skipped" -gt 0 ]; then
		grep -E '^[[:space:]]*[0-9]+ - .*\(Skipped\)' "$log" | sed 's/^[[:space:]]*/   skipped: /'
	fi
	if [ "$failed" -gt 0 ] || [ "$rc" -ne 0 ]; then
		failed_presets+=("$p")
		grep -E '^[[:space:]]*[0-9]+ - .* \(.*\)$' "$log" | grep -v '(Skipped)$' |
			sed 's/^[[:space:]]*/   FAILED: /'
		if [ "$failed" -eq 0 ]; then
			# Tests passed but the workflow still failed: count it.
			echo "   workflow exited $rc although ctest reported no failure; see $log"
			total_failed=$((total_failed + 1))
		fi
	fi
done

secs_all=$(($(date +%s) - start_all))
echo
if [ ${#failed_presets[@]} -gt 0 ]; then
	echo "presets with failures: ${failed_presets[*]} (logs in build/logs/)"
fi
echo "(${#presets[@]} presets: ${presets[*]}; $total_skipped skipped; ${secs_all}s)"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
