file(REMOVE_RECURSE
  "libcosmosb.a"
  "libcosmosb.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/cosmosb_static.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
