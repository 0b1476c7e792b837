file(REMOVE_RECURSE
  "CMakeFiles/test_arena_core.dir/test_arena_core.c.o"
  "CMakeFiles/test_arena_core.dir/test_arena_core.c.o.d"
  "test_arena_core"
  "test_arena_core.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_arena_core.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
