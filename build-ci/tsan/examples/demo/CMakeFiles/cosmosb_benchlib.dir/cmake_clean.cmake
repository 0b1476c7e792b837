file(REMOVE_RECURSE
  "CMakeFiles/cosmosb_benchlib.dir/__/__/bench/baselines.c.o"
  "CMakeFiles/cosmosb_benchlib.dir/__/__/bench/baselines.c.o.d"
  "CMakeFiles/cosmosb_benchlib.dir/__/__/bench/bench_harness.c.o"
  "CMakeFiles/cosmosb_benchlib.dir/__/__/bench/bench_harness.c.o.d"
  "CMakeFiles/cosmosb_benchlib.dir/__/__/bench/bench_util.c.o"
  "CMakeFiles/cosmosb_benchlib.dir/__/__/bench/bench_util.c.o.d"
  "CMakeFiles/cosmosb_benchlib.dir/__/__/bench/cosmosb_cases.c.o"
  "CMakeFiles/cosmosb_benchlib.dir/__/__/bench/cosmosb_cases.c.o.d"
  "libcosmosb_benchlib.a"
  "libcosmosb_benchlib.pdb"
)

# Per-language clean rules from dependency scanning.
foreach(lang C)
  include(CMakeFiles/cosmosb_benchlib.dir/cmake_clean_${lang}.cmake OPTIONAL)
endforeach()
