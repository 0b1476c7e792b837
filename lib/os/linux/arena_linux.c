/*
 * arena_linux.c - arenas in sealed memfds: creation, sealing against new
 * writable mappings, descriptor passing, fork, close.
 *
 * Two memfds per arena, both sealed against shrinking and growing at
 * creation: meta (F_SEAL_SEAL too) and data (F_SEAL_FUTURE_WRITE |
 * F_SEAL_SEAL added by cosmosb_arena_seal()). Attach trusts nothing before
 * it has checked the seals and the sizes against fstat() and the meta
 * header. The mappings of one arena in one process are shared by the
 * handles that use them (a handle and the handles joined after a fork),
 * with a reference count, so forget/close unmap only when the last goes.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/linux/linux_internal.h"
#include "core/arena_internal.h"
#include "cosmosb/arena_linux.h"

#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif
#define SIZE_SEALS (F_SEAL_SHRINK | F_SEAL_GROW)
#define ARENA_SHARE_TAG 0x41524e41u /* "ANRA" */

struct arena_map {
    uint32_t refs;      /* handles of this process using these mappings */
    int meta_fd, data_fd;
    uint8_t *meta;
    uint8_t *data;      /* readable mapping */
    uint8_t *wdata;     /* the same mapping if writable, else NULL */
    uint64_t meta_size, data_size;
};

struct linux_arena {
    struct arena_map *map;
    struct cosmosb__linux_live live; /* our liveness lock on the meta memfd (liveness.c) */
};

static uint64_t page_round(uint64_t v)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    return (v + page - 1) / page * page;
}

static void map_put(struct arena_map *m)
{
    if (!m || --m->refs)
        return;
    if (m->meta)
        munmap(m->meta, (size_t)m->meta_size);
    if (m->data)
        munmap(m->data, (size_t)m->data_size);
    if (m->meta_fd >= 0)
        close(m->meta_fd);
    if (m->data_fd >= 0)
        close(m->data_fd);
    free(m);
}

static struct linux_arena *host_of(const cosmosb_arena_t *a)
{
    return (a && a->magic == COSMOSB__ARENA_HANDLE_MAGIC) ? a->host : NULL;
}

/*
 * The pid namespace we run in (the inode of /proc/self/ns/pid), 0 if it
 * cannot be told. Pids, the participants' ids, mean something only inside
 * one namespace: pidfd_open(pid) of a participant in another one asks
 * about an unrelated process (or none), and a live participant would be
 * reaped (eleventh review).
 */
static uint64_t pid_namespace(void)
{
    struct stat st;
    return stat("/proc/self/ns/pid", &st) == 0 ? (uint64_t)st.st_ino : 0;
}

/* Allocates a hosted handle for the mappings and joins; takes a reference on m on success. */
static int join_hosted(struct arena_map *m, cosmosb_arena_t **out)
{
    size_t hsize;
    int rc = cosmosb_arena_handle_memsize(m->meta, m->meta_size, &hsize);
    if (rc)
        return rc;
    struct linux_arena *la = calloc(1, sizeof *la);
    void *mem = NULL;
    if (!la || posix_memalign(&mem, 64, hsize) != 0) {
        free(la);
        return COSMOSB_ENOMEM;
    }
    la->live.lock_fd = -1;
    cosmosb_arena_t *a;
    /* Plain pids only within the creator's pid namespace (and when neither side can tell, as before);
     * anywhere else only a liveness lock's flagged id, which does not depend on the namespace, or none.
     * Read once: a peer may rewrite it (it only costs liveness). */
    uint64_t domain = *(const volatile uint64_t *)(const void *)&((const struct cosmosb__arena_hdr *)(const void *)m->meta)->id_domain;
    cosmosb_platform_t plat; /* join keeps a copy */
    /* The liveness lock before join publishes our id (its reservation of a record). */
    cosmosb__linux_live_open(&la->live, m->meta_fd);
    int foreign = domain != pid_namespace();
    cosmosb__linux_live_platform(&la->live, foreign, &plat);
    if (foreign && la->live.lock_fd < 0) {
        /* Outside the creator's namespace and without a lock: without an id, never reaped by a poll
         * (only by cosmosb_arena_reap()), and we judge nobody's liveness (docs/arena.md, "Join"). With
         * the lock, our id is judged by it and we judge flagged ids (docs/liveness.md). */
        plat.self_id = NULL;
        plat.peer_alive = NULL;
    }
    rc = cosmosb_arena_join(mem, hsize, m->meta, m->meta_size, m->data, m->wdata, m->data_size, &plat, &a);
    if (rc) {
        cosmosb__linux_live_close(&la->live);
        free(mem);
        free(la);
        return rc;
    }
    la->map = m;
    m->refs++;
    a->host = la;
    *out = a;
    return COSMOSB_OK;
}

