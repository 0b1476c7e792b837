file(REMOVE_RECURSE
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/arena_graph.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/arena_graph.c.o.d"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/arena_objects.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/arena_objects.c.o.d"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/arena_open.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/arena_open.c.o.d"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/arena_reap.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/arena_reap.c.o.d"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/arena_transfer.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/arena_transfer.c.o.d"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/error.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/error.c.o.d"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/pipe_consumer.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/pipe_consumer.c.o.d"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/pipe_open.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/pipe_open.c.o.d"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/pipe_producer.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/pipe_producer.c.o.d"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/pipe_wait.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/pipe_wait.c.o.d"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/platform_default.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/platform_default.c.o.d"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/version.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/version.c.o.d"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/window.c.o"
  "CMakeFiles/cosmosb_freestanding.dir/lib/core/window.c.o.d"
  "libcosmosb-freestanding.a"
  "libcosmosb-freestanding.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/cosmosb_freestanding.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
