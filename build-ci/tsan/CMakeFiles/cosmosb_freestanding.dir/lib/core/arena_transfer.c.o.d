CMakeFiles/cosmosb_freestanding.dir/lib/core/arena_transfer.c.o: \
  /work/main/lib/core/arena_transfer.c \
  /work/main/lib/core/arena_internal.h \
  /work/main/include/cosmosb/arena.h /work/main/include/cosmosb/defs.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stddef.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/__stddef_max_align_t.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stdint.h \
  /usr/include/stdint.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stdbool.h \
  /work/main/include/cosmosb/platform.h /work/main/include/cosmosb/ref.h \
  /work/main/include/cosmosb/error.h \
  /work/main/include/cosmosb/version.h /work/main/lib/core/atomic.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/limits.h \
  /usr/include/limits.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stdatomic.h \
  /work/main/lib/core/arena_layout.h
