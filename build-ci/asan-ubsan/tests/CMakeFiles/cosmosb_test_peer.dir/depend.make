# Empty dependencies file for cosmosb_test_peer.
# This may be replaced when dependencies are built.
