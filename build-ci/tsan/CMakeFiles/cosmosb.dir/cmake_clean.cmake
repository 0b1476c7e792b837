file(REMOVE_RECURSE
  "libcosmosb.pdb"
  "libcosmosb.so"
  "libcosmosb.so.0"
  "libcosmosb.so.0.1.0"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/cosmosb.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
