# Empty dependencies file for test_arena_core.
# This may be replaced when dependencies are built.
