# Empty dependencies file for cosmosb-demo.
# This may be replaced when dependencies are built.
