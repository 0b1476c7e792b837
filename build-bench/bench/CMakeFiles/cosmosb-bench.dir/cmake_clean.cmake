file(REMOVE_RECURSE
  "CMakeFiles/cosmosb-bench.dir/cosmosb_bench.c.o"
  "CMakeFiles/cosmosb-bench.dir/cosmosb_bench.c.o.d"
  "cosmosb-bench"
  "cosmosb-bench.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/cosmosb-bench.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
