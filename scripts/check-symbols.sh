#!/usr/bin/env bash
# Symbol hygiene: the libraries a program links export only ukmem_* names.
# ukmem's layers call each other by the kernel's names (bad_page,
# zone_lock, slab_caches, ...); kernel code linked beside ukmem defines
# those too, so none may leave the library, from the archives either.
#
#   usage: check-symbols.sh BUILD_DIR [NM]
#
# Checks BUILD_DIR/libukmem.so, libukmem.a and libukmem_bare.a, those that
# exist (a board build has only the last); fails if none is found.
set -euo pipefail
build=${1:?usage: check-symbols.sh BUILD_DIR [NM]}
nm=${2:-nm}
status=0 checked=0

check() {	# check FILE: its defined global symbols, one per line, on stdin
	local file=$1 bad n
	bad=$(grep -v '^ukmem_' || true)
	checked=$((checked + 1))
	if [ -n "$bad" ]; then
		echo "symbols: $file exports $(echo "$bad" | wc -l) names without the ukmem_ prefix:"
		echo "$bad" | sed 's/^/  /'
		status=1
	else
		n=$("$nm" "${nmflags[@]}" "$build/$file" | awk 'NF >= 3 {print $NF}' | sort -u | wc -l)
		echo "symbols: $file ok, exports $n names, all ukmem_*"
	fi
}

if [ -f "$build/libukmem.so" ]; then
	nmflags=(-D --defined-only)
	check libukmem.so < <("$nm" "${nmflags[@]}" "$build/libukmem.so" | awk 'NF >= 3 {print $NF}' | sort -u)
fi
for lib in libukmem.a libukmem_bare.a; do
	[ -f "$build/$lib" ] || continue
	nmflags=(-g --defined-only)
	check "$lib" < <("$nm" "${nmflags[@]}" "$build/$lib" | awk 'NF >= 3 {print $NF}' | sort -u)
done
if [ $checked = 0 ]; then
	echo "symbols: no ukmem library in $build" >&2
	exit 1
fi
exit $status
