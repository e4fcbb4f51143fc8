#!/bin/sh
# run-corpus.sh - the planted-bug corpus: small C programs with one heap
# bug each, run on the C library's malloc replaced by libukmem-malloc.so
# (LD_PRELOAD) with the debugging option that finds the bug in
# UKMEM_OPTIONS, each checked for the exact report ukmem prints.  This is
# issue 10's "any program" promise: the programs know nothing of ukmem.
#
#   usage: run-corpus.sh /path/to/libukmem-malloc.so /dir/with/bug_programs
#
# Each case runs its program once with its options and checks
#   - the exit status (the program goes on after the report: 0, unless the
#     case says otherwise);
#   - that every expected line is in its stderr (a regular expression that
#     must match a whole line; "=N regex": exactly N such lines);
#   - that every report title it printed (a line starting with "BUG") is
#     one of the expected ones: no other report, spurious or not;
# and, where the report needs the option, once more without any option,
# to show the report comes from the option and not from chance: no report
# title, FIX, KFENCE or kmemleak line then, and the control exit status.
#
# The cases (program, options: what it checks):
#   overflow-right-64  bug_overflow_right 64, slub_debug=Z: a byte past
#       malloc(64), "Right Redzone overwritten" in kmalloc-64 and the FIX;
#   overflow-right-48  bug_overflow_right 48, slub_debug=Z: the same in
#       malloc-48, a size class of the malloc front's own;
#   overflow-left      bug_overflow_left, slub_debug=Z: p[-1] written,
#       "Left Redzone overwritten";
#   use-after-free     bug_use_after_free, slub_debug=P: a write to a freed
#       block, "Poison overwritten" when the block is handed out again;
#   double-free        bug_double_free, no option: "Object already free",
#       the block not freed twice (always on);
#   double-free-user   bug_double_free, slub_debug=FZPU: the same report
#       with "Allocated in make_block" and "Freed in first_free", and the
#       second free in the call trace;
#   free-interior      bug_free_interior, no option: free(p + 8) refused,
#       "Invalid object pointer";
#   free-foreign       bug_free_foreign, no option: free() of a global and
#       of a local, two "not a pointer ukmem returned" lines;
#   freelist-corrupt   bug_freelist_corrupt, no option and slub_debug=Z:
#       the freelist-poisoning attack stopped with "Freechain corrupt",
#       and no allocation returns the forged address (exit status 2 if
#       one does);
#   leak               bug_leak, kmemleak=on: malloc(100) leaked, reported
#       at exit once as "unreferenced object ... (size 112)" (the size of
#       its class, as the kernel reports a kmalloc cache's object size)
#       with the kernel's comm, hex dump (the block's bytes) and backtrace
#       lines, leak_block in the backtrace; nothing about the block a
#       global still points to, nor anything else (one leak in all);
#   kfence-oob         bug_kfence, kfence.sample_interval=1: a read past a
#       sampled block, "BUG: KFENCE: out-of-bounds read in read_past" with
#       the object's line, and the program exits 0; without the option it
#       finds no sample (exit status 3) and nothing is reported;
#   init-on-free       bug_init_on_free, init_on_free=1: a freed block of
#       0xaa bytes reads zero but for its free pointer, and reads zero when
#       allocated again; without the option the bytes survive (exit 1);
#   init-on-alloc      bug_init_on_free alloc, init_on_alloc=1: the block
#       allocated again reads zero; without the option it does not.
#
# The log goes to stderr (UKMEM_LOG and any UKMEM_OPTIONS of the caller
# are dropped).  Prints one line per case, "ok" or "FAIL" with the reason
# and the program's output; exit status 0 if every case passed, else 1.
# KEEP_TMP=1 keeps the outputs.

set -u

