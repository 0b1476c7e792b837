/*
 * test_attach_race.c - a peer that changes a memfd between the attacher's
 * checks (Linux-layer audit, 2026-12-03).
 *
 * The attach paths check that a received memfd's size is sealed, then map
 * its size. They used to read the size (fstat) first and the seals second: a
 * peer that shrank the file in between and sealed it then passed both
 * checks, and the survivor mapped pages past the end of the file (SIGBUS on
 * its first read of the header; a race found 13 times in 100000 tries
 * without help). This file replaces fcntl() (for this test binary only) so
 * that the peer's move happens at exactly the attacher's seal check: the
 * first F_GET_SEALS after arm() shrinks the memfd to nothing and seals it,
 * as the hostile peer would have, then runs the real call. Criterion reports
 * a crash of the test as a failure.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

static int g_victim = -1; /* the hostile peer's own descriptor of the memfd, -1: disarmed */
static int g_moves;
static int g_readlink_errno; /* 0: readlink works; else it fails with this (a seccomp profile, say) */

ssize_t readlink(const char *restrict path, char *restrict buf, size_t size)
{
    if (g_readlink_errno) {
        errno = g_readlink_errno;
        return -1;
    }
    return syscall(SYS_readlink, path, buf, size);
}

int fcntl(int fd, int cmd, ...)
{
    va_list ap;
    va_start(ap, cmd);
    long arg = va_arg(ap, long); /* every command this process uses takes an int, a pointer or nothing */
    va_end(ap);
    if (cmd == F_GET_SEALS && g_victim >= 0) {
        int v = g_victim;
        g_victim = -1;
        g_moves++;
        /* the peer: shrink to nothing, then seal the size for good */
        cr_assert_eq(ftruncate(v, 0), 0);
        cr_assert_eq(syscall(SYS_fcntl, v, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL), 0);
    }
    return (int)syscall(SYS_fcntl, fd, cmd, arg);
}

/* An unsealed memfd of 1 MiB of nonzero bytes: anything read from it past its end faults. */
static int unsealed_memfd(void)
{
    int fd = memfd_create("cosmosb-race", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, 1 << 20), 0);
    static uint8_t junk[4096];
    memset(junk, 0x5c, sizeof junk);
    cr_assert_eq(pwrite(fd, junk, sizeof junk, 0), (ssize_t)sizeof junk);
    return fd;
}

Test(attach_race, a_region_shrunk_and_sealed_at_our_seal_check_is_refused)
{
    int fd = unsealed_memfd();
    g_moves = 0;
    g_victim = fd;
    cosmosb_region_t *r = NULL;
    int rc = cosmosb_region_attach(fd, COSMOSB_REGION_PIPE, &r);
    cr_assert_eq(g_moves, 1, "the seal check did not run");
    cr_assert_lt(rc, 0, "attached a region of size 0");
    cr_assert_null(r);
    close(fd);
}

Test(attach_race, a_pipe_region_shrunk_and_sealed_at_our_seal_check_is_refused)
{
    int fd = unsealed_memfd();
    g_moves = 0;
    g_victim = fd;
    cosmosb_pipe_t *p = NULL;
    int rc = cosmosb_pipe_attach(fd, -1, &p);
    cr_assert_eq(g_moves, 1);
    cr_assert_lt(rc, 0);
    cr_assert_null(p);
    close(fd);
}

Test(attach_race, arena_meta_shrunk_and_sealed_at_our_seal_check_is_refused)
{
    int meta = unsealed_memfd();
    int data = memfd_create("cosmosb-race-data", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    cr_assert_geq(data, 0);
    cr_assert_eq(ftruncate(data, 1 << 20), 0);
    cr_assert_eq(syscall(SYS_fcntl, data, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW), 0);
    g_moves = 0;
    g_victim = meta;
    cosmosb_arena_t *a = NULL;
    int rc = cosmosb_arena_attach_fds(meta, data, 0, &a);
    cr_assert_eq(g_moves, 1);
    cr_assert_lt(rc, 0);
    cr_assert_null(a);
    close(meta);
    close(data);
}

/* Review 15: where readlink is refused (EPERM or ENOSYS from a seccomp profile), a real eventfd was
 * refused too; the inode check alone decides there. A pipe is still refused. */
Test(attach_race, an_eventfd_is_taken_where_readlink_is_refused)
{
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = 16;
    cfg.flags |= COSMOSB_PIPE_EVENTFD;
    cosmosb_pipe_t *c = NULL, *p = NULL;
    ASSERT_RC(cosmosb_pipe_create(&cfg, &c), COSMOSB_OK);
    int pp[2];
    cr_assert_eq(pipe(pp), 0);
    int errs[] = {EPERM, ENOSYS, ENOENT};
    for (unsigned i = 0; i < sizeof errs / sizeof errs[0]; i++) {
        g_readlink_errno = errs[i];
        ASSERT_RC(cosmosb_pipe_attach(cosmosb_pipe_fd(c), pp[1], &p), COSMOSB_EBADF);
        ASSERT_RC(cosmosb_pipe_attach(cosmosb_pipe_fd(c), cosmosb_pipe_eventfd(c), &p), COSMOSB_OK);
        g_readlink_errno = 0;
        cosmosb_pipe_close(p);
        p = NULL;
        ASSERT_RC(cosmosb_pipe_recv(c, &i, 0, NULL, 0), COSMOSB_ECLOSED);
    }
    close(pp[0]);
    close(pp[1]);
    cosmosb_pipe_close(c);
}
