file(REMOVE_RECURSE
  "CMakeFiles/cosmosb_objects.dir/lib/core/error.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/core/error.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_consumer.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_consumer.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_open.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_open.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_producer.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_producer.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_wait.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/core/pipe_wait.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/core/platform_default.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/core/platform_default.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/core/version.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/core/version.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/core/window.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/core/window.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/os/linux/errno_map.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/os/linux/errno_map.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/os/linux/fdpass.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/os/linux/fdpass.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/os/linux/pipe_linux.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/os/linux/pipe_linux.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/os/linux/platform_linux.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/os/linux/platform_linux.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/os/linux/region.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/os/linux/region.c.o.d"
  "CMakeFiles/cosmosb_objects.dir/lib/os/linux/waitset.c.o"
  "CMakeFiles/cosmosb_objects.dir/lib/os/linux/waitset.c.o.d"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/cosmosb_objects.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
