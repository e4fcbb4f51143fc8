#!/bin/sh
# run-page-bench.sh - build page_bench (Release, into build-bench/), run it,
# then count the instructions of one order-0 alloc_pages + __free_pages pair
# with callgrind.
#
# usage: bench/run-page-bench.sh [page_bench options, e.g. --quick --mem=2G]
#   PAIRS=N       pairs counted under callgrind (default 100000)
#   NO_CALLGRIND=1  skip the callgrind count
#
# Figures are not pass/fail: compare them with bench/RESULTS.md.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-bench"
bin="$build/bench/page_bench"
pairs=${PAIRS:-100000}

cd "$root"
mkdir -p "$build"
log="$build/build.log"
if cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DUKMEM_BUILD_TESTS=OFF >"$log" 2>&1 &&
   cmake --build "$build" -j2 --target page_bench >>"$log" 2>&1; then
	:
else
	# The tree is shared while it is written: when another layer does not
	# build yet, build the page allocator and the bench by hand.
	echo "cmake build failed (see $log); building page_bench by hand" >&2
	mkdir -p "$build/bench"
	gcc -std=gnu11 -O2 -Iinclude -Isrc bench/page_bench.c src/page/*.c src/init/*.c \
	    src/lib/*.c src/platform/hosted.c -lpthread -o "$bin"
fi

echo "\$ $bin $*"
"$bin" "$@"

if [ "${NO_CALLGRIND:-0}" = 1 ]; then
	exit 0
fi
if ! command -v valgrind >/dev/null 2>&1; then
	echo "valgrind not found: no instruction count" >&2
	exit 0
fi

out="$build/callgrind.out.page_bench"
echo
echo "Instructions per order-0 pair (callgrind, only inside bench_order0_pairs)"
echo "\$ valgrind --tool=callgrind --toggle-collect=bench_order0_pairs $bin --mem=256M --callgrind=$pairs"
valgrind --tool=callgrind --toggle-collect=bench_order0_pairs \
	--callgrind-out-file="$out" "$bin" --mem=256M --callgrind="$pairs" 2>"$out.log"
ir=$(sed -n 's/^\(summary\|totals\): *\([0-9]*\).*/\2/p' "$out" | head -n 1)
if [ -z "$ir" ]; then
	echo "no instruction total in $out (valgrind said: $(tail -n 3 "$out.log"))" >&2
	exit 1
fi
awk -v ir="$ir" -v n="$pairs" 'BEGIN {
	printf "   %d pairs: %d instructions (Ir), %.1f per pair\n", n, ir, ir / n }'
echo "   where they go (exclusive Ir per function, top 10):"
callgrind_annotate "$out" 2>/dev/null |
	awk '/file:function/ { f = 1; getline; next } f && NF' | head -n 10 | sed 's/^/   /'
if grep -q sched_getcpu "$out"; then
	echo "   (valgrind does not register rseq for glibc, so ukmem_plat_cpu() takes its"
	echo "   sched_getcpu() fallback here: a native run does not execute those instructions)"
fi
