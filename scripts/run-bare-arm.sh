#!/usr/bin/env bash
# run-bare-arm.sh [BUILD_DIR] - the bare tests and the bare-metal example on
# an emulated Cortex-M4 (QEMU's mps2-an386 board), the way a board without
# an OS or a C library runs ukmem.
#
#   1. Configure and build libukmem_bare.a and libukmem_bare_internal.a
#      with cmake/arm-none-eabi.cmake into BUILD_DIR (default build-arm),
#      warnings as errors.
#   2. Compile every tests/*/test_*_bare.c, and examples/bare_metal.c, with
#      the board's runtime (tests/bare/arm: start-up code, linker script,
#      the few C library functions, semihosting console; printf for the
#      tests only), and link each
#      into an ELF program: tests against the internal archive, the
#      example against the public one.
#   3. Run each under qemu-system-arm with a timeout and read back its
#      result: a test program passes if it exits 0 and printed
#      "N passed, 0 failed"; the example if it exits 0.
#
# Everything is built with -mno-unaligned-access and runs with unaligned
# accesses trapping (startup.c), as on a core that does not forgive them.
# Exits non-zero if a tool is missing or any program failed, crashed,
# timed out or printed no result.  Environment: UKMEM_QEMU_TIMEOUT
# (seconds per program, default 120).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build-arm}
board=mps2-an386
cpu_flags="-mcpu=cortex-m4 -mthumb -mno-unaligned-access"
qemu_timeout=${UKMEM_QEMU_TIMEOUT:-120}
rt=tests/bare/arm

missing=0
for tool in arm-none-eabi-gcc qemu-system-arm cmake timeout; do
	if ! command -v "$tool" >/dev/null; then
		echo "run-bare-arm: $tool not found (Debian: apt-get install --no-install-recommends" \
			"gcc-arm-none-eabi qemu-system-arm cmake)" >&2
		missing=1
	fi
done
[ $missing = 0 ] || exit 2

run() {
	echo "+ $*"
	"$@"
}

# 1. The libraries.  CMAKE_C_FLAGS too: the toolchain file's CPU flags
# only seed it in a fresh build folder, and this one may exist already.
run cmake -S . -B "$build" -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake \
	-DUKMEM_WERROR=ON "-DUKMEM_ARM_CPU_FLAGS=$cpu_flags" "-DCMAKE_C_FLAGS=$cpu_flags"
run cmake --build "$build" -j2 --target ukmem_bare_internal ukmem_bare

# 2. The programs.  The same warnings as the host's tests; TEST_MEM_SHIFT=1
# halves the tests' regions for the board's 16 MiB of PSRAM.
out=$build/bare-programs
mkdir -p "$out"
read -r -a cpu <<< "$cpu_flags"
cflags=("${cpu[@]}" -std=gnu11 -O2 -g -ffreestanding -ffunction-sections -fdata-sections
	-Wall -Wextra -Wshadow -Wstrict-prototypes -Wpointer-arith -Wno-unused-parameter -Werror)
ldflags=("${cpu[@]}" -nostdlib -T "$rt/$board.ld" -Wl,--gc-sections)

# Every program gets start-up, semihosting and the strings; the tests also
# get stdio.c, whose printf is ukmem's internal vsnprintf.
rt_objs=()
for src in "$rt"/startup.c "$rt"/semihost.c "$rt"/libc.c "$rt"/stdio.c; do
	obj=$out/rt-$(basename "$src" .c).o
	run arm-none-eabi-gcc "${cflags[@]}" -Wmissing-prototypes -fno-tree-loop-distribute-patterns \
		-I"$rt" -c "$src" -o "$obj"
	rt_objs+=("$obj")
done
rt_stdio=${rt_objs[3]}
unset 'rt_objs[3]'

programs=()
for src in tests/*/test_*_bare.c; do
	layer=$(basename "$(dirname "$src")")
	name=${layer}_$(basename "$src" .c)
	run arm-none-eabi-gcc "${cflags[@]}" -DTEST_MEM_SHIFT=1 -Iinclude -Isrc -Itests -I"$rt" \
		-c "$src" -o "$out/$name.o"
	run arm-none-eabi-gcc "${ldflags[@]}" -o "$out/$name.elf" "${rt_objs[@]}" "$rt_stdio" \
		"$out/$name.o" "$build/libukmem_bare_internal.a" -lgcc
	programs+=("test:$name:$src")
done
# The example sees only the public headers and the public archive.
run arm-none-eabi-gcc "${cflags[@]}" -Wmissing-prototypes -Iinclude -c examples/bare_metal.c \
	-o "$out/bare_metal.o"
run arm-none-eabi-gcc "${ldflags[@]}" -o "$out/bare_metal.elf" "${rt_objs[@]}" \
	"$out/bare_metal.o" "$build/libukmem_bare.a" -lgcc
programs+=("example:bare_metal:examples/bare_metal.c")

# 3. Run them.
summary=()
failures=0
for entry in "${programs[@]}"; do
	IFS=: read -r kind name src <<< "$entry"
	log=$out/$name.log
	echo
	echo "=== $src on $board ==="
	status=0
	run timeout "$qemu_timeout" qemu-system-arm -M "$board" -nographic -monitor none \
		-semihosting-config enable=on,target=native -kernel "$out/$name.elf" \
		> "$log" 2>&1 || status=$?
	cat "$log"
	result=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1 || true)
	if [ "$status" = 124 ]; then
		verdict="FAIL (timed out after ${qemu_timeout}s)"
	elif [ "$status" = 134 ]; then
		verdict="FAIL (crashed: fault or abort, exit 134)"
	elif [ "$kind" = test ] && [ -z "$result" ]; then
		verdict="FAIL (no 'N passed, N failed' line, exit $status)"
	elif [ "$status" != 0 ]; then
		verdict="FAIL (exit $status${result:+, $result})"
	elif [ "$kind" = test ] && [[ ! $result =~ ' 0 failed'$ ]]; then
		verdict="FAIL ($result)"
	else
		verdict="ok   (${result:-exit 0})"
	fi
	[[ $verdict == ok* ]] || failures=$((failures + 1))
	summary+=("$verdict  $src")
done

echo
echo "=== run-bare-arm: summary ($board, $cpu_flags) ==="
printf '%s\n' "${summary[@]}"
echo "run-bare-arm: ${#programs[@]} programs, $((${#programs[@]} - failures)) passed, $failures failed"
[ "$failures" = 0 ]