static int new_memfd(const char *name, uint64_t size, int *fd)
{
    if (!cosmosb__linux_mappable(size))
        return COSMOSB_ENOMEM;
    *fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (*fd < 0)
        return errno == EINVAL ? COSMOSB_ENOTSUP : cosmosb__linux_err(errno);
    if (ftruncate(*fd, (off_t)size) != 0)
        return cosmosb__linux_err(errno);
    /* From here on nobody can change the size: no truncation, no SIGBUS. */
    if (fcntl(*fd, F_ADD_SEALS, SIZE_SEALS) != 0)
        return errno == EINVAL ? COSMOSB_ENOTSUP : cosmosb__linux_err(errno);
    return COSMOSB_OK;
}

static uint32_t random_id(void)
{
    uint32_t id = 0;
    while (id == 0) {
        if (getrandom(&id, sizeof id, 0) != (ssize_t)sizeof id)
            id = (uint32_t)getpid() * 2654435761u ^ (uint32_t)(uintptr_t)&id;
    }
    return id;
}

int cosmosb_arena_create(const cosmosb_arena_config_t *cfg, cosmosb_arena_t **out)
{
    uint64_t meta_size, data_size;
    if (!out)
        return COSMOSB_EINVAL;
    int rc = cosmosb_arena_memsize(cfg, &meta_size, &data_size);
    if (rc)
        return rc;
    struct arena_map *m = calloc(1, sizeof *m);
    if (!m)
        return COSMOSB_ENOMEM;
    m->refs = 1;
    m->meta_fd = m->data_fd = -1;
    m->meta_size = page_round(meta_size);
    m->data_size = page_round(data_size);
    if ((rc = new_memfd("cosmosb-arena-meta", m->meta_size, &m->meta_fd)) != 0 ||
        (rc = new_memfd("cosmosb-arena-data", m->data_size, &m->data_fd)) != 0)
        goto fail;
    if (fcntl(m->meta_fd, F_ADD_SEALS, F_SEAL_SEAL) != 0) {
        rc = cosmosb__linux_err(errno);
        goto fail;
    }
    void *meta = mmap(NULL, (size_t)m->meta_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->meta_fd, 0);
    if (meta == MAP_FAILED) {
        rc = cosmosb__linux_err(errno);
        goto fail;
    }
    m->meta = meta;
    void *data = mmap(NULL, (size_t)m->data_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->data_fd, 0);
    if (data == MAP_FAILED) {
        rc = cosmosb__linux_err(errno);
        goto fail;
    }
    m->data = m->wdata = data;
    if ((rc = cosmosb_arena_format(m->meta, m->meta_size, m->data_size, cfg, random_id())) != 0)
        goto fail;
    /* Before anyone else sees the arena: ids are pids of our namespace. */
    ((struct cosmosb__arena_hdr *)(void *)m->meta)->id_domain = pid_namespace();
    rc = join_hosted(m, out);
fail:
    map_put(m); /* join_hosted took its own reference on success */
    return rc;
}

int cosmosb_arena_seal(cosmosb_arena_t *a)
{
    struct linux_arena *la = host_of(a);
    if (!la)
        return COSMOSB_EINVAL;
    int seals = fcntl(la->map->data_fd, F_GET_SEALS);
    if (seals < 0)
        return cosmosb__linux_err(errno);
    if (seals & F_SEAL_FUTURE_WRITE)
        return COSMOSB_OK;
    if (fcntl(la->map->data_fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE | F_SEAL_SEAL) != 0)
        return errno == EINVAL ? COSMOSB_ENOTSUP : errno == EPERM ? COSMOSB_ESTATE : cosmosb__linux_err(errno);
    return COSMOSB_OK;
}

int cosmosb_arena_share(cosmosb_arena_t *a, int sock, uint32_t flags)
{
    struct linux_arena *la = host_of(a);
    if (!la || (flags & ~COSMOSB_ARENA_SHARE_WRITABLE))
        return COSMOSB_EINVAL;
    int seals = fcntl(la->map->data_fd, F_GET_SEALS);
    if (seals < 0)
        return cosmosb__linux_err(errno);
    int sealed = (seals & F_SEAL_FUTURE_WRITE) != 0;
    if (sealed == ((flags & COSMOSB_ARENA_SHARE_WRITABLE) != 0))
        return COSMOSB_ESTATE;
    int fds[2] = {la->map->meta_fd, la->map->data_fd};
    return cosmosb_fd_send(sock, fds, 2, ARENA_SHARE_TAG);
}

/* Checks that fd is a memfd whose size is final and that this process can map, and returns its size. */
static int check_memfd(int fd, uint64_t *size)
{
    if (fd < 0)
        return COSMOSB_EBADF;
    /* Seals first, size second: the size is final only once they are set (see cosmosb_region_attach). */
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (seals & SIZE_SEALS) != SIZE_SEALS)
        return COSMOSB_EBADF; /* not a memfd, or its size could still change */
    struct stat st;
    if (fstat(fd, &st) != 0)
        return errno == EOVERFLOW ? COSMOSB_ENOMEM : COSMOSB_EBADF; /* EOVERFLOW: too big for our off_t */
    if (!S_ISREG(st.st_mode) || st.st_size <= 0 || !cosmosb__linux_is_tmpfs(fd))
        return COSMOSB_EBADF; /* tmpfs only: a hugetlbfs memfd can lose pages under us (SIGBUS) */
    *size = (uint64_t)st.st_size;
    if (*size != page_round(*size))
        return COSMOSB_ECORRUPT;
    if (!cosmosb__linux_mappable(*size))
        return COSMOSB_ENOMEM; /* a 64-bit creator's area of 4 GiB or more, say */
    return COSMOSB_OK;
}

