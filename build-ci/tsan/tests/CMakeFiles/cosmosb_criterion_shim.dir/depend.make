# Empty dependencies file for cosmosb_criterion_shim.
# This may be replaced when dependencies are built.