lib=${1:?usage: run-corpus.sh /path/to/libukmem-malloc.so /dir/with/bug_programs}
bin=${2:?usage: run-corpus.sh /path/to/libukmem-malloc.so /dir/with/bug_programs}
case $lib in /*) ;; *) lib=$(pwd)/$lib ;; esac
if [ ! -f "$lib" ]; then
	echo "run-corpus: no such library: $lib" >&2
	exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ukmem-corpus.XXXXXX") || exit 1
cleanup() { [ -n "${KEEP_TMP:-}" ] || rm -rf "$tmp"; }
trap cleanup EXIT
trap 'exit 1' INT TERM

unset UKMEM_LOG UKMEM_OPTIONS
failed=0
# Any line that only a debugging tool prints.
report_re='^(BUG|FIX |=+$|kmemleak:)'
# A hexadecimal address as ukmem prints %p.
a='0x[0-9a-f]+'
# sym+0xoff/0xsize, the kernel's %pS.
s='\+0x[0-9a-f]+/0x[0-9a-f]+'

# run out options program args...: the program with the library preloaded
# and UKMEM_OPTIONS=options (none if empty), stderr and stdout to out;
# sets rc.  A program that hangs is stopped after 20 seconds.
run() {
	run_out=$1 run_opts=$2
	shift 2
	if [ -n "$run_opts" ]; then
		env LD_PRELOAD="$lib" UKMEM_OPTIONS="$run_opts" timeout 20 "$@" >"$run_out" 2>&1
	else
		env LD_PRELOAD="$lib" timeout 20 "$@" >"$run_out" 2>&1
	fi
	rc=$?
}

# check_output out: every line of $expect found (=N: exactly N times), and
# every line starting with BUG matches one of them.  Sets why on failure.
check_output() {
	out=$1
	printf '%s\n' "$expect" >"$tmp/expect"
	while IFS= read -r line; do
		[ -n "$line" ] || continue
		want=
		case $line in
		=[0-9]*\ *)
			want=${line%% *}
			want=${want#=}
			line=${line#* }
			;;
		esac
		n=$(grep -Ec -- "^($line)\$" "$out")
		if [ -n "$want" ] && [ "$n" != "$want" ]; then
			why="$n lines (not $want) match: $line"
			return 1
		elif [ -z "$want" ] && [ "$n" = 0 ]; then
			why="no line matches: $line"
			return 1
		fi
	done <"$tmp/expect"
	sed -n 's/^=[0-9]* //; p' "$tmp/expect" | grep -v '^$' | sed 's/.*/^(&)$/' >"$tmp/expect.re"
	other=$(grep '^BUG' "$out" | grep -Ev -f "$tmp/expect.re" | head -n 1)
	if [ -n "$other" ]; then
		why="unexpected report: $other"
		return 1
	fi
	return 0
}

fail() {
	printf 'FAIL %-18s %s: %s\n' "$name" "${opts:-(no options)}" "$why"
	head -n 60 "$1" | sed 's/^/    | /'
	failed=1
}

# case name options status control_status program args...: one case, with
# the lines of $expect.  control_status "-": no run without the options.
case_() {
	name=$1 opts=$2 status=$3 control=$4
	shift 4
	prog=$bin/$1
	shift
	if [ ! -x "$prog" ]; then
		why="no program $prog"
		printf 'FAIL %-18s %s\n' "$name" "$why"
		failed=1
		return
	fi
	run "$tmp/$name.out" "$opts" "$prog" "$@"
	if [ "$rc" != "$status" ]; then
		why="exit status $rc, expected $status"
		fail "$tmp/$name.out"
		return
	fi
	if ! check_output "$tmp/$name.out"; then
		fail "$tmp/$name.out"
		return
	fi
	if [ "$control" != - ]; then
		run "$tmp/$name.control" "" "$prog" "$@"
		if [ "$rc" != "$control" ]; then
			why="without the options: exit status $rc, expected $control"
			fail "$tmp/$name.control"
			return
		fi
		if grep -Eq "$report_re" "$tmp/$name.control"; then
			why="without the options: a report all the same"
			fail "$tmp/$name.control"
			return
		fi
	fi
	printf 'ok   %-18s %s\n' "$name" "${opts:-(no options)}"
}

# ---- red zones ---------------------------------------------------------------

