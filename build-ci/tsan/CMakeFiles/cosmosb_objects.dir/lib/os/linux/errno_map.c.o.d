CMakeFiles/cosmosb_objects.dir/lib/os/linux/errno_map.c.o: \
  /work/main/lib/os/linux/errno_map.c /usr/include/errno.h \
  /usr/include/features.h /usr/include/features-time64.h \
  /usr/include/x86_64-linux-gnu/bits/wordsize.h \
  /usr/include/x86_64-linux-gnu/bits/timesize.h \
  /usr/include/stdc-predef.h /usr/include/x86_64-linux-gnu/sys/cdefs.h \
  /usr/include/x86_64-linux-gnu/bits/long-double.h \
  /usr/include/x86_64-linux-gnu/gnu/stubs.h \
  /usr/include/x86_64-linux-gnu/gnu/stubs-64.h \
  /usr/include/x86_64-linux-gnu/bits/errno.h /usr/include/linux/errno.h \
  /usr/include/x86_64-linux-gnu/asm/errno.h \
  /usr/include/asm-generic/errno.h /usr/include/asm-generic/errno-base.h \
  /usr/include/x86_64-linux-gnu/bits/types/error_t.h \
  /work/main/lib/os/linux/linux_internal.h \
  /work/main/include/cosmosb/cosmosb.h /work/main/include/cosmosb/defs.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stddef.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/__stddef_max_align_t.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stdint.h \
  /usr/include/stdint.h \
  /usr/include/x86_64-linux-gnu/bits/libc-header-start.h \
  /usr/include/x86_64-linux-gnu/bits/types.h \
  /usr/include/x86_64-linux-gnu/bits/typesizes.h \
  /usr/include/x86_64-linux-gnu/bits/time64.h \
  /usr/include/x86_64-linux-gnu/bits/wchar.h \
  /usr/include/x86_64-linux-gnu/bits/stdint-intn.h \
  /usr/include/x86_64-linux-gnu/bits/stdint-uintn.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stdbool.h \
  /work/main/include/cosmosb/version.h \
  /work/main/include/cosmosb/error.h \
  /work/main/include/cosmosb/platform.h \
  /work/main/include/cosmosb/pipe.h /work/main/include/cosmosb/ref.h \
  /work/main/include/cosmosb/window.h /work/main/include/cosmosb/arena.h \
  /work/main/include/cosmosb/region.h \
  /work/main/include/cosmosb/fdpass.h \
  /work/main/include/cosmosb/pipe_linux.h \
  /work/main/include/cosmosb/waitset.h \
  /work/main/include/cosmosb/arena_linux.h \
  /work/main/lib/core/pipe_internal.h /work/main/lib/core/atomic.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/limits.h \
  /usr/include/limits.h /usr/include/x86_64-linux-gnu/bits/posix1_lim.h \
  /usr/include/x86_64-linux-gnu/bits/local_lim.h \
  /usr/include/linux/limits.h \
  /usr/include/x86_64-linux-gnu/bits/pthread_stack_min-dynamic.h \
  /usr/include/x86_64-linux-gnu/bits/posix2_lim.h \
  /usr/include/x86_64-linux-gnu/bits/xopen_lim.h \
  /usr/include/x86_64-linux-gnu/bits/uio_lim.h \
  /usr/lib/llvm-14/lib/clang/14.0.6/include/stdatomic.h \
  /work/main/lib/core/layout.h
