#!/usr/bin/env bash
# Install ukmem into a temporary prefix and build programs against it the
# ways the README promises: pkg-config (with an rpath, and with
# LD_LIBRARY_PATH), CMake's find_package, the README's API example
# (examples/api.c, warnings as errors) and a static link with
# libukmem.a; the install also holds libukmem_bare.a and the malloc front.
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

# The README's API example, built as the README says and run.
PKG_CONFIG_PATH="$libdir/pkgconfig" cc -Wall -Wextra -Werror examples/api.c \
	$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs ukmem) -o "$work/api"
LD_LIBRARY_PATH="$libdir" "$work/api" > "$work/api.out" || { cat "$work/api.out"; exit 1; }
grep -q 'every step did what it shows' "$work/api.out"

# Static: the archive alone, no libukmem.so at run time.
cc -std=gnu11 tests/install/consumer.c -I"$prefix/include" "$libdir/libukmem.a" -lpthread \
	-o "$work/consumer-static"
"$work/consumer-static"

# find_package
cmake -S tests/install -B "$work/cmake" -DCMAKE_PREFIX_PATH="$prefix" > /dev/null
cmake --build "$work/cmake" > /dev/null
LD_LIBRARY_PATH="$libdir" "$work/cmake/consumer"
test -f "$libdir/libukmem-malloc.so"
test -f "$libdir/libukmem_bare.a"
echo "install: ok (pkg-config, API example, static link, find_package, libukmem-malloc.so, libukmem_bare.a)"
