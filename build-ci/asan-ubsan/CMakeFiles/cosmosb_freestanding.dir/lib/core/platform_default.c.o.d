CMakeFiles/cosmosb_freestanding.dir/lib/core/platform_default.c.o: \
 /work/main/lib/core/platform_default.c \
 /work/main/include/cosmosb/platform.h /work/main/include/cosmosb/defs.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stdint.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stdint-gcc.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stdbool.h
