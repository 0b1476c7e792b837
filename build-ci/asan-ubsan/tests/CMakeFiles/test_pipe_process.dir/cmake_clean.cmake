file(REMOVE_RECURSE
  "CMakeFiles/test_pipe_process.dir/test_pipe_process.c.o"
  "CMakeFiles/test_pipe_process.dir/test_pipe_process.c.o.d"
  "test_pipe_process"
  "test_pipe_process.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_pipe_process.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
