file(REMOVE_RECURSE
  "CMakeFiles/test_waitset.dir/test_waitset.c.o"
  "CMakeFiles/test_waitset.dir/test_waitset.c.o.d"
  "test_waitset"
  "test_waitset.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_waitset.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
