# cosmosb_benchlib: the measurement code of cosmosb-bench, as a static helper
# library that examples/demo links too. Included from bench/CMakeLists.txt and
# from examples/demo/CMakeLists.txt (the demo is built even when
# COSMOSB_BUILD_BENCH is OFF), so it is defined by whichever comes first.
if(NOT TARGET cosmosb_benchlib)
  set(_cosmosb_bench_dir ${CMAKE_CURRENT_LIST_DIR})
  add_library(cosmosb_benchlib STATIC
    ${_cosmosb_bench_dir}/bench_util.c
    ${_cosmosb_bench_dir}/bench_harness.c
    ${_cosmosb_bench_dir}/baselines.c
    ${_cosmosb_bench_dir}/cosmosb_cases.c
    ${_cosmosb_bench_dir}/bench_bulk.c
    ${_cosmosb_bench_dir}/bench_arena.c
    ${_cosmosb_bench_dir}/bench_schema.c)
  target_include_directories(cosmosb_benchlib PUBLIC ${_cosmosb_bench_dir})
  target_compile_definitions(cosmosb_benchlib PUBLIC _GNU_SOURCE)
  target_compile_options(cosmosb_benchlib PRIVATE -Wall -Wextra -Wpedantic -Werror -O2)
  target_link_libraries(cosmosb_benchlib PUBLIC ${COSMOSB_TEST_LIB})
endif()
