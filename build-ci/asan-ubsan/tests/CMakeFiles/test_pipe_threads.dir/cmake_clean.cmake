file(REMOVE_RECURSE
  "CMakeFiles/test_pipe_threads.dir/test_pipe_threads.c.o"
  "CMakeFiles/test_pipe_threads.dir/test_pipe_threads.c.o.d"
  "test_pipe_threads"
  "test_pipe_threads.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_pipe_threads.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
