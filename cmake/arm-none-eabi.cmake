# arm-none-eabi.cmake - cross-compile ukmem for an ARM microcontroller
# (Cortex-M) with the GNU Arm Embedded toolchain:
#
#   cmake -S . -B build-arm -DCMAKE_TOOLCHAIN_FILE=cmake/arm-none-eabi.cmake
#   cmake --build build-arm
#
# makes libukmem_bare.a (the core and the bare platform, no C library
# needed) for the CPU named by UKMEM_ARM_CPU_FLAGS, e.g.
# -DUKMEM_ARM_CPU_FLAGS="-mcpu=cortex-m33 -mthumb -mfloat-abi=hard -mfpu=fpv5-sp-d16".
# The flags seed CMAKE_C_FLAGS, so a different CPU wants a fresh build
# folder.  Generic as the system name tells the top CMakeLists.txt that
# this is a board: only the freestanding libraries are built.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(CMAKE_C_COMPILER arm-none-eabi-gcc)
set(CMAKE_ASM_COMPILER arm-none-eabi-gcc)

# Without a C library the compiler cannot link a test program, so CMake
# checks that it works by building a static library instead.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(UKMEM_ARM_CPU_FLAGS "-mcpu=cortex-m4 -mthumb" CACHE STRING
    "CPU flags for the target board (arm-none-eabi-gcc -mcpu/-mthumb/-mfloat-abi)")
# try_compile projects see the cache variable too.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES UKMEM_ARM_CPU_FLAGS)
set(CMAKE_C_FLAGS_INIT "${UKMEM_ARM_CPU_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${UKMEM_ARM_CPU_FLAGS}")

# Programs (objcopy, nm) come from the host; headers and libraries only
# from the target's toolchain.
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)
