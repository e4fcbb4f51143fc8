#!/usr/bin/env bash
# Install ukmem into a temporary prefix and build a program against it the
# two ways the README promises: pkg-config and CMake's find_package.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
prefix=$(mktemp -d)
work=$(mktemp -d)
trap 'rm -rf "$prefix" "$work"' EXIT

cmake --install "$build" --prefix "$prefix" > /dev/null
libdir=$(find "$prefix" -name libukmem.so -printf '%h\n' | head -1)

# pkg-config
PKG_CONFIG_PATH="$libdir/pkgconfig" cc -std=gnu11 tests/install/consumer.c \
	$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs ukmem) \
	-Wl,-rpath,"$libdir" -o "$work/consumer-pc"
"$work/consumer-pc"

# find_package
cmake -S tests/install -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
cmake --build "$work/cmake" > /dev/null
LD_LIBRARY_PATH="$libdir" "$work/cmake/consumer"
test -f "$libdir/libukmem-malloc.so"
echo "install: ok (pkg-config, find_package, libukmem-malloc.so)"
