CMakeFiles/cosmosb_freestanding.dir/lib/core/pipe_open.c.o: \
  /work/main/lib/core/pipe_open.c /work/main/lib/core/pipe_internal.h \
  /work/main/include/cosmosb/pipe.h /work/main/include/cosmosb/defs.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stddef.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/__stddef_max_align_t.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stdint.h \
  /usr/include/stdint.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stdbool.h \
  /work/main/include/cosmosb/platform.h \
  /work/main/include/cosmosb/error.h /work/main/lib/core/atomic.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/limits.h \
  /usr/include/limits.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stdatomic.h \
  /work/main/lib/core/layout.h /work/main/include/cosmosb/version.h
