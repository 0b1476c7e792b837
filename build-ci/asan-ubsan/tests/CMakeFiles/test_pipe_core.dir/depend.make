# Empty dependencies file for test_pipe_core.
# This may be replaced when dependencies are built.
