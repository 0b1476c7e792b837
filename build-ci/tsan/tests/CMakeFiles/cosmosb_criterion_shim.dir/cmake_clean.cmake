file(REMOVE_RECURSE
  "CMakeFiles/cosmosb_criterion_shim.dir/shim/criterion_shim.c.o"
  "CMakeFiles/cosmosb_criterion_shim.dir/shim/criterion_shim.c.o.d"
  "libcosmosb_criterion_shim.a"
  "libcosmosb_criterion_shim.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/cosmosb_criterion_shim.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
