# cmake/install.cmake: `cmake --install` rules, the exported CMake package,
# the pkg-config files, and the packaging/consistency tests
# (install_consumer, headers, headers_cxx, freestanding_symbols).
#
# Included from the top-level CMakeLists.txt after the library targets exist.
#
# Installed layout (relative to the prefix):
#   include/cosmosb/*.h
#   lib/libcosmosb.so.X.Y.Z, libcosmosb.so.X -> ..., libcosmosb.so -> ...  (SONAME libcosmosb.so.X)
#   lib/libcosmosb.a, lib/libcosmosb-freestanding.a
#   lib/cmake/cosmosb/{cosmosbConfig,cosmosbConfigVersion,cosmosbTargets*}.cmake
#   lib/pkgconfig/{cosmosb,cosmosb-freestanding}.pc
# (lib is CMAKE_INSTALL_LIBDIR, e.g. lib/x86_64-linux-gnu for prefix /usr on Debian.)

include(CMakePackageConfigHelpers)

set(COSMOSB_CMAKE_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/cmake/cosmosb"
    CACHE STRING "Where the CMake package files are installed (relative to the prefix)")
set(COSMOSB_PKGCONFIG_INSTALL_DIR "${CMAKE_INSTALL_LIBDIR}/pkgconfig"
    CACHE STRING "Where the pkg-config files are installed (relative to the prefix)")

# --- headers -----------------------------------------------------------------
install(FILES ${COSMOSB_PUBLIC_HEADERS}
        DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}/cosmosb"
        COMPONENT devel)

# --- libraries and the exported targets ---------------------------------------
# Exported names: cosmosb::cosmosb (shared), cosmosb::cosmosb_static,
# cosmosb::freestanding. In-tree, the same names exist as ALIAS targets.
if(TARGET cosmosb_freestanding)
  set_target_properties(cosmosb_freestanding PROPERTIES EXPORT_NAME freestanding)
endif()

if(COSMOSB_INSTALL_TARGETS)
  install(TARGETS ${COSMOSB_INSTALL_TARGETS}
          EXPORT cosmosbTargets
          LIBRARY DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT runtime NAMELINK_COMPONENT devel
          ARCHIVE DESTINATION "${CMAKE_INSTALL_LIBDIR}" COMPONENT devel
          RUNTIME DESTINATION "${CMAKE_INSTALL_BINDIR}" COMPONENT runtime
          INCLUDES DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}")
  install(EXPORT cosmosbTargets
          NAMESPACE cosmosb::
          FILE cosmosbTargets.cmake
          DESTINATION "${COSMOSB_CMAKE_INSTALL_DIR}"
          COMPONENT devel)
endif()

# The package config template is generated here so that the whole install
# logic lives in this one file.
set(_cosmosb_config_in "${PROJECT_BINARY_DIR}/cosmosbConfig.cmake.in")
file(WRITE "${_cosmosb_config_in}" [=[
# cosmosbConfig.cmake: find_package(cosmosb CONFIG) support for libcosmosb.
#
# Imported targets (each exists only if that library was built and installed):
#   cosmosb::cosmosb         shared library (libcosmosb.so, SONAME libcosmosb.so.MAJOR)
#   cosmosb::cosmosb_static  static library (libcosmosb.a); defines COSMOSB_STATIC=1
#   cosmosb::freestanding    libcosmosb-freestanding.a (core only, no libc);
#                            defines COSMOSB_STATIC=1 COSMOSB_FREESTANDING=1
# Components (optional): shared, static, freestanding.
# Variables: cosmosb_VERSION, cosmosb_ATOMICS (c11 or libatomic_ops).

@PACKAGE_INIT@

include("${CMAKE_CURRENT_LIST_DIR}/cosmosbTargets.cmake")

set(cosmosb_ATOMICS "@COSMOSB_ATOMICS@")

set(cosmosb_shared_FOUND FALSE)
set(cosmosb_static_FOUND FALSE)
set(cosmosb_freestanding_FOUND FALSE)
if(TARGET cosmosb::cosmosb)
  set(cosmosb_shared_FOUND TRUE)
endif()
if(TARGET cosmosb::cosmosb_static)
  set(cosmosb_static_FOUND TRUE)
endif()
if(TARGET cosmosb::freestanding)
  set(cosmosb_freestanding_FOUND TRUE)
endif()

check_required_components(cosmosb)
]=])

configure_package_config_file("${_cosmosb_config_in}"
  "${PROJECT_BINARY_DIR}/cosmosbConfig.cmake"
  INSTALL_DESTINATION "${COSMOSB_CMAKE_INSTALL_DIR}")
# 0.x: a minor release may break compatibility, so only the same minor matches.
write_basic_package_version_file("${PROJECT_BINARY_DIR}/cosmosbConfigVersion.cmake"
  VERSION ${PROJECT_VERSION}
  COMPATIBILITY SameMinorVersion)
install(FILES "${PROJECT_BINARY_DIR}/cosmosbConfig.cmake"
              "${PROJECT_BINARY_DIR}/cosmosbConfigVersion.cmake"
        DESTINATION "${COSMOSB_CMAKE_INSTALL_DIR}"
        COMPONENT devel)

# --- pkg-config ----------------------------------------------------------------
# The .pc files are relocatable: prefix is expressed relative to ${pcfiledir},
# so `cmake --install build --prefix /anywhere` yields working files.
if(IS_ABSOLUTE "${COSMOSB_PKGCONFIG_INSTALL_DIR}")
  set(COSMOSB_PC_PREFIX "${CMAKE_INSTALL_PREFIX}")
