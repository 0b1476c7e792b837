# Empty dependencies file for cosmosb_freestanding.
# This may be replaced when dependencies are built.
