# Empty dependencies file for test_arena_threads.
# This may be replaced when dependencies are built.
