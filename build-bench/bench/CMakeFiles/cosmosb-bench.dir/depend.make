# Empty dependencies file for cosmosb-bench.
# This may be replaced when dependencies are built.
