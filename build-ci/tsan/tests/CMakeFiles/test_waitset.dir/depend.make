# Empty dependencies file for test_waitset.
# This may be replaced when dependencies are built.