expect="BUG kmalloc-64 \(Not tainted\): Right Redzone overwritten
$a-$a @offset=[0-9]+\. First byte 0x78 instead of 0xcc
FIX kmalloc-64: Restoring Right Redzone $a-$a=0xcc"
case_ overflow-right-64 slub_debug=Z 0 0 bug_overflow_right 64

expect="BUG malloc-48 \(Not tainted\): Right Redzone overwritten
$a-$a @offset=[0-9]+\. First byte 0x78 instead of 0xcc
FIX malloc-48: Restoring Right Redzone $a-$a=0xcc"
case_ overflow-right-48 slub_debug=Z 0 0 bug_overflow_right 48

expect="BUG kmalloc-64 \(Not tainted\): Left Redzone overwritten
$a-$a @offset=[0-9]+\. First byte 0x78 instead of 0xcc
FIX kmalloc-64: Restoring Left Redzone $a-$a=0xcc"
case_ overflow-left slub_debug=Z 0 0 bug_overflow_left

# ---- poison ------------------------------------------------------------------

expect="BUG kmalloc-64 \(Not tainted\): Poison overwritten
$a-$a @offset=[0-9]+\. First byte 0x78 instead of 0x6b
FIX kmalloc-64: Restoring Poison $a-$a=0x6b"
case_ use-after-free slub_debug=P 0 0 bug_use_after_free

# ---- bad frees ---------------------------------------------------------------

expect="=1 BUG kmalloc-64 \(Not tainted\): Object already free
FIX kmalloc-64: Object at $a not freed"
case_ double-free "" 0 - bug_double_free

expect="=1 BUG kmalloc-64 \(Not tainted\): Object already free
Allocated in make_block$s age=[0-9]{1,9} cpu=[0-9]+ pid=[0-9]+
Freed in first_free$s age=[0-9]{1,9} cpu=[0-9]+ pid=[0-9]+
 second_free$s
FIX kmalloc-64: Object at $a not freed"
case_ double-free-user slub_debug=FZPU 0 - bug_double_free

expect="=1 BUG kmalloc-64 \(Not tainted\): Invalid object pointer $a
FIX kmalloc-64: Object at $a not freed"
case_ free-interior "" 0 - bug_free_interior

expect="=2 BUG: free\($a\): not a pointer ukmem returned"
case_ free-foreign "" 0 - bug_free_foreign

# ---- the hardened freelist -----------------------------------------------------

expect="=1 BUG kmalloc-64 \(Not tainted\): Freechain corrupt
FIX kmalloc-64: Isolate corrupted freechain"
case_ freelist-corrupt "" 0 - bug_freelist_corrupt
case_ freelist-corrupt-z slub_debug=Z 0 - bug_freelist_corrupt

# ---- kmemleak ---------------------------------------------------------------------

expect="=1 kmemleak: unreferenced object $a \(size 112\):
kmemleak:   comm \"bug_leak\", pid [0-9]+, jiffies [0-9]+
kmemleak:   hex dump \(first 32 bytes\):
kmemleak:     (4c ){16} L{16}
kmemleak:   backtrace \(crc [0-9a-f]+\):
kmemleak:     \[<[0-9a-f]+>\] leak_block$s
=0 kmemleak: unreferenced object $a \(size 224\):
kmemleak: 1 new suspected memory leaks \(see /sys/kernel/debug/kmemleak\)"
case_ leak kmemleak=on 0 0 bug_leak

# ---- KFENCE -----------------------------------------------------------------------

expect="=1 BUG: KFENCE: out-of-bounds read in read_past$s
Out-of-bounds read at $a \((32B right|1B left) of kfence-#[0-9]+\):
kfence-#[0-9]+: $a-$a, size=32, cache=kmalloc-32"
case_ kfence-oob kfence.sample_interval=1 0 3 bug_kfence 2000

# ---- memory initialisation ------------------------------------------------------------

expect=
case_ init-on-free init_on_free=1 0 1 bug_init_on_free
case_ init-on-alloc init_on_alloc=1 0 1 bug_init_on_free alloc

exit "$failed"
