file(REMOVE_RECURSE
  "CMakeFiles/test_arena_threads.dir/test_arena_threads.c.o"
  "CMakeFiles/test_arena_threads.dir/test_arena_threads.c.o.d"
  "test_arena_threads"
  "test_arena_threads.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_arena_threads.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
