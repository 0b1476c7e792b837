# Empty dependencies file for test_pipe_threads.
# This may be replaced when dependencies are built.
