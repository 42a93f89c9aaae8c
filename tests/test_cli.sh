#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
#
# End-to-end tests of the kmm command-line tool (docs/cli.md).
#
#   tests/test_cli.sh KMM [basic|fuzz|triage]
#
# basic: decode/encode round trips on the seeds, error messages and exit
#        codes, replay (good, misuse-mode, directories, crashes of nothing),
#        stats, corpus build idempotence, regress add.
# fuzz:  a short real `kmm fuzz` (libFuzzer; AFL++ too when built) and a ^C
#        in the middle of one; exits 77 (ctest: skipped) when no fuzz build
#        of the targets exists.
#
# KMM_SOURCE_DIR (set by ctest) is the source tree; default: this script's
# parent. Ends with "N passed, M failed".

set -u

KMM=${1:?usage: test_cli.sh KMM [basic|fuzz|triage]}
MODE=${2:-basic}
SRC=${KMM_SOURCE_DIR:-$(cd "$(dirname "$0")/.." && pwd)}
case "$KMM" in /*) ;; *) KMM="$PWD/$KMM" ;; esac
if [ ! -x "$KMM" ]; then
	echo "test_cli: $KMM is not an executable" >&2
	exit 2
fi

TMP=$(mktemp -d "${TMPDIR:-/tmp}/kmm-cli.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
PASS=0
FAIL=0

ok() { PASS=$((PASS + 1)); echo "ok - $*"; }
bad() { FAIL=$((FAIL + 1)); echo "not ok - $*"; }
check() { # check "description" command...
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
# run: runs kmm, keeps stdout in $TMP/out, stderr in $TMP/err, status in $RC
run() {
	"$KMM" "$@" >"$TMP/out" 2>"$TMP/err"
	RC=$?
}
expect_rc() { # expect_rc N "description"
	if [ "$RC" -eq "$1" ]; then ok "$2 (exit $RC)"; else
		bad "$2: exit $RC, wanted $1"
		sed 's/^/    stderr: /' "$TMP/err" | head -5
		sed 's/^/    stdout: /' "$TMP/out" | head -5
	fi
}
expect_err() { # expect_err REGEX "description": stderr matches, exactly one line
	if grep -Eq -- "$1" "$TMP/err" && [ "$(wc -l <"$TMP/err")" -le 2 ]; then ok "$2"; else
		bad "$2: stderr does not match /$1/ in at most 2 lines"
		sed 's/^/    stderr: /' "$TMP/err" | head -5
	fi
}
expect_out() { # expect_out REGEX "description"
	if grep -Eq -- "$1" "$TMP/out"; then ok "$2"; else
		bad "$2: stdout does not match /$1/"
		sed 's/^/    stdout: /' "$TMP/out" | head -8
	fi
}

# ---- programs used below ----------------------------------------------------

mkdir -p "$TMP/t"
cat >"$TMP/t/small.trace" <<'EOF'
# two CPUs, a few allocations of different orders
system nodes=1 cpus=2 seed=0x1234
alloc_pages a order=3 gfp=GFP_KERNEL|__GFP_ZERO
alloc_pages b order=0 gfp=GFP_KERNEL
write a
verify a
free_pages a
set_cpu 1
alloc_pages c order=1 gfp=GFP_ATOMIC
drain all
check
free_pages b
EOF
cat >"$TMP/t/numa.trace" <<'EOF'
system nodes=2 cpus=2
alloc_pages x order=1 gfp=GFP_KERNEL node=1
alloc_pages y order=0 gfp=GFP_KERNEL
free_pages x
EOF
cat >"$TMP/t/misuse.trace" <<'EOF'
# misuse mode: the double free must be reported and survived, not a mismatch
system nodes=1 misuse=1
alloc_pages a order=1 gfp=GFP_KERNEL
misuse double_free a
alloc_pages b order=2 gfp=GFP_KERNEL
free_pages b
EOF
printf 'system nodes=1\nalloc_pages a order=3 gfp=GFP_KERNEL\nfree_pages a bogus_operand\n' \
	>"$TMP/t/corrupt.trace"

# The seeds of the tree, or our own programs while the tree has none.
SEEDS=()
for f in "$SRC"/corpus/seeds/fuzz_pages/*.trace "$SRC"/corpus/seeds/fuzz_numa/*.trace; do
	[ -f "$f" ] && SEEDS+=("$f")
done
[ ${#SEEDS[@]} -eq 0 ] && SEEDS=("$TMP/t/small.trace" "$TMP/t/numa.trace")

basic_tests() {
	# ---- help and usage ----
	run help
	expect_rc 0 "kmm help"
	expect_out "replay" "kmm help lists the commands"
	for c in fuzz replay decode encode stats corpus regress; do
		run "$c" --help
		[ "$RC" -eq 0 ] && grep -q "usage: kmm $c" "$TMP/out" && ok "kmm $c --help" ||
			bad "kmm $c --help (exit $RC)"
	done
	run help replay
	expect_out "usage: kmm replay" "kmm help replay"
	run
	expect_rc 2 "kmm with no command"
	run frobnicate
	expect_rc 2 "unknown command"
	expect_err "unknown command 'frobnicate'" "unknown command is named"

	# ---- encode / decode round trips ----
	local n=0 good=0
	for s in "${SEEDS[@]}"; do
		n=$((n + 1))
		local b="$TMP/rt$n" kind=pages
		case "$s" in */fuzz_numa/*) kind=numa ;; esac
		if "$KMM" encode --kind $kind "$s" -o "$b.bin" 2>"$b.err" &&
			"$KMM" decode --kind $kind "$b.bin" >"$b.trace" 2>>"$b.err" &&
			"$KMM" encode "$b.trace" -o "$b.2.bin" 2>>"$b.err" &&
			cmp -s "$b.bin" "$b.2.bin" &&
			"$KMM" decode --kind $kind "$b.2.bin" >"$b.2.trace" 2>>"$b.err" &&
			cmp -s "$b.trace" "$b.2.trace"; then
			good=$((good + 1))
		else
			echo "    round trip failed for $s:"
			sed 's/^/    /' "$b.err" | head -3
		fi
	done
	check "encode/decode round trip on $n seed(s): binary and text stable" [ "$good" -eq "$n" ]
	# The kind is a property of the program: a numa seed decoded as numa.
	"$KMM" encode "$TMP/t/numa.trace" -o "$TMP/numa.bin" 2>/dev/null
	run decode --kind numa "$TMP/numa.bin"
	expect_out "^system nodes=2" "decode --kind numa keeps both nodes"
	mkdir -p "$TMP/fuzz_numa"
	cp "$TMP/numa.bin" "$TMP/fuzz_numa/input"
	run decode "$TMP/fuzz_numa/input"
	expect_out "^system nodes=2" "decode guesses numa from a fuzz_numa path"
	run encode --kind pages "$TMP/t/numa.trace" -o "$TMP/x.bin"
	expect_rc 2 "encode refuses a 2-node program as a pages input"
	expect_err "cannot be expressed as a pages input" "... and says why"
	# A one-node page program's bytes carry no pcp sizes (fuzz_pages keeps its speed).
	printf 'system nodes=1 pcp_high=1 pcp_batch=1\nalloc_pages a order=0 gfp=GFP_KERNEL\n' >"$TMP/pcp1.trace"
	run encode "$TMP/pcp1.trace" -o "$TMP/x.bin"
	expect_rc 2 "encode refuses pcp sizes in a one-node page program"
	expect_err "cannot carry this program's pcp sizes" "... and names them"
	sed 's/nodes=1/nodes=2/' "$TMP/pcp1.trace" >"$TMP/pcp2.trace"
	run encode "$TMP/pcp2.trace" -o "$TMP/x.bin"
	expect_rc 0 "encode takes the same sizes in a two-node program"
	# Slab kinds: the program's slab line picks the kind; a fuzz_<kind> path too.
	printf 'slab backend=slob\nkmalloc k size=100\nkfree k\n' >"$TMP/slob.trace"
	"$KMM" encode "$TMP/slob.trace" -o "$TMP/slob.bin" 2>/dev/null
	mkdir -p "$TMP/fuzz_slob"
	cp "$TMP/slob.bin" "$TMP/fuzz_slob/input"
	run decode "$TMP/fuzz_slob/input"
	expect_out "^slab backend=slob" "decode guesses slob from a fuzz_slob path"
	run decode --kind kmalloc_diff "$TMP/slob.bin"
	expect_out "^slab backend=all" "decode --kind kmalloc_diff reads a kmalloc_diff program"
	run encode --kind slub "$TMP/slob.trace" -o "$TMP/x.bin"
	expect_rc 2 "encode refuses a slob program as a slub input"
	run decode "$TMP/numa.bin" "$TMP/t/small.trace"
	expect_rc 2 "decode of a .trace is refused"
	run decode "$TMP/numa.bin" "$TMP/numa.bin"
	expect_out "^# ==> .*numa.bin <==" "decode of several files labels each"
	# Any bytes decode to a valid program (what fuzzers rely on).
	head -c 300 /dev/urandom >"$TMP/random.bin"
	run decode "$TMP/random.bin"
	expect_rc 0 "decode of random bytes"
	cp "$TMP/out" "$TMP/random.trace"
	run encode "$TMP/random.trace" -o "$TMP/random2.bin"
	expect_rc 0 "the decoded random program encodes again"

	# ---- errors: missing files, corrupt text, bad options ----
	run decode "$TMP/does-not-exist.bin"
	expect_rc 2 "decode of a missing file"
	expect_err "cannot read .*does-not-exist.bin: No such file" "missing file is named"
	run encode "$TMP/t/corrupt.trace" -o "$TMP/c.bin"
	expect_rc 2 "encode of corrupt text"
	expect_err "corrupt.trace:3:[0-9]+: " "parse error printed as FILE:line:col: msg"
	check "nothing written for corrupt text" [ ! -e "$TMP/c.bin" ]
	run replay "$TMP/t/corrupt.trace"
	expect_rc 2 "replay of corrupt text"
	expect_out "replayed 0: 0 ok, 0 mismatched, 1 unreadable" "replay counts the unreadable file"
	run decode --kind martian "$TMP/numa.bin"
	expect_rc 2 "bad --kind value"
	expect_err "unknown --kind 'martian'" "bad --kind is named"
	run replay --frobnicate "$TMP/t/small.trace"
	expect_rc 2 "unknown option"
	expect_err "unknown option '--frobnicate'" "unknown option is named"
	run decode --kind
	expect_rc 2 "option without its value"
	run encode "$TMP/t/small.trace" "$TMP/t/numa.trace"
	expect_rc 2 "encode takes one file"
	run stats --view meminfo_nosuch "$TMP/t/small.trace"
	expect_rc 2 "unknown stats view"
	expect_err "unknown view 'meminfo_nosuch'" "unknown view is named"
	run fuzz --time 1 fuzz_everything
	expect_rc 2 "unknown fuzz target"
	expect_err "unknown target 'fuzz_everything'" "unknown fuzz target is named"
	run fuzz --time soon fuzz_pages
	expect_rc 2 "non-numeric --time"
	run fuzz --engine honggfuzz fuzz_pages
	expect_rc 2 "unknown engine"
	run replay "$TMP"/nothing-here
	expect_rc 2 "replay of a missing path"
	run regress add
	expect_rc 2 "regress add without a crash file"
	run corpus destroy
	expect_rc 2 "unknown corpus action"

	# ---- replay ----
	run replay "$TMP/t/small.trace"
	expect_rc 0 "replay of a good trace"
	expect_out "small.trace: ok \(10 ops" "replay says ok with the op count"
	expect_out "^replayed 1: 1 ok, 0 mismatched$" "replay summary line"
	run replay "$TMP/t/misuse.trace"
	expect_rc 0 "replay of a misuse-mode program (misuse reported, not a mismatch)"
	expect_out "misuses reported" "misuse count shown"
	run replay "$TMP/t" "$TMP/numa.bin"
	expect_rc 2 "replay of a directory holding a corrupt trace"
	expect_out "^replayed 4: 4 ok, 0 mismatched, 1 unreadable" "directory replay counts every file"
	rm -f "$TMP/t/corrupt.trace"
	run replay "$TMP/t" "$TMP/fuzz_numa"
	expect_rc 0 "replay of directories, text and binary"
	expect_out "^replayed 4: 4 ok, 0 mismatched$" "... all ok"
	# A binary file that happens to be text is still replayed (as text if it parses).
	cp "$TMP/t/small.trace" "$TMP/small-as-input"
	run replay "$TMP/small-as-input"
	expect_out "small-as-input: ok \(10 ops" "text without .trace is recognised"

	# ---- stats ----
	run stats "$TMP/t/small.trace"
	expect_rc 0 "stats"
	expect_out "^Node 0, zone " "stats prints 'Node 0, zone' lines"
	expect_out "^==> /proc/zoneinfo <==" "stats shows every view by default"
	run stats --view buddyinfo "$TMP/t/numa.trace"
	expect_rc 0 "stats --view buddyinfo"
	expect_out "^Node 1, zone" "buddyinfo of a 2-node program shows node 1"
	if grep -q "==>" "$TMP/out"; then bad "one view has no header"; else ok "one view has no header"; fi
	run stats --view buddyinfo,vmstat "$TMP/t/small.trace"
	expect_out "^==> /proc/vmstat <==" "stats with two views"

	# ---- corpus build ----
	local tree="$TMP/tree"
	mkdir -p "$tree/corpus/seeds/fuzz_pages" "$tree/corpus/seeds/fuzz_numa" \
		"$tree/corpus/seeds/fuzz_trace_parser" "$tree/tests"
	cp "$TMP/t/small.trace" "$TMP/t/misuse.trace" "$tree/corpus/seeds/fuzz_pages/"
	cp "$TMP/t/numa.trace" "$tree/corpus/seeds/fuzz_numa/"
	cp "$TMP/t/small.trace" "$tree/corpus/seeds/fuzz_trace_parser/"
	run corpus build --source "$tree"
	expect_rc 0 "corpus build"
	expect_out "4 seeds, 4 written, 0 unchanged, 0 errors" "corpus build writes every seed"
	check "fuzz_pages seed encoded" [ -s "$tree/corpus/fuzz_pages/small.bin" ]
	check "fuzz_numa seed encoded" [ -s "$tree/corpus/fuzz_numa/numa.bin" ]
	check "fuzz_trace_parser seed copied as text" cmp -s "$TMP/t/small.trace" \
		"$tree/corpus/fuzz_trace_parser/small.trace"
	"$KMM" decode --kind numa "$tree/corpus/fuzz_numa/numa.bin" >"$TMP/n1" 2>/dev/null
	"$KMM" decode "$TMP/numa.bin" >"$TMP/n2" 2>/dev/null
	check "corpus build encodes fuzz_numa seeds as numa programs" cmp -s "$TMP/n1" "$TMP/n2"
	local before after
	before=$(cd "$tree/corpus" && find fuzz_* -type f -exec stat -c '%n %Y %s' {} + | sort &&
		find fuzz_* -type f -exec sha1sum {} + | sort)
	sleep 1
	run corpus build --source "$tree"
	expect_rc 0 "corpus build again"
	expect_out "4 seeds, 0 written, 4 unchanged, 0 errors" "second corpus build writes nothing"
	after=$(cd "$tree/corpus" && find fuzz_* -type f -exec stat -c '%n %Y %s' {} + | sort &&
		find fuzz_* -type f -exec sha1sum {} + | sort)
	check "corpus build is idempotent (same files, same mtimes)" [ "$before" = "$after" ]
	run corpus build --source "$tree" --check
	expect_rc 0 "corpus build --check when up to date"
	echo "alloc_pages z order=2 gfp=GFP_KERNEL" >>"$tree/corpus/seeds/fuzz_pages/small.trace"
	run corpus build --source "$tree" --check
	expect_rc 1 "corpus build --check when a seed changed"
	expect_out "out of date: .*small.bin" "... names the stale file"
	cp "$TMP/t/numa.trace" "$tree/corpus/seeds/fuzz_pages/two-nodes.trace"
	run corpus build --source "$tree"
	expect_rc 2 "corpus build with a seed that does not fit its target"
	expect_err "two-nodes.trace: cannot be expressed as a pages input" "... names the seed"
	rm "$tree/corpus/seeds/fuzz_pages/two-nodes.trace"
	mkdir -p "$tree/corpus/seeds/fuzz_nosuch"
	cp "$TMP/t/small.trace" "$tree/corpus/seeds/fuzz_nosuch/"
	run corpus build --source "$tree"
	expect_rc 2 "corpus build with an unknown target directory"
	expect_err "unknown target 'fuzz_nosuch'" "... names it"
	rm -r "$tree/corpus/seeds/fuzz_nosuch"

	# ---- regress add ----
	mkdir -p "$tree/build/fuzz-out/fuzz_numa/crashes"
	cp "$TMP/numa.bin" "$tree/build/fuzz-out/fuzz_numa/crashes/0123abcd.bin"
	run regress add "$tree/build/fuzz-out/fuzz_numa/crashes/0123abcd.bin" --source "$tree" --name numa_case
	expect_rc 0 "regress add"
	local reg="$tree/tests/regressions/numa_case.trace"
	check "regress add wrote tests/regressions/numa_case.trace" [ -f "$reg" ]
	check "its header names the signature" grep -q "^# regression: " "$reg"
	check "its header has the date" grep -Eq "^# added [0-9]{4}-[0-9]{2}-[0-9]{2} " "$reg"
	run encode "$reg" -o "$TMP/reg.bin"
	expect_rc 0 "the regression trace parses"
	run decode --kind numa "$TMP/reg.bin"
	expect_out "^system nodes=2" "the regression kept the numa kind (guessed from the crash path)"
	run replay "$reg"
	expect_rc 0 "the regression trace replays"
	run regress add "$tree/build/fuzz-out/fuzz_numa/crashes/0123abcd.bin" --source "$tree" --name numa_case
	expect_rc 2 "regress add does not overwrite"
	run regress add "$tree/build/fuzz-out/fuzz_numa/crashes/0123abcd.bin" --source "$tree"
	expect_rc 0 "regress add names the file itself"
	check "... from the signature" [ "$(ls "$tree/tests/regressions" | wc -l)" -eq 2 ]
	run regress add "$TMP/t/small.trace" --source "$tree" --name 'bad/name'
	expect_rc 2 "regress add rejects a bad name"
	mkdir -p "$tree/build/fuzz-out/fuzz_trace_parser/crashes"
	printf 'system nodes=1\nalloc_pages \x01\n' >"$tree/build/fuzz-out/fuzz_trace_parser/crashes/beef.bin"
	run regress add "$tree/build/fuzz-out/fuzz_trace_parser/crashes/beef.bin" --source "$tree" --name p1
	expect_rc 0 "regress add of a parser crash"
	check "... goes to corpus/fuzz_trace_parser/" [ -f "$tree/corpus/fuzz_trace_parser/regress-p1" ]
}

fuzz_tests() {
	local out="$TMP/fuzz-out"
	if ! "$KMM" fuzz --dry-run --out "$out" fuzz_pages >"$TMP/dry" 2>&1; then
		echo "KMM-SKIP: no libFuzzer build of fuzz_pages ($(head -1 "$TMP/dry"));" \
			"build the 'fuzz' preset to run this test"
		exit 77
	fi
	ok "kmm fuzz --dry-run finds the libFuzzer binary"
	grep -q -- "-max_total_time=" "$TMP/dry" && ok "the dry run shows the libFuzzer command" ||
		bad "the dry run shows the libFuzzer command"

	local seeds_before seeds_after
	seeds_before=$(find "$SRC/corpus/fuzz_pages" -type f 2>/dev/null | sort | xargs -r sha1sum)
	run fuzz --time 5 --out "$out" fuzz_pages
	if [ "$RC" -eq 0 ] || [ "$RC" -eq 1 ]; then ok "kmm fuzz --time 5 fuzz_pages ran (exit $RC)"; else
		bad "kmm fuzz --time 5 fuzz_pages: exit $RC"
		tail -5 "$TMP/err" | sed 's/^/    /'
	fi
	[ "$RC" -eq 1 ] && echo "    (crashes found: a real bug, see $out)" && sed 's/^/    /' "$TMP/out"
	expect_out "^fuzz_pages +libfuzzer +[0-9]+s +[0-9.]+[kMG]? " "summary table row for fuzz_pages"
	local execs
	execs=$(awk '/^summary/ { s = 1 } s && $1 == "fuzz_pages" && $2 == "libfuzzer" { print $4 }' "$TMP/out")
	check "the fuzzer executed inputs ($execs)" [ -n "$execs" ] && [ "$execs" != "0" ]
	check "live progress lines on stderr" grep -q "fuzz_pages .*execs .*corpus" "$TMP/err"
	check "working corpus written under --out" [ -d "$out/fuzz_pages/corpus" ]
	check "engine log kept" [ -s "$out/fuzz_pages/libfuzzer.log" ]
	seeds_after=$(find "$SRC/corpus/fuzz_pages" -type f 2>/dev/null | sort | xargs -r sha1sum)
	check "the shipped corpus stays untouched" [ "$seeds_before" = "$seeds_after" ]

	# ^C in the middle: engines stop, the summary still comes.
	"$KMM" fuzz --time 120 --out "$out" fuzz_pages >"$TMP/int.out" 2>"$TMP/int.err" &
	local pid=$! t0=$SECONDS
	sleep 4
	kill -INT "$pid"
	wait "$pid"
	local rc=$?
	check "SIGINT ends kmm fuzz quickly ($((SECONDS - t0)) s)" [ $((SECONDS - t0)) -lt 40 ]
	check "SIGINT still prints the summary (exit $rc)" grep -q "^summary (interrupted)" "$TMP/int.out"
	# (the [-] keeps the pattern from matching this shell's own command line)
	if command -v pgrep >/dev/null; then
		check "no engine left behind" bash -c "! pgrep -f -- '[-]artifact_prefix=$out/' >/dev/null"
	fi

	if "$KMM" fuzz --dry-run --engine afl --out "$out" fuzz_pages >/dev/null 2>&1; then
		run fuzz --time 5 --engine afl --out "$out" fuzz_pages
		if [ "$RC" -eq 0 ] || [ "$RC" -eq 1 ]; then ok "kmm fuzz --engine afl (exit $RC)"; else
			bad "kmm fuzz --engine afl: exit $RC"
			tail -5 "$TMP/err" | sed 's/^/    /'
		fi
		expect_out "^fuzz_pages +afl " "summary row for AFL++"
	else
		echo "# AFL++ build or afl-fuzz not found: AFL++ smoke skipped"
	fi
}

triage_tests() {
	local fb="$TMP/fakebuild/bin" out="$TMP/triage-out"
	mkdir -p "$fb"
	# kmm only takes a binary that carries libFuzzer's flag table; this
	# script names max_total_time in its comment to pass for one.
	cat >"$fb/fuzz_pages" <<'FAKE'
#!/usr/bin/env bash
# Scripted stand-in for a libFuzzer binary (flags: -max_total_time= ...).
art= min= exact= last= total=5
for a in "$@"; do
	case $a in
	-artifact_prefix=*) art=${a#*=} ;;
	-minimize_crash=1) min=1 ;;
	-exact_artifact_path=*) exact=${a#*=} ;;
	-max_total_time=*) total=${a#*=} ;;
	-*) ;;
	*) last=$a ;;
	esac
done
report() {
	echo "=================================================================" >&2
	echo "==4242==ERROR: AddressSanitizer: heap-buffer-overflow on address 0x602000000011 at pc 0x55d0 bp 0x7ff sp 0x7fe" >&2
	echo "READ of size 1 at 0x602000000011 thread T0" >&2
	echo "    #0 0x55d0aa in __asan_memcpy (/x/fuzz_pages+0x1)" >&2
	echo "    #1 0x55d0ab in kmm_fake_overflow /src/allocators/page/fake.c:12:3" >&2
	echo "    #2 0x55d0ac in LLVMFuzzerTestOneInput /src/fuzz/fuzz_pages.c:40:7" >&2
}
if [ -n "$min" ]; then            # -minimize_crash=1: keep the first 4 bytes
	head -c 4 "$last" >"$exact"
	echo "CRASH_MIN: failed to minimize beyond $exact (4 bytes), exiting"
	exit 0
fi
if [ -f "$last" ]; then           # run one input
	if grep -q ASAN "$last"; then report; exit 1; fi
	exit 0
fi
state="${art}state"
if [ ! -e "$state" ]; then        # first run: two crashes, one bug
	touch "$state"
	echo "#2	INITED cov: 10 ft: 12 corp: 1/1b exec/s: 0 rss: 30Mb" >&2
	echo "#1024	pulse  cov: 20 ft: 30 corp: 3/10b lim: 4 exec/s: 1024 rss: 31Mb" >&2
	printf 'ASAN-one' >"${art}crash-0001"
	printf 'ASAN-two-longer' >"${art}crash-0002"
	report
	echo "artifact_prefix='$art'; Test unit written to ${art}crash-0002" >&2
	echo "stat::number_of_executed_units: 2048" >&2
	exit 1
fi
echo "#2	INITED cov: 20 ft: 30 corp: 3/10b exec/s: 0 rss: 30Mb" >&2
echo "#500	NEW    cov: 25 ft: 41 corp: 4/14b lim: 4 exec/s: 500 rss: 31Mb L: 4/4 MS: 1 ChangeByte-" >&2
sleep "$total"
echo "Done 500 runs in $total second(s)" >&2
echo "stat::number_of_executed_units: 500" >&2
exit 0
FAKE
	chmod +x "$fb/fuzz_pages"
	run fuzz --time 4 --minimize-time 5 --build-dir "$TMP/fakebuild" --out "$out" fuzz_pages
	expect_rc 1 "kmm fuzz exits 1 when crashes were found"
	expect_out "fuzz_pages \[libfuzzer\]: 2 findings to triage" "both findings triaged"
	expect_out "^  AddressSanitizer: heap-buffer-overflow in kmm_fake_overflow$" \
		"signature from the sanitizer report (no addresses, first own frame)"
	expect_out "1 more finding with a signature already seen" "the second finding deduped"
	expect_out "minimised by libFuzzer -minimize_crash from 8 bytes" "minimised by the engine's minimiser"
	expect_out "^fuzz_pages +libfuzzer .* 2548 .* cov 25 ft 41 .* 2 +1$" \
		"summary: execs across the restart, coverage, 2 crashes, 1 unique"
	check "the run was restarted after the crash" grep -q "restarting after a finding" \
		"$out/fuzz_pages/libfuzzer.log"
	local base
	base=$(ls "$out"/fuzz_pages/crashes/*.bin 2>/dev/null | head -1)
	base=${base%.bin}
	check "crash saved as <sig-hash>.bin" [ -n "$base" ] && [ -f "$base.bin" ]
	check "... minimised to 4 bytes" [ "$(wc -c <"$base.bin" 2>/dev/null)" = 4 ]
	check "... decoded to .trace" grep -q "^# crash: AddressSanitizer" "$base.trace"
	check "... with a report .txt" grep -q \
		"^signature: AddressSanitizer: heap-buffer-overflow in kmm_fake_overflow" "$base.txt"
	expect_out "kmm regress add $base.bin" "the regress add command is printed"
	run replay "$base.trace"
	expect_rc 0 "the decoded .trace parses and replays"
	local tree="$TMP/rtree"
	mkdir -p "$tree/tests"
	run regress add "$base.bin" --source "$tree"
	expect_rc 0 "regress add of the triaged crash"
	check "... takes the signature from the .txt beside it" grep -q \
		"^# regression: AddressSanitizer: heap-buffer-overflow" "$tree"/tests/regressions/*.trace
	# The same crash found again is known, not saved twice.
	rm -f "$out/fuzz_pages/artifacts/state"
	run fuzz --time 2 --minimize-time 5 --build-dir "$TMP/fakebuild" --out "$out" fuzz_pages
	expect_out "known: saved by an earlier run" "a signature saved earlier is reported as known"
	check "... and not saved twice" [ "$(ls "$out"/fuzz_pages/crashes/*.bin | wc -l)" -eq 1 ]

	# The queue: at most --parallel engines at once, each for its whole budget.
	local sb="$TMP/schedbuild/bin" log="$TMP/sched.log"
	mkdir -p "$sb"
	cat >"$sb/fuzz_pages" <<'FAKE'
#!/usr/bin/env bash
# Stand-in for a libFuzzer binary (flags: -max_total_time= ...) that logs when it runs.
total=1
for a in "$@"; do case $a in -max_total_time=*) total=${a#*=} ;; esac; done
echo "start $(basename "$0") $(date +%s%N)" >>"$KMM_SCHED_LOG"
sleep "$total"
echo "end $(basename "$0") $(date +%s%N)" >>"$KMM_SCHED_LOG"
echo "stat::number_of_executed_units: 10" >&2
FAKE
	chmod +x "$sb/fuzz_pages"
	cp "$sb/fuzz_pages" "$sb/fuzz_numa"
	# 1 when the two runs overlapped in time, 0 when one ran after the other
	overlapped() {
		awk '$1 == "start" { s[$2] = $3 } $1 == "end" { e[$2] = $3 }
			END { print (s["fuzz_numa"] < e["fuzz_pages"] && s["fuzz_pages"] < e["fuzz_numa"]) ? 1 : 0 }' "$log"
	}
	export KMM_SCHED_LOG="$log"
	rm -f "$log"
	run fuzz --time 1 --parallel 1 --minimize-time 0 --build-dir "$TMP/schedbuild" \
		--out "$TMP/sched-out" fuzz_pages fuzz_numa
	expect_rc 0 "two runs, --parallel 1"
	expect_out "2 runs for 1 s each .*1 at a time" "the plan is printed"
	check "--parallel 1: one run after the other" [ "$(overlapped)" = 0 ]
	check "... both ran" [ "$(grep -c '^end' "$log")" = 2 ]
	rm -f "$log"
	run fuzz --time 1 --parallel 2 --minimize-time 0 --build-dir "$TMP/schedbuild" \
		--out "$TMP/sched-out" fuzz_pages fuzz_numa
	expect_rc 0 "two runs, --parallel 2"
	check "--parallel 2: side by side" [ "$(overlapped)" = 1 ]
	run fuzz --time 1 --parallel 0 fuzz_pages
	expect_rc 2 "--parallel 0 is refused"
	# ^C while a run waits: it never starts, and the summary says so.
	rm -f "$log"
	"$KMM" fuzz --time 30 --parallel 1 --minimize-time 0 --build-dir "$TMP/schedbuild" \
		--out "$TMP/sched-out" fuzz_pages fuzz_numa >"$TMP/q.out" 2>"$TMP/q.err" &
	local qpid=$!
	sleep 2
	kill -INT "$qpid"
	wait "$qpid"
	check "^C: the summary comes" grep -q "^summary (interrupted)" "$TMP/q.out"
	check "... the queued run is marked not run" grep -q "^fuzz_numa .*not run (interrupted)" "$TMP/q.out"
	check "... and never started" bash -c "! grep -q 'start fuzz_numa' '$log'"
}

case "$MODE" in
basic) basic_tests ;;
fuzz) fuzz_tests ;;
triage) triage_tests ;;
*)
	echo "test_cli: unknown mode '$MODE' (basic, fuzz or triage)" >&2
	exit 2
	;;
esac

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
