/* peerfd.c - checks and cleanup for descriptors received from a peer. */
#include <sys/vfs.h>

#include "os/linux/linux_internal.h"

/* statfs(2) f_type of tmpfs/shmem: plain memfds live there (linux/magic.h spells it TMPFS_MAGIC). */
#define PEERFD_TMPFS_MAGIC 0x01021994

int cosmosb__linux_is_tmpfs(int fd)
{
    struct statfs sfs;
    if (fstatfs(fd, &sfs) != 0)
        return 0;
    return sfs.f_type == PEERFD_TMPFS_MAGIC;
}
