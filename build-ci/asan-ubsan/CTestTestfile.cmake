# CMake generated Testfile for 
# Source directory: /work/main
# Build directory: /work/main/build-ci/asan-ubsan
# 
# This file includes the relevant testing commands required for 
# testing this directory and lists subdirectories to be tested as well.
add_test(install_consumer "bash" "/work/main/tests/consumer/run.sh" "/work/main/build-ci/asan-ubsan")
set_tests_properties(install_consumer PROPERTIES  ENVIRONMENT "CC=/usr/bin/gcc;COSMOSB_CONSUMER_CFLAGS=-fsanitize=address,undefined -fno-omit-frame-pointer;CMAKE_COMMAND=/usr/bin/cmake" TIMEOUT "300" _BACKTRACE_TRIPLES "/work/main/cmake/install.cmake;141;add_test;/work/main/cmake/install.cmake;0;;/work/main/CMakeLists.txt;125;include;/work/main/CMakeLists.txt;0;")
add_test(headers "bash" "/work/main/tests/headers/check-headers.sh" "c" "/usr/bin/gcc" "/work/main/include")
set_tests_properties(headers PROPERTIES  TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/cmake/header-check.cmake;9;add_test;/work/main/cmake/header-check.cmake;0;;/work/main/cmake/install.cmake;147;include;/work/main/cmake/install.cmake;0;;/work/main/CMakeLists.txt;125;include;/work/main/CMakeLists.txt;0;")
add_test(headers_cxx "bash" "/work/main/tests/headers/check-headers.sh" "c++" "/usr/bin/g++" "/work/main/include")
set_tests_properties(headers_cxx PROPERTIES  SKIP_RETURN_CODE "77" TIMEOUT "120" _BACKTRACE_TRIPLES "/work/main/cmake/header-check.cmake;23;add_test;/work/main/cmake/header-check.cmake;0;;/work/main/cmake/install.cmake;147;include;/work/main/cmake/install.cmake;0;;/work/main/CMakeLists.txt;125;include;/work/main/CMakeLists.txt;0;")
add_test(freestanding_symbols "bash" "/work/main/tests/freestanding/check-symbols.sh" "/work/main/build-ci/asan-ubsan/libcosmosb-freestanding.a" "/work/main")
set_tests_properties(freestanding_symbols PROPERTIES  ENVIRONMENT "NM=/usr/bin/nm" TIMEOUT "60" _BACKTRACE_TRIPLES "/work/main/cmake/install.cmake;156;add_test;/work/main/cmake/install.cmake;0;;/work/main/CMakeLists.txt;125;include;/work/main/CMakeLists.txt;0;")
subdirs("tests")
subdirs("examples")
