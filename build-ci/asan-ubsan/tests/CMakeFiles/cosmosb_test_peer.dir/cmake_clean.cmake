file(REMOVE_RECURSE
  "CMakeFiles/cosmosb_test_peer.dir/peer_main.c.o"
  "CMakeFiles/cosmosb_test_peer.dir/peer_main.c.o.d"
  "cosmosb_test_peer"
  "cosmosb_test_peer.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/cosmosb_test_peer.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
