file(REMOVE_RECURSE
  "CMakeFiles/cosmosb-demo.dir/demo.c.o"
  "CMakeFiles/cosmosb-demo.dir/demo.c.o.d"
  "cosmosb-demo"
  "cosmosb-demo.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/cosmosb-demo.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
