# Empty dependencies file for test_arena_process.
# This may be replaced when dependencies are built.
