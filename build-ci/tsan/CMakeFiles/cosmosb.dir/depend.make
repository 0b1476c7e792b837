# Empty dependencies file for cosmosb.
# This may be replaced when dependencies are built.
