
# Consider dependencies only in project.
set(CMAKE_DEPENDS_IN_PROJECT_ONLY OFF)

# The set of languages for which implicit dependencies are needed:
set(CMAKE_DEPENDS_LANGUAGES
  )

# The set of dependency files which are needed:
set(CMAKE_DEPENDS_DEPENDENCY_FILES
  "/work/main/lib/core/arena_graph.c" "CMakeFiles/cosmosb_objects.dir/lib/core/arena_graph.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/arena_graph.c.o.d"
  "/work/main/lib/core/arena_objects.c" "CMakeFiles/cosmosb_objects.dir/lib/core/arena_objects.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/arena_objects.c.o.d"
  "/work/main/lib/core/arena_open.c" "CMakeFiles/cosmosb_objects.dir/lib/core/arena_open.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/arena_open.c.o.d"
  "/work/main/lib/core/arena_reap.c" "CMakeFiles/cosmosb_objects.dir/lib/core/arena_reap.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/arena_reap.c.o.d"
  "/work/main/lib/core/arena_transfer.c" "CMakeFiles/cosmosb_objects.dir/lib/core/arena_transfer.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/arena_transfer.c.o.d"
  "/work/main/lib/core/error.c" "CMakeFiles/cosmosb_objects.dir/lib/core/error.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/error.c.o.d"
  "/work/main/lib/core/pipe_consumer.c" "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_consumer.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_consumer.c.o.d"
  "/work/main/lib/core/pipe_open.c" "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_open.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_open.c.o.d"
  "/work/main/lib/core/pipe_producer.c" "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_producer.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_producer.c.o.d"
  "/work/main/lib/core/pipe_wait.c" "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_wait.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_wait.c.o.d"
  "/work/main/lib/core/platform_default.c" "CMakeFiles/cosmosb_objects.dir/lib/core/platform_default.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/platform_default.c.o.d"
  "/work/main/lib/core/version.c" "CMakeFiles/cosmosb_objects.dir/lib/core/version.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/version.c.o.d"
  "/work/main/lib/core/window.c" "CMakeFiles/cosmosb_objects.dir/lib/core/window.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/core/window.c.o.d"
  "/work/main/lib/os/linux/arena_linux.c" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/arena_linux.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/arena_linux.c.o.d"
  "/work/main/lib/os/linux/errno_map.c" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/errno_map.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/errno_map.c.o.d"
  "/work/main/lib/os/linux/fdpass.c" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/fdpass.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/fdpass.c.o.d"
  "/work/main/lib/os/linux/pipe_linux.c" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/pipe_linux.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/pipe_linux.c.o.d"
  "/work/main/lib/os/linux/platform_linux.c" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/platform_linux.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/platform_linux.c.o.d"
  "/work/main/lib/os/linux/region.c" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/region.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/region.c.o.d"
  "/work/main/lib/os/linux/waitset.c" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/waitset.c.o" "gcc" "CMakeFiles/cosmosb_objects.dir/lib/os/linux/waitset.c.o.d"
  )

# Targets to which this target links.
set(CMAKE_TARGET_LINKED_INFO_FILES
  )

# Fortran module output directory.
set(CMAKE_Fortran_TARGET_MODULE_DIR "")
