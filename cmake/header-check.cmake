# cmake/header-check.cmake: ctest tests that compile every public header on its
# own (included from cmake/install.cmake when tests are enabled).
#
#   headers      each include/cosmosb/*.h alone as C11 with -Wall -Wextra
#                -Wpedantic -Werror (and included twice: guards); the core
#                headers also with -ffreestanding -DCOSMOSB_FREESTANDING=1.
#   headers_cxx  the same as C++ (skipped when no C++ compiler is found).

add_test(NAME headers
         COMMAND bash "${PROJECT_SOURCE_DIR}/tests/headers/check-headers.sh"
                 c "${CMAKE_C_COMPILER}" "${PROJECT_SOURCE_DIR}/include")
set_tests_properties(headers PROPERTIES TIMEOUT 120)

if(CMAKE_C_COMPILER_ID MATCHES "Clang")
  find_program(COSMOSB_HEADER_CHECK_CXX NAMES clang++ g++ c++)
else()
  find_program(COSMOSB_HEADER_CHECK_CXX NAMES g++ c++ clang++)
endif()
set(_cosmosb_hdr_cxx "${COSMOSB_HEADER_CHECK_CXX}")
if(NOT _cosmosb_hdr_cxx)
  set(_cosmosb_hdr_cxx "")
endif()
add_test(NAME headers_cxx
         COMMAND bash "${PROJECT_SOURCE_DIR}/tests/headers/check-headers.sh"
                 c++ "${_cosmosb_hdr_cxx}" "${PROJECT_SOURCE_DIR}/include")
set_tests_properties(headers_cxx PROPERTIES TIMEOUT 120 SKIP_RETURN_CODE 77)
