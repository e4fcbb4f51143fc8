#!/bin/sh
# callgrind-fastpath.sh - instructions per fast-path operation, counted by
# valgrind --tool=callgrind:
#   - ukmem's slab layer: kmalloc(64)/kfree, kmalloc(n = 64)/kfree and
#     kmem_cache_alloc/kmem_cache_free pairs (bench/kmalloc_bench.c,
#     --callgrind=MODE; target: under 25 instructions per kmalloc pair);
#   - malloc(64)/free pairs through alloc_bench --callgrind under glibc,
#     jemalloc, tcmalloc, mimalloc and libukmem-malloc.so.
#
# usage: bench/callgrind-fastpath.sh      (PAIRS=N: pairs counted, default 100000)
#
# How: each program runs 1000 warm-up pairs, then PAIRS pairs inside one
# noinline function; --toggle-collect=FUNCTION counts only while that
# function runs, so start-up, warm-up and exit are left out.  The figure is
# the total Ir divided by PAIRS: it includes the loop's own instructions
# (9 to 11 per pair: the counter, the calls, the PLT jumps and, for
# kmalloc(64), the inline lookup of the cache); "self" rows show where they go.
#
# Preloaded allocators under valgrind: only Memcheck-like tools (memcheck,
# helgrind, drd, massif, dhat) replace malloc with valgrind's own, and they
# do it in libc and in the main program ("somalloc" names libc.so*); a
# preloaded library's malloc is replaced only if named with
# --soname-synonyms=somalloc=PATTERN.  Callgrind replaces nothing, so
# LD_PRELOAD=LIB valgrind --tool=callgrind ... counts LIB's own malloc and
# free, and no --soname-synonyms option is needed (checked: the self rows
# below name each library's functions).
#
# ukmem under valgrind: valgrind does not support rseq, so glibc registers
# no rseq area and ukmem_plat_cpu() falls back to sched_getcpu() (through
# the vDSO, or getcpu(2) under valgrind).  The slab fast path (sheaves)
# never reads the CPU id; the page allocator's per-CPU lists do, so any
# figure whose self rows show sched_getcpu counts a cost a native run does
# not have: the script says so where it appears.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-bench"
out="$build/callgrind"
pairs=${PAIRS:-100000}
libdir=/usr/lib/x86_64-linux-gnu

cd "$root"
mkdir -p "$out"
if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind not found (apt-get install valgrind)" >&2
	exit 1
fi

# The tree is shared while it is written: when something does not build at
# this moment, the program built before is used, and the note says so.
log="$out/build.log"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DUKMEM_BUILD_TESTS=OFF >"$log" 2>&1
for t in alloc_bench kmalloc_bench ukmem_malloc; do
	if ! cmake --build "$build" -j2 --target "$t" >>"$log" 2>&1; then
		echo "NOTE: $t does not build now (see $log): using the one built before, if any"
	fi
done
ukmem_lib=$(find "$build" -maxdepth 1 -name 'libukmem-malloc.so' | head -n 1)

# count NAME FUNCTION PRELOAD COMMAND...: run COMMAND under callgrind with
# PRELOAD (may be empty) and print Ir per pair and the top self rows.
count() {
	name=$1 fn=$2 pre=$3
	shift 3
	f="$out/callgrind.out.$name"
	echo "\$ ${pre:+LD_PRELOAD=$pre }valgrind --tool=callgrind --toggle-collect=$fn $*"
	if ! env ${pre:+LD_PRELOAD="$pre"} UKMEM_OPTIONS="${UKMEM_OPTIONS:-mem=256M}" \
		valgrind --tool=callgrind --toggle-collect="$fn" --callgrind-out-file="$f" \
		"$@" >"$f.stdout" 2>"$f.log"; then
		echo "   failed: $(tail -n 3 "$f.log")"
		return 0
	fi
	ir=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$f" | head -n 1)
	if [ -z "$ir" ]; then
		echo "   no instruction total in $f"
		return 0
	fi
	awk -v ir="$ir" -v n="$pairs" -v name="$name" 'BEGIN {
		printf "   %-22s %6.1f instructions per pair (%d Ir / %d pairs)\n", name, ir / n, ir, n }'
	echo "$name $ir $pairs" >>"$out/summary.txt"
	callgrind_annotate --auto=no "$f" 2>/dev/null >"$f.txt"
	awk -v n="$pairs" '/file:function/ { f = 1; getline; next }
		f && !NF { exit }
		f { v = $1; gsub(",", "", v); sub(/^ *[0-9,]+ *\( *[0-9.]+%\) */, "");
		    if (v / n >= 0.05) printf "      %6.1f  %s\n", v / n, $0 }' "$f.txt" | head -n 10
	awk -v n="$pairs" '/sched_getcpu/ { v = $1; gsub(",", "", v); s += v }
		END { if (s / n >= 0.05) printf "      (%.1f of them in sched_getcpu(): valgrind has no rseq;" \
			" a native run reads the CPU id from memory)\n", s / n
		      else if (s > 0) printf "      (sched_getcpu(): %d instructions in all, slow paths only)\n", s }' "$f.txt"
}

: >"$out/summary.txt"
kb="$build/bench/kmalloc_bench"
ab="$build/bench/alloc_bench"
echo "callgrind, $pairs pairs after 1000 warm-up pairs; per pair: total, then self per function"
echo
echo "ukmem slab layer (kmalloc_bench, linked with libukmem.a):"
count kmalloc bench_kmalloc_pairs "" "$kb" --mem=256M --callgrind=kmalloc "$pairs"
count kmalloc-var bench_kmalloc_var_pairs "" "$kb" --mem=256M --callgrind=kmalloc-var "$pairs"
count kmem_cache bench_cache_pairs "" "$kb" --mem=256M --callgrind=cache "$pairs"
echo
echo "malloc(64) + free (alloc_bench --callgrind):"
count glibc bench_malloc_pairs "" "$ab" --callgrind "$pairs"
count jemalloc bench_malloc_pairs "$libdir/libjemalloc.so.2" "$ab" --callgrind "$pairs"
count tcmalloc bench_malloc_pairs "$libdir/libtcmalloc_minimal.so.4" "$ab" --callgrind "$pairs"
count mimalloc bench_malloc_pairs "$libdir/libmimalloc.so.2" "$ab" --callgrind "$pairs"
if [ -n "$ukmem_lib" ]; then
	count ukmem bench_malloc_pairs "$ukmem_lib" "$ab" --callgrind "$pairs"
else
	echo "   ukmem: libukmem-malloc.so (target ukmem_malloc) not built yet: not counted"
fi
echo
echo "(each figure includes the calling loop, 9-11 instructions per pair: see the"
echo " bench_*_pairs self row; callgrind files in $out)"
