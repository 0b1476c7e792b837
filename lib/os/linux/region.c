/*
 * region.c - sealed memfd regions with a validated header.
 *
 * Header (64 bytes at offset 0), written once by the creator before the
 * region is sealed and handed out:
 *   magic, abi_version, header_size, kind, region_size, payload_offset,
 *   payload_size, creator_pid.
 * Attach trusts nothing before it has checked, in order: the fd is a memfd
 * whose size can no longer change (seals), the size is sane, the header's
 * magic and version, and that the header agrees with fstat().
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "os/linux/linux_internal.h"

#define REGION_MAGIC 0x52424d43u /* "CMBR" */
#define REGION_HDR_SIZE 64u
#define REGION_MAX_SIZE (1ull << 46)
#define REQUIRED_SEALS (F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL)
/* memfd_create's name limit: NAME_MAX minus the "memfd:" prefix. A longer name is EINVAL from the kernel,
 * the same errno as no sealing support, so it is checked here first (review 21). */
#define REGION_NAME_MAX 249u

struct region_hdr {
    uint32_t magic;
    uint32_t abi_version;
    uint32_t header_size;
    uint32_t kind;
    uint64_t region_size;
    uint64_t payload_offset;
    uint64_t payload_size;
    uint32_t creator_pid;
    uint32_t reserved[5];
};
_Static_assert(sizeof(struct region_hdr) == REGION_HDR_SIZE, "region header is 64 bytes");
_Static_assert(offsetof(struct region_hdr, payload_size) == 32, "layout");

struct cosmosb_region {
    int fd;
    uint32_t kind;
    uint8_t *base;
    uint64_t size;
    uint64_t payload_size;
};

static uint64_t page_round(uint64_t v)
{
    uint64_t page = (uint64_t)sysconf(_SC_PAGESIZE);
    return (v + page - 1) / page * page;
}

int cosmosb_region_create(const char *debug_name, uint32_t kind, uint64_t payload_size, cosmosb_region_t **out)
{
    if (!out || payload_size == 0 || payload_size > REGION_MAX_SIZE ||
        (kind != COSMOSB_REGION_PIPE && kind != COSMOSB_REGION_RAW) ||
        (debug_name && strnlen(debug_name, REGION_NAME_MAX + 1u) > REGION_NAME_MAX))
        return COSMOSB_EINVAL;
    uint64_t size = page_round(REGION_HDR_SIZE + payload_size);
    if (!cosmosb__linux_mappable(size))
        return COSMOSB_ENOMEM;
    cosmosb_region_t *r = calloc(1, sizeof *r);
    if (!r)
        return COSMOSB_ENOMEM;
    int rc;
    r->fd = memfd_create(debug_name ? debug_name : "cosmosb", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    if (r->fd < 0) {
        rc = errno == EINVAL ? COSMOSB_ENOTSUP : cosmosb__linux_err(errno); /* the name was checked above */
        free(r);
        return rc;
    }
    if (ftruncate(r->fd, (off_t)size) != 0) {
        rc = cosmosb__linux_err(errno);
        goto fail_fd;
    }
    void *m = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, r->fd, 0);
    if (m == MAP_FAILED) {
        rc = cosmosb__linux_err(errno);
        goto fail_fd;
    }
    r->base = m;
    r->size = size;
    r->kind = kind;
    r->payload_size = size - REGION_HDR_SIZE;
    struct region_hdr *h = m;
    h->abi_version = COSMOSB_ABI_VERSION;
    h->header_size = REGION_HDR_SIZE;
    h->kind = kind;
    h->region_size = size;
    h->payload_offset = REGION_HDR_SIZE;
    h->payload_size = r->payload_size;
    h->creator_pid = (uint32_t)getpid();
    h->magic = REGION_MAGIC;
    /* From here on nobody can change the size: no truncation, no SIGBUS. */
    if (fcntl(r->fd, F_ADD_SEALS, REQUIRED_SEALS) != 0) {
        rc = errno == EINVAL ? COSMOSB_ENOTSUP : cosmosb__linux_err(errno);
        munmap(m, (size_t)size);
        goto fail_fd;
    }
    *out = r;
    return COSMOSB_OK;
fail_fd:
    close(r->fd);
    free(r);
    return rc;
}

