
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/bench/baselines.c" "bench/CMakeFiles/cosmosb_benchlib.dir/baselines.c.o" "gcc" "bench/CMakeFiles/cosmosb_benchlib.dir/baselines.c.o.d"
  "/work/main/bench/bench_harness.c" "bench/CMakeFiles/cosmosb_benchlib.dir/bench_harness.c.o" "gcc" "bench/CMakeFiles/cosmosb_benchlib.dir/bench_harness.c.o.d"
  "/work/main/bench/bench_util.c" "bench/CMakeFiles/cosmosb_benchlib.dir/bench_util.c.o" "gcc" "bench/CMakeFiles/cosmosb_benchlib.dir/bench_util.c.o.d"
  "/work/main/bench/cosmosb_cases.c" "bench/CMakeFiles/cosmosb_benchlib.dir/cosmosb_cases.c.o" "gcc" "bench/CMakeFiles/cosmosb_benchlib.dir/cosmosb_cases.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  "/work/main/build-bench/CMakeFiles/cosmosb_static.dir/DependInfo.cmake"
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
