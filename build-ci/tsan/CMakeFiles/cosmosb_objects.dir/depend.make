# Empty dependencies file for cosmosb_objects.
# This may be replaced when dependencies are built.
