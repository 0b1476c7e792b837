# Empty dependencies file for test_pipe_corrupt.
# This may be replaced when dependencies are built.
