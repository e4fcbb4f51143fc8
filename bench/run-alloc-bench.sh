#!/bin/sh
# run-alloc-bench.sh - run the malloc workloads of bench/alloc_bench.c on
# glibc, jemalloc, tcmalloc, mimalloc and ukmem (libukmem-malloc.so under
# LD_PRELOAD), print time and peak RSS per workload and allocator with the
# ratio to ukmem, then run bench/kmalloc_bench.c.
#
# usage: bench/run-alloc-bench.sh
#   RUNS=N          runs of each workload under each allocator (default 3; the
#                   table shows the median)
#   SCALE=X         multiply every workload's work by X (default 1)
#   ALLOCS="..."    allocators to run (default: glibc jemalloc tcmalloc
#                   mimalloc ukmem)
#   WORKLOADS="..." workloads to run (default: all, see alloc_bench --list)
#   NO_INSTALL=1    do not apt-get the peers that are missing
#   NO_KMALLOC=1    skip kmalloc_bench
#   UKMEM_OPTIONS   passed through to libukmem-malloc.so (its boot options)
#
# Builds into build-bench/ (CMake Release).  If the target ukmem_malloc
# does not exist or does not build, the peers still run, ukmem's column says
# so, and the ratios are to glibc instead.  Runs go round-robin (run 1 of
# every workload on every allocator, then run 2, ...), so a burst of load
# from other programs is shared out instead of landing on one allocator.
# One run is killed after 120 s.  With the defaults the whole script takes
# 2.5 to 4.5 minutes on the 2-core machine of bench/RESULTS.md (17
# workloads, each run 0.1 to 2 s).
#
# Targets for ukmem, marked in the last column: faster than glibc on every
# workload; within 1.25x of mimalloc's time on every workload and a
# geometric mean of times at or below mimalloc's; peak RSS at most 1.1x
# mimalloc's.  Figures are not pass/fail: compare them with RESULTS.md.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build="$root/build-bench"
bench="$build/bench/alloc_bench"
kbench="$build/bench/kmalloc_bench"
out="$build/alloc-bench"
runs=${RUNS:-3}
scale=${SCALE:-1}
allocs=${ALLOCS:-glibc jemalloc tcmalloc mimalloc ukmem}
libdir=/usr/lib/x86_64-linux-gnu

cd "$root"
mkdir -p "$out"

# ---- build -----------------------------------------------------------------

log="$out/build.log"
echo "\$ cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DUKMEM_BUILD_TESTS=OFF"
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release -DUKMEM_BUILD_TESTS=OFF >"$log" 2>&1 ||
	{ echo "cmake configure failed, see $log" >&2; exit 1; }
echo "\$ cmake --build build-bench -j2 --target alloc_bench kmalloc_bench"
if ! cmake --build "$build" -j2 --target alloc_bench >>"$log" 2>&1; then
	echo "alloc_bench does not build, see $log" >&2
	exit 1
fi
# The tree is shared while it is written: when ukmem does not build at this
# moment, a program built before is used, and the note says from when.
have_kbench=1
if ! cmake --build "$build" -j2 --target kmalloc_bench >>"$log" 2>&1; then
	if [ -x "$kbench" ]; then
		echo "NOTE: kmalloc_bench does not build now (see $log): using the one built" \
			"$(date -r "$kbench")"
	else
		have_kbench=0
		echo "NOTE: kmalloc_bench does not build (see $log): skipped"
	fi
fi
echo "\$ cmake --build build-bench -j2 --target ukmem_malloc"
built=1
cmake --build "$build" -j2 --target ukmem_malloc >>"$log" 2>&1 || built=0
ukmem_lib=$(find "$build" -maxdepth 1 -name 'libukmem-malloc.so' | head -n 1)
if [ "$built" = 0 ]; then
	if [ -n "$ukmem_lib" ]; then
		echo "NOTE: ukmem_malloc does not build now (see $log): using the" \
			"libukmem-malloc.so built $(date -r "$ukmem_lib")"
	else
		echo "NOTE: target ukmem_malloc does not exist or does not build yet (see $log):"
		echo "      ukmem is left out and the ratios are to glibc."
	fi
fi

# ---- the peers -------------------------------------------------------------

# allocator name -> library to preload ("" for glibc, "-" if missing)
lib_of() {
	case $1 in
	glibc) echo "" ;;
	jemalloc) echo "$libdir/libjemalloc.so.2" ;;
	tcmalloc) echo "$libdir/libtcmalloc_minimal.so.4" ;;
	mimalloc) echo "$libdir/libmimalloc.so.2" ;;
	ukmem) echo "${ukmem_lib:--}" ;;
	*) echo "-" ;;
	esac
}

missing=
for a in jemalloc tcmalloc mimalloc; do
	[ -e "$(lib_of $a)" ] || missing="$missing $a"
done
if [ -n "$missing" ] && [ "${NO_INSTALL:-0}" != 1 ]; then
	echo "\$ apt-get update && apt-get install -y libjemalloc2 libtcmalloc-minimal4 libmimalloc2.0"
	if ! { apt-get update -qq && apt-get install -y -qq libjemalloc2 libtcmalloc-minimal4 \
		libmimalloc2.0; } >"$out/apt.log" 2>&1; then
		echo "apt-get failed (see $out/apt.log): running what is installed" >&2
	fi
fi

present=
for a in $allocs; do
	l=$(lib_of "$a")
	if [ "$l" = "-" ] || { [ -n "$l" ] && [ ! -e "$l" ]; }; then
		echo "NOTE: $a is not available: left out"
		continue
	fi
	present="$present $a"
done
base=ukmem
case " $present " in *" ukmem "*) ;; *) base=glibc ;; esac

# ---- the runs --------------------------------------------------------------

