file(REMOVE_RECURSE
  "CMakeFiles/test_region.dir/test_region.c.o"
  "CMakeFiles/test_region.dir/test_region.c.o.d"
  "test_region"
  "test_region.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/test_region.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