int cosmosb_arena_attach_fds(int meta_fd, int data_fd, uint32_t flags, cosmosb_arena_t **out)
{
    if (!out || (flags & ~COSMOSB_ARENA_WRITER))
        return COSMOSB_EINVAL;
    uint64_t ms, ds;
    int rc;
    if ((rc = check_memfd(meta_fd, &ms)) != 0 || (rc = check_memfd(data_fd, &ds)) != 0)
        return rc;
    struct arena_map *m = calloc(1, sizeof *m);
    if (!m)
        return COSMOSB_ENOMEM;
    m->refs = 1;
    m->meta_fd = fcntl(meta_fd, F_DUPFD_CLOEXEC, 0);
    m->data_fd = fcntl(data_fd, F_DUPFD_CLOEXEC, 0);
    m->meta_size = ms;
    m->data_size = ds;
    if (m->meta_fd < 0 || m->data_fd < 0) {
        rc = cosmosb__linux_err(errno);
        goto fail;
    }
    void *meta = mmap(NULL, (size_t)ms, PROT_READ | PROT_WRITE, MAP_SHARED, m->meta_fd, 0);
    if (meta == MAP_FAILED) {
        rc = errno == EACCES ? COSMOSB_EBADF : cosmosb__linux_err(errno);
        goto fail;
    }
    m->meta = meta;
    int prot = (flags & COSMOSB_ARENA_WRITER) ? PROT_READ | PROT_WRITE : PROT_READ;
    void *data = mmap(NULL, (size_t)ds, prot, MAP_SHARED, m->data_fd, 0);
    if (data == MAP_FAILED) {
        rc = (errno == EPERM || errno == EACCES) ? COSMOSB_EPERM : cosmosb__linux_err(errno);
        goto fail;
    }
    m->data = data;
    m->wdata = (flags & COSMOSB_ARENA_WRITER) ? data : NULL;
    rc = join_hosted(m, out);
fail:
    map_put(m);
    return rc;
}

int cosmosb_arena_attach_socket(int sock, uint32_t flags, cosmosb_arena_t **out, cosmosb_peer_cred_t *cred)
{
    /* one read: the socket's SO_RCVTIMEO bounds it, and so the whole call, without a deadline of ours */
    return cosmosb__linux_arena_attach_socket(sock, flags, out, cred, NULL);
}

int cosmosb__linux_arena_attach_socket(int sock, uint32_t flags, cosmosb_arena_t **out, cosmosb_peer_cred_t *cred,
                                       const struct cosmosb__linux_deadline *d)
{
    if (!out)
        return COSMOSB_EINVAL;
    int fds[2];
    uint32_t n = 0, tag = 0;
    int rc = cosmosb__linux_fd_recv(sock, fds, 2, &n, &tag, cred, d);
    if (rc)
        return rc;
    if (tag != ARENA_SHARE_TAG || n != 2)
        rc = COSMOSB_ECORRUPT;
    else
        rc = cosmosb_arena_attach_fds(fds[0], fds[1], flags, out);
    for (uint32_t i = 0; i < n; i++)
        cosmosb__linux_close_received(fds[i]); /* the handle holds its own duplicates */
    return rc;
}

int cosmosb_arena_fork_join(const cosmosb_arena_t *parent, cosmosb_arena_t **out)
{
    struct linux_arena *la = host_of(parent);
    if (!la || !out)
        return COSMOSB_EINVAL;
    return join_hosted(la->map, out);
}

void cosmosb_arena_forget(cosmosb_arena_t *a)
{
    struct linux_arena *la = host_of(a);
    if (!la)
        return;
    a->magic = 0;
    cosmosb__linux_live_close(&la->live); /* our copy of the parent's lock: the parent keeps its own */
    map_put(la->map);
    free(la);
    free(a);
}

void cosmosb_arena_close(cosmosb_arena_t *a)
{
    struct linux_arena *la = host_of(a);
    cosmosb_arena_leave(a);
    if (!la)
        return;
    cosmosb__linux_live_close(&la->live); /* only after the leave: until then we must look alive */
    map_put(la->map);
    free(la);
    free(a);
}

int cosmosb_arena_meta_fd(const cosmosb_arena_t *a)
{
    struct linux_arena *la = host_of(a);
    return la ? la->map->meta_fd : -1;
}

int cosmosb_arena_data_fd(const cosmosb_arena_t *a)
{
    struct linux_arena *la = host_of(a);
    return la ? la->map->data_fd : -1;
}
