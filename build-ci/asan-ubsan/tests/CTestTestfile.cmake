# CMake generated Testfile for 
# Source directory: /work/main/tests
# Build directory: /work/main/build-ci/asan-ubsan/tests
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(test_errors "/work/main/build-ci/asan-ubsan/tests/test_errors" "--jobs" "1" "--short-filename")
set_tests_properties(test_errors PROPERTIES  ENVIRONMENT "COSMOSB_TEST_QUICK=1" TIMEOUT "60" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;56;add_test;/work/main/tests/CMakeLists.txt;63;cosmosb_add_criterion_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_pipe_core "/work/main/build-ci/asan-ubsan/tests/test_pipe_core" "--jobs" "1" "--short-filename")
set_tests_properties(test_pipe_core PROPERTIES  ENVIRONMENT "COSMOSB_TEST_QUICK=1" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;56;add_test;/work/main/tests/CMakeLists.txt;64;cosmosb_add_criterion_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_pipe_corrupt "/work/main/build-ci/asan-ubsan/tests/test_pipe_corrupt" "--jobs" "1" "--short-filename")
set_tests_properties(test_pipe_corrupt PROPERTIES  ENVIRONMENT "COSMOSB_TEST_QUICK=1" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;56;add_test;/work/main/tests/CMakeLists.txt;65;cosmosb_add_criterion_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_region "/work/main/build-ci/asan-ubsan/tests/test_region" "--jobs" "1" "--short-filename")
set_tests_properties(test_region PROPERTIES  ENVIRONMENT "COSMOSB_TEST_QUICK=1" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;56;add_test;/work/main/tests/CMakeLists.txt;66;cosmosb_add_criterion_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_pipe_process "/work/main/build-ci/asan-ubsan/tests/test_pipe_process" "--jobs" "1" "--short-filename")
set_tests_properties(test_pipe_process PROPERTIES  ENVIRONMENT "COSMOSB_TEST_QUICK=1" TIMEOUT "900" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;56;add_test;/work/main/tests/CMakeLists.txt;67;cosmosb_add_criterion_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_waitset "/work/main/build-ci/asan-ubsan/tests/test_waitset" "--jobs" "1" "--short-filename")
set_tests_properties(test_waitset PROPERTIES  ENVIRONMENT "COSMOSB_TEST_QUICK=1" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;56;add_test;/work/main/tests/CMakeLists.txt;68;cosmosb_add_criterion_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_pipe_threads "/work/main/build-ci/asan-ubsan/tests/test_pipe_threads" "--jobs" "1" "--short-filename")
set_tests_properties(test_pipe_threads PROPERTIES  ENVIRONMENT "COSMOSB_TEST_QUICK=1" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;56;add_test;/work/main/tests/CMakeLists.txt;69;cosmosb_add_criterion_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_window "/work/main/build-ci/asan-ubsan/tests/test_window" "--jobs" "1" "--short-filename")
set_tests_properties(test_window PROPERTIES  ENVIRONMENT "COSMOSB_TEST_QUICK=1" TIMEOUT "60" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;56;add_test;/work/main/tests/CMakeLists.txt;70;cosmosb_add_criterion_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_arena_core "/work/main/build-ci/asan-ubsan/tests/test_arena_core" "--jobs" "1" "--short-filename")
set_tests_properties(test_arena_core PROPERTIES  ENVIRONMENT "COSMOSB_TEST_QUICK=1" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;56;add_test;/work/main/tests/CMakeLists.txt;71;cosmosb_add_criterion_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_arena_process "/work/main/build-ci/asan-ubsan/tests/test_arena_process" "--jobs" "1" "--short-filename")
set_tests_properties(test_arena_process PROPERTIES  ENVIRONMENT "COSMOSB_TEST_QUICK=1" TIMEOUT "900" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;56;add_test;/work/main/tests/CMakeLists.txt;72;cosmosb_add_criterion_test;/work/main/tests/CMakeLists.txt;0;")
add_test(test_arena_threads "/work/main/build-ci/asan-ubsan/tests/test_arena_threads" "--jobs" "1" "--short-filename")
set_tests_properties(test_arena_threads PROPERTIES  ENVIRONMENT "COSMOSB_TEST_QUICK=1" TIMEOUT "600" _BACKTRACE_TRIPLES "/work/main/tests/CMakeLists.txt;56;add_test;/work/main/tests/CMakeLists.txt;73;cosmosb_add_criterion_test;/work/main/tests/CMakeLists.txt;0;")
