# CMake generated Testfile for 
# Source directory: /work/main/docs
# Build directory: /work/main/build/docs
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(doxygen "/usr/bin/cmake" "--build" "/work/main/build" "--target" "docs")
set_tests_properties(doxygen PROPERTIES  TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/docs/CMakeLists.txt;28;add_test;/work/main/docs/CMakeLists.txt;0;")