workloads=${WORKLOADS:-$("$bench" --list)}
raw="$out/raw.txt"
: >"$raw"
echo
echo "machine: $(nproc) CPUs, $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)," \
	"$(. /etc/os-release && echo "$PRETTY_NAME"), $(gcc --version | head -n 1)"
echo "date: $(date)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "runs: $runs per workload and allocator, scale $scale; raw figures in $raw"
echo "each run: [LD_PRELOAD=LIB] $bench WORKLOAD $scale"
echo

r=1
while [ "$r" -le "$runs" ]; do
	printf 'run %d/%d:' "$r" "$runs"
	for w in $workloads; do
		for a in $present; do
			l=$(lib_of "$a")
			if line=$(env ${l:+LD_PRELOAD="$l"} timeout 120 "$bench" "$w" "$scale" 2>>"$out/stderr.txt"); then
				set -- $line
				echo "$w $a $2 $3 $4" >>"$raw"
			else
				echo "$w $a fail fail fail" >>"$raw"
				echo "($a $w run $r failed: see $out/stderr.txt)" >&2
			fi
		done
		printf ' %s' "$w"
	done
	echo
	r=$((r + 1))
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# ---- the table -------------------------------------------------------------

awk -v allocs="$present" -v workloads="$workloads" -v base="$base" '
function median(key,    n, i, j, t, v) {
	n = cnt[key]
	if (n == 0) return -1
	for (i = 1; i <= n; i++) v[i] = val[key, i]
	for (i = 2; i <= n; i++) { t = v[i]; for (j = i - 1; j >= 1 && v[j] > t; j--) v[j + 1] = v[j]; v[j + 1] = t }
	return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
{
	if ($3 == "fail") { failed[$1, $2] = 1; next }
	k = $1 SUBSEP $2 SUBSEP "t"; cnt[k]++; val[k, cnt[k]] = $3
	k = $1 SUBSEP $2 SUBSEP "m"; cnt[k]++; val[k, cnt[k]] = $4 / 1024
	k = $1 SUBSEP $2 SUBSEP "c"; cnt[k]++; val[k, cnt[k]] = $5
}
function cell(v, b, fmt) {
	if (v < 0) return "fail"
	if (b <= 0) return sprintf(fmt, v)
	return sprintf(fmt " (%.2f)", v, v / b)
}
function table(kind, title, fmt,    i, j, w, a, line, miss, b, v, g, mi, gl) {
	print title
	print ""
	line = "| workload |"
	for (j = 1; j <= na; j++) line = line " " A[j] " |"
	if (base == "ukmem") line = line " ukmem misses |"
	print line
	line = "|---|"
	for (j = 1; j <= na; j++) line = line "---:|"
	if (base == "ukmem") line = line "---|"
	print line
	for (i = 1; i <= nw; i++) {
		w = W[i]
		b = median(w SUBSEP base SUBSEP kind)
		line = "| " w " |"
		for (j = 1; j <= na; j++) {
			v = median(w SUBSEP A[j] SUBSEP kind)
			med[w, A[j], kind] = v
			line = line " " cell(v, A[j] == base ? 0 : b, fmt) " |"
			if (kind != "m" && v > 0) { lsum[kind, A[j]] += log(v); lnum[kind, A[j]]++ }
		}
		if (base == "ukmem") {
			miss = ""
			mi = med[w, "mimalloc", kind]; gl = med[w, "glibc", kind]
			if (b < 0) miss = "failed"
			else if (kind != "m") {
				if (gl > 0 && b >= gl) miss = miss sprintf("slower than glibc (%.2fx); ", b / gl)
				if (mi > 0 && b > 1.25 * mi) miss = miss sprintf("%.2fx mimalloc > 1.25x; ", b / mi)
			} else if (mi > 0 && b > 1.1 * mi)
				miss = miss sprintf("RSS %.2fx mimalloc > 1.1x; ", b / mi)
			sub(/; $/, "", miss)
			line = line " " (miss == "" ? "-" : "**" miss "**") " |"
		}
		print line
	}
	if (kind != "m") {
		line = "| **geomean** |"
		for (j = 1; j <= na; j++) {
			g[A[j]] = lnum[kind, A[j]] ? exp(lsum[kind, A[j]] / lnum[kind, A[j]]) : -1
		}
		for (j = 1; j <= na; j++)
			line = line " " cell(g[A[j]], A[j] == base ? 0 : g[base], "%.3f") " |"
		if (base == "ukmem") {
			miss = "-"
			if (g["mimalloc"] > 0 && g["ukmem"] > g["mimalloc"])
				miss = sprintf("**geomean %.2fx mimalloc > 1.00x**", g["ukmem"] / g["mimalloc"])
			line = line " " miss " |"
		}
		print line
	}
	print ""
}
BEGIN { na = split(allocs, A, " "); nw = split(workloads, W, " ") }
END {
	table("t", "Time, seconds (median of the runs; in brackets: the ratio to " base ")", "%.3f")
	table("m", "Peak RSS, MiB (VmHWM, median of the runs; in brackets: the ratio to " base ")", "%.1f")
	table("c", "CPU time, user + system seconds (median of the runs; in brackets: the ratio to " base ");\n" \
		"the same targets, read on CPU time: on a loaded machine wall time also counts waiting for a CPU", "%.3f")
	if (base != "ukmem")
		print "ukmem: libukmem-malloc.so was not available; ratios are to glibc."
}' "$raw" | tee "$out/table.md"

# ---- kmalloc_bench ---------------------------------------------------------

if [ "${NO_KMALLOC:-0}" != 1 ] && [ "$have_kbench" = 1 ]; then
	echo
	echo "\$ $kbench"
	"$kbench"
fi
