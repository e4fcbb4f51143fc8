#!/usr/bin/env bash
# The freestanding core, for the host and for a Cortex-M4: every layer
# above the platform, with the bare platform, as freestanding code.
#
#   1. Headers: a freestanding compile of each core file, and of a file
#      that includes the public <ukmem.h>, may include only the project's
#      own headers and the compiler's freestanding headers (C11 4p6, plus
#      the helpers GCC's <stdint.h> pulls).  A libc header that slips in
#      breaks a board's build without newlib, so it breaks this check first.
#   2. Symbols: the linked core imports nothing but what a freestanding C
#      program must provide (memcpy, memmove, memset, memcmp) and the
#      compiler's own helpers.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

shopt -s nullglob
sources=(src/lib/*.c src/page/*.c src/reclaim/*.c src/debug/*.c src/slab/*.c src/stats/*.c src/init/*.c src/platform/bare.c)
flags=(-std=gnu11 -O2 -DUKMEM_BARE -ffreestanding -fno-builtin -fno-stack-protector -Wall -Wextra -Werror
       -Wno-unused-parameter -Iinclude -Isrc)
allowed='^(memcpy|memmove|memset|memcmp|__aeabi_[a-z0-9_]+|__(u)?(div|mod|ashl|ashr|lshr|mul|cmp|clz|ctz|popcount|ffs)[sdt]i[23]|__gnu_[a-z0-9_]+)$'
freestanding_headers='^(float|iso646|limits|stdalign|stdarg|stdatomic|stdbool|stddef|stdint|stdint-gcc|stdnoreturn)\.h$'
status=0

# headers NAME CC [extra flags...]: every header each compile reads is the
# project's or one of the compiler's freestanding ones.
headers() {
	local name=$1 cc=$2; shift 2
	local ccinc; ccinc=$(cd "$("$cc" -print-file-name=include)" && pwd -P)
	local dir; dir=$(mktemp -d)
	printf '#include <ukmem.h>\n' > "$dir/public.c"
	local bad=0 n=0
	for src in "${sources[@]}" "$dir/public.c"; do
		local deps
		deps=$("$cc" "${flags[@]}" "$@" -M -MT x "$src" | tr ' \\' '\n\n' | grep -v -e '^$' -e '^x:$')
		n=$((n + 1))
		while read -r dep; do
			local real; real=$(realpath "$dep")
			case $real in
			"$root"/include/* | "$root"/src/* | "$dir"/*) continue ;;
			"$ccinc"/*)
				[[ $(basename "$real") =~ $freestanding_headers ]] && continue ;;
			esac
			echo "freestanding headers ($name): ${src#"$dir"/} includes $real"
			bad=1
		done <<< "$deps"
	done
	rm -rf "$dir"
	if [ $bad = 0 ]; then
		echo "freestanding headers ($name): ok, $n files read only the project's and the compiler's freestanding headers"
	else
		status=1
	fi
}

# symbols NAME CC NM [extra flags...]
symbols() {
	local name=$1 cc=$2 nm=$3; shift 3
	local dir; dir=$(mktemp -d)
	local objs=()
	for src in "${sources[@]}"; do
		local obj="$dir/$(basename "${src%.c}").o"
		"$cc" "${flags[@]}" "$@" -c "$src" -o "$obj"
		objs+=("$obj")
	done
	# Symbols used by one object and defined by another are fine: link
	# them into one relocatable object first.
	"$cc" "$@" -nostdlib -r "${objs[@]}" -o "$dir/core.o"
	local bad
	bad=$("$nm" -u "$dir/core.o" | awk '{print $NF}' | grep -Ev "$allowed" || true)
	if [ -n "$bad" ]; then
		echo "freestanding symbols ($name): foreign symbols imported:"
		echo "$bad" | sed 's/^/  /'
		status=1
	else
		echo "freestanding symbols ($name): ok, imports only: $("$nm" -u "$dir/core.o" | awk '{print $NF}' | tr '\n' ' ')"
	fi
	rm -rf "$dir"
}

headers host gcc
symbols host gcc nm
if command -v arm-none-eabi-gcc >/dev/null; then
	headers cortex-m4 arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb
	symbols cortex-m4 arm-none-eabi-gcc arm-none-eabi-nm -mcpu=cortex-m4 -mthumb
else
	echo "freestanding (cortex-m4): arm-none-eabi-gcc not installed" >&2
	status=1
fi
exit $status
