# CMake generated Testfile for 
# Source directory: /work/main/examples/demo
# Build directory: /work/main/build-ci/asan-ubsan/examples/demo
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(demo "/work/main/build-ci/asan-ubsan/examples/demo/cosmosb-demo")
set_tests_properties(demo PROPERTIES  RUN_SERIAL "TRUE" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/examples/demo/CMakeLists.txt;12;add_test;/work/main/examples/demo/CMakeLists.txt;0;")
