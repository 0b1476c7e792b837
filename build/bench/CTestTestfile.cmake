# CMake generated Testfile for 
# Source directory: /work/main/bench
# Build directory: /work/main/build/bench
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(bench_smoke "/work/main/build/bench/cosmosb-bench" "--quick" "--quiet")
set_tests_properties(bench_smoke PROPERTIES  LABELS "bench" RUN_SERIAL "TRUE" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/bench/CMakeLists.txt;12;add_test;/work/main/bench/CMakeLists.txt;0;")
