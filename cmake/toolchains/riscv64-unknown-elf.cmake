# CMake toolchain file: bare-metal RISC-V 64 (rv64gc, lp64d), Debian package
# gcc-riscv64-unknown-elf. Builds libcosmosb-freestanding.a only (the hosted
# libraries, tests and examples default to OFF for a Generic system).
#
#   cmake -S . -B build-rv64 --toolchain cmake/toolchains/riscv64-unknown-elf.cmake
#   cmake --build build-rv64 --target cosmosb_freestanding
#
# -mcmodel=medany: code and data may live anywhere (kernels are usually linked
# at 0x80000000, out of reach of the default medlow model). The flags can be
# overridden with -DCOSMOSB_RISCV_FLAGS="...".
set(CMAKE_SYSTEM_NAME Generic)
set(CMAKE_SYSTEM_PROCESSOR riscv64)

set(_prefix riscv64-unknown-elf-)
if(DEFINED ENV{COSMOSB_RISCV_PREFIX})
  set(_prefix $ENV{COSMOSB_RISCV_PREFIX})
endif()
set(CMAKE_C_COMPILER ${_prefix}gcc)
set(CMAKE_ASM_COMPILER ${_prefix}gcc)
set(CMAKE_AR ${_prefix}ar CACHE FILEPATH "ar")
set(CMAKE_RANLIB ${_prefix}ranlib CACHE FILEPATH "ranlib")
set(CMAKE_NM ${_prefix}nm CACHE FILEPATH "nm")
set(CMAKE_OBJCOPY ${_prefix}objcopy CACHE FILEPATH "objcopy")

set(COSMOSB_RISCV_FLAGS "-march=rv64gc -mabi=lp64d -mcmodel=medany" CACHE STRING "Target flags for riscv64")
set(CMAKE_C_FLAGS_INIT "${COSMOSB_RISCV_FLAGS}")
set(CMAKE_ASM_FLAGS_INIT "${COSMOSB_RISCV_FLAGS}")
# No C library to link a test program against: CMake checks the compiler with a static library.
set(CMAKE_TRY_COMPILE_TARGET_TYPE STATIC_LIBRARY)

set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
