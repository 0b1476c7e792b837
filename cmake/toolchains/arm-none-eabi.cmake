# CMake toolchain file: 32-bit Arm Cortex-M (default Cortex-M4, Thumb-2,
# soft-float calling convention), Debian package gcc-arm-none-eabi. Builds
# libcosmosb-freestanding.a only (the hosted libraries, tests and examples
# default to OFF for a Generic system).
#
#   cmake -S . -B build-m4 --toolchain cmake/toolchains/arm-none-eabi.cmake
#   cmake --build build-m4 --target cosmosb_freestanding
#
# Other cores: -DCOSMOSB_ARM_FLAGS="-mcpu=cortex-m33 -mthumb" (or cortex-m3,
# cortex-m7, ...). The core needs 32-bit exclusive load/store (LDREX/STREX),
# i.e. ARMv7-M or later; ARMv6-M (Cortex-M0/M0+) fails the build on purpose
# (ATOMIC_INT_LOCK_FREE != 2). 64-bit atomics are library calls on every
# Cortex-M, and the core uses none.
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR arm)

set(_prefix arm-none-eabi-)
if(DEFINED ENV{COSMOSB_ARM_PREFIX})
  set(_prefix $ENV{COSMOSB_ARM_PREFIX})
endif()
set(CMAKE_C_COMPILER ${_prefix}gcc)
set(CMAKE_ASM_COMPILER ${_prefix}gcc)
set(CMAKE_AR ${_prefix}ar CACHE FILEPATH "ar")
set(CMAKE_RANLIB ${_prefix}ranlib CACHE FILEPATH "ranlib")
set(CMAKE_NM ${_prefix}nm CACHE FILEPATH "nm")
set(CMAKE_OBJCOPY ${_prefix}objcopy CACHE FILEPATH "objcopy")

set(COSMOSB_ARM_FLAGS "-mcpu=cortex-m4 -mthumb -mfloat-abi=soft" CACHE STRING "Target flags for Cortex-M")
set(CMAKE_C_FLAGS_INIT "${COSMOSB_ARM_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${COSMOSB_ARM_FLAGS}")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
