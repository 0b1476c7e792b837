CMakeFiles/cosmosb_freestanding.dir/lib/core/error.c.o: \
  /work/main/lib/core/error.c /work/main/include/cosmosb/error.h \
  /work/main/include/cosmosb/defs.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stddef.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/__stddef_max_align_t.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stdint.h \
  /usr/include/stdint.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stdbool.h