int cosmosb_region_attach(int fd, uint32_t kind, cosmosb_region_t **out)
{
    if (!out)
        return COSMOSB_EINVAL;
    if (fd < 0)
        return COSMOSB_EBADF;
    /* Seals first, size second: once shrinking and growing are sealed the size is final, so the
     * size we map is the file's for good. (The other order let a peer that adds the seals after
     * our fstat shrink the file first: we then mapped pages past its end, SIGBUS on the header.) */
    int seals = fcntl(fd, F_GET_SEALS);
    if (seals < 0 || (seals & REQUIRED_SEALS) != REQUIRED_SEALS)
        return COSMOSB_EBADF; /* not a memfd, or its size could still change */
    struct stat st;
    if (fstat(fd, &st) != 0)
        return errno == EOVERFLOW ? COSMOSB_ENOMEM : COSMOSB_EBADF; /* EOVERFLOW: too big for our off_t */
    if (!S_ISREG(st.st_mode) || !cosmosb__linux_is_tmpfs(fd))
        return COSMOSB_EBADF; /* tmpfs only: a hugetlbfs memfd can lose pages under us (SIGBUS) */
    uint64_t size = (uint64_t)st.st_size;
    if (st.st_size < 0 || size < REGION_HDR_SIZE || size > REGION_MAX_SIZE || size != page_round(size))
        return COSMOSB_ECORRUPT;
    if (!cosmosb__linux_mappable(size))
        return COSMOSB_ENOMEM; /* a 64-bit creator's region of 4 GiB or more, say */
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || (flags & O_ACCMODE) != O_RDWR)
        return COSMOSB_EBADF;
    int myfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
    if (myfd < 0)
        return cosmosb__linux_err(errno);
    int rc;
    void *m = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, myfd, 0);
    if (m == MAP_FAILED) {
        rc = errno == EACCES ? COSMOSB_EBADF : cosmosb__linux_err(errno);
        close(myfd);
        return rc;
    }
    /* Copy the header once: the peer may be rewriting it while we look. */
    struct region_hdr h;
    memcpy(&h, m, sizeof h);
    rc = COSMOSB_OK;
    if (h.magic != REGION_MAGIC)
        rc = COSMOSB_ECORRUPT;
    else if (h.abi_version != COSMOSB_ABI_VERSION)
        rc = COSMOSB_EVERSION;
    else if (h.header_size != REGION_HDR_SIZE || h.region_size != size || h.payload_offset != REGION_HDR_SIZE ||
             h.payload_size != size - REGION_HDR_SIZE)
        rc = COSMOSB_ECORRUPT;
    else if (kind != COSMOSB_REGION_ANY && h.kind != kind)
        rc = COSMOSB_EINVAL;
    cosmosb_region_t *r = NULL;
    if (rc == COSMOSB_OK && !(r = calloc(1, sizeof *r)))
        rc = COSMOSB_ENOMEM;
    if (rc) {
        munmap(m, (size_t)size);
        close(myfd);
        return rc;
    }
    r->fd = myfd;
    r->kind = h.kind;
    r->base = m;
    r->size = size;
    r->payload_size = h.payload_size;
    *out = r;
    return COSMOSB_OK;
}

void cosmosb_region_close(cosmosb_region_t *r)
{
    if (!r)
        return;
    munmap(r->base, (size_t)r->size);
    close(r->fd);
    free(r);
}

void *cosmosb_region_payload(const cosmosb_region_t *r)
{
    return r ? r->base + REGION_HDR_SIZE : NULL;
}

uint64_t cosmosb_region_payload_size(const cosmosb_region_t *r)
{
    return r ? r->payload_size : 0;
}

uint32_t cosmosb_region_kind(const cosmosb_region_t *r)
{
    return r ? r->kind : 0;
}

int cosmosb_region_fd(const cosmosb_region_t *r)
{
    return r ? r->fd : -1;
}
