file(REMOVE_RECURSE
  "CMakeFiles/test_pipe_corrupt.dir/test_pipe_corrupt.c.o"
  "CMakeFiles/test_pipe_corrupt.dir/test_pipe_corrupt.c.o.d"
  "test_pipe_corrupt"
  "test_pipe_corrupt.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_pipe_corrupt.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
