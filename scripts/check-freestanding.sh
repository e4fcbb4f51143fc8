#!/usr/bin/env bash
# Build the core (every layer above the platform) with the bare platform as
# freestanding code, for the host and for a Cortex-M4, and check that it
# imports nothing but the symbols a freestanding C program must provide
# (memcpy, memmove, memset, memcmp) and the compiler's own helpers.
set -euo pipefail
cd "$(dirname "$0")/.."

shopt -s nullglob
sources=(src/lib/*.c src/page/*.c src/slab/*.c src/stats/*.c src/init/*.c src/platform/bare.c)
flags=(-std=gnu11 -O2 -DUKMEM_BARE -ffreestanding -fno-builtin -fno-stack-protector -Wall -Wextra -Werror
       -Wno-unused-parameter -Iinclude -Isrc)
allowed='^(memcpy|memmove|memset|memcmp|__aeabi_[a-z0-9_]+|__(u)?(div|mod|ashl|ashr|lshr|mul|cmp|clz|ctz|popcount|ffs)[sdt]i[23]|__gnu_[a-z0-9_]+)$'
status=0

check() {   # check NAME CC NM [extra flags...]
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
		echo "freestanding ($name): foreign symbols imported:"
		echo "$bad" | sed 's/^/  /'
		status=1
	else
		echo "freestanding ($name): ok, imports only: $("$nm" -u "$dir/core.o" | awk '{print $NF}' | tr '\n' ' ')"
	fi
	rm -rf "$dir"
}

check host gcc nm
if command -v arm-none-eabi-gcc >/dev/null; then
	check cortex-m4 arm-none-eabi-gcc arm-none-eabi-nm -mcpu=cortex-m4 -mthumb
else
	echo "freestanding (cortex-m4): arm-none-eabi-gcc not installed" >&2
	status=1
fi
exit $status