else()
  file(RELATIVE_PATH _cosmosb_pc_up "/cosmosb-prefix/${COSMOSB_PKGCONFIG_INSTALL_DIR}" "/cosmosb-prefix")
  set(COSMOSB_PC_PREFIX "\${pcfiledir}/${_cosmosb_pc_up}")
endif()
foreach(_kind LIBDIR INCLUDEDIR)
  if(IS_ABSOLUTE "${CMAKE_INSTALL_${_kind}}")
    set(COSMOSB_PC_${_kind} "${CMAKE_INSTALL_${_kind}}")
  else()
    set(COSMOSB_PC_${_kind} "\${prefix}/${CMAKE_INSTALL_${_kind}}")
  endif()
endforeach()
set(COSMOSB_PC_LIBS_PRIVATE "-lpthread")
if(COSMOSB_ATOMICS STREQUAL "libatomic_ops")
  string(APPEND COSMOSB_PC_LIBS_PRIVATE " -latomic_ops")
endif()

if(TARGET cosmosb OR TARGET cosmosb_static)
  configure_file("${PROJECT_SOURCE_DIR}/cosmosb.pc.in" "${PROJECT_BINARY_DIR}/cosmosb.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/cosmosb.pc"
          DESTINATION "${COSMOSB_PKGCONFIG_INSTALL_DIR}" COMPONENT devel)
endif()
if(TARGET cosmosb_freestanding)
  configure_file("${PROJECT_SOURCE_DIR}/cosmosb-freestanding.pc.in"
                 "${PROJECT_BINARY_DIR}/cosmosb-freestanding.pc" @ONLY)
  install(FILES "${PROJECT_BINARY_DIR}/cosmosb-freestanding.pc"
          DESTINATION "${COSMOSB_PKGCONFIG_INSTALL_DIR}" COMPONENT devel)
endif()

# --- tests of the packaging ----------------------------------------------------
if(COSMOSB_BUILD_TESTS AND (NOT DEFINED BUILD_TESTING OR BUILD_TESTING))
  # Flags the consumer must share with the library (a sanitized library needs a
  # sanitized program).
  set(_cosmosb_consumer_cflags "")
  if(COSMOSB_SANITIZE)
    set(_cosmosb_consumer_cflags "-fsanitize=${COSMOSB_SANITIZE} -fno-omit-frame-pointer")
  endif()

  # install_consumer: install into a temporary prefix, build tests/consumer with
  # find_package(cosmosb CONFIG) and with pkg-config, run both, and link a
  # freestanding program against cosmosb-freestanding.
  add_test(NAME install_consumer
           COMMAND bash "${PROJECT_SOURCE_DIR}/tests/consumer/run.sh" "${PROJECT_BINARY_DIR}")
  set_tests_properties(install_consumer PROPERTIES
    TIMEOUT 300
    ENVIRONMENT "CC=${CMAKE_C_COMPILER};COSMOSB_CONSUMER_CFLAGS=${_cosmosb_consumer_cflags};CMAKE_COMMAND=${CMAKE_COMMAND}")

  include("${CMAKE_CURRENT_LIST_DIR}/header-check.cmake")

  # freestanding_symbols: the freestanding archive needs nothing from outside
  # but memcpy/memset/memmove/memcmp, and lib/core includes only freestanding headers.
  if(TARGET cosmosb_freestanding)
    set(_cosmosb_nm "${CMAKE_NM}")
    if(NOT _cosmosb_nm)
      set(_cosmosb_nm nm)
    endif()
    add_test(NAME freestanding_symbols
             COMMAND bash "${PROJECT_SOURCE_DIR}/tests/freestanding/check-symbols.sh"
                     "$<TARGET_FILE:cosmosb_freestanding>" "${PROJECT_SOURCE_DIR}")
    set_tests_properties(freestanding_symbols PROPERTIES TIMEOUT 60 ENVIRONMENT "NM=${_cosmosb_nm}")
    # freestanding_cross: the same archive and checks for i686 (-m32 with this
    # compiler), riscv64-unknown-elf and Cortex-M3/M4/M33 (arm-none-eabi), with
    # cmake/toolchains/*.cmake; Cortex-M0 must be refused. Skipped (77) when no
    # cross compiler is installed. Sanitizer and libatomic_ops builds do not
    # change the cross builds: run it from the plain configurations only.
    if(NOT COSMOSB_SANITIZE AND COSMOSB_ATOMICS STREQUAL "c11")
      add_test(NAME freestanding_cross
               COMMAND bash "${PROJECT_SOURCE_DIR}/tests/freestanding/cross-build.sh"
                       "${PROJECT_SOURCE_DIR}" "${PROJECT_BINARY_DIR}/freestanding-cross")
      set_tests_properties(freestanding_cross PROPERTIES TIMEOUT 300 SKIP_RETURN_CODE 77
        ENVIRONMENT "CMAKE_COMMAND=${CMAKE_COMMAND};COSMOSB_I686_CC=${CMAKE_C_COMPILER}")
      # layout_bitness: every shared-memory structure, reference, window, typed
      # header and a schema-declared struct have the same sizes and offsets with
      # gcc and clang, -m64 and -m32, riscv64 and Cortex-M4 (compiled, not run).
      add_test(NAME layout_bitness
               COMMAND bash "${PROJECT_SOURCE_DIR}/tests/freestanding/layout-compare.sh"
                       "${PROJECT_SOURCE_DIR}" "${PROJECT_BINARY_DIR}/layout-bitness")
      set_tests_properties(layout_bitness PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
    endif()
  endif()
endif()
