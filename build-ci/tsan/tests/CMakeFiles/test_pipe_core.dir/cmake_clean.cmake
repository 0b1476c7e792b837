file(REMOVE_RECURSE
  "CMakeFiles/test_pipe_core.dir/test_pipe_core.c.o"
  "CMakeFiles/test_pipe_core.dir/test_pipe_core.c.o.d"
  "test_pipe_core"
  "test_pipe_core.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_pipe_core.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
