# CMake toolchain file: 32-bit x86 (i686) with the host gcc and -m32 (Debian
# package gcc-multilib), for kernels and other freestanding 32-bit code.
# Builds libcosmosb-freestanding.a only (a Generic system: the hosted
# libraries, tests and examples default to OFF).
#
#   cmake -S . -B build-i686 --toolchain cmake/toolchains/i686-freestanding.cmake
#   cmake --build build-i686 --target cosmosb_freestanding
#
# The archive is compiled with -mgeneral-regs-only (no x87/SSE registers in
# the core). 64-bit atomics would be library calls on i686 with that flag;
# the core uses only 32-bit ones. COSMOSB_I686_CC picks another compiler
# (e.g. clang).
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR i686)

set(_cc gcc)
if(DEFINED ENV{COSMOSB_I686_CC})
  set(_cc $ENV{COSMOSB_I686_CC})
endif()
set(CMAKE_C_COMPILER ${_cc})
set(CMAKE_ASM_COMPILER ${_cc})

set(CMAKE_C_FLAGS_INIT "-m32 -march=i686")
set(CMAKE_ASM_FLAGS_INIT "-m32 -march=i686")
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)
