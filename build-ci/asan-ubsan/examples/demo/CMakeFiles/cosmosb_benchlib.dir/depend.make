# Empty dependencies file for cosmosb_benchlib.
# This may be replaced when dependencies are built.
