file(REMOVE_RECURSE
  "CMakeFiles/test_arena_process.dir/test_arena_process.c.o"
  "CMakeFiles/test_arena_process.dir/test_arena_process.c.o.d"
  "test_arena_process"
  "test_arena_process.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_arena_process.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
