# Empty dependencies file for test_pipe_process.
# This may be replaced when dependencies are built.
