# Empty compiler generated dependencies file for cosmosb_static.
# This may be replaced when dependencies are built.
