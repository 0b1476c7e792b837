CMakeFiles/cosmosb_freestanding.dir/lib/core/window.c.o: \
 /work/main/lib/core/window.c /work/main/include/cosmosb/window.h \
 /work/main/include/cosmosb/defs.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stddef.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stdint.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stdint-gcc.h \
 /usr/lib/gcc/x86_64-linux-gnu/12/include/stdbool.h \
 /work/main/include/cosmosb/error.h
