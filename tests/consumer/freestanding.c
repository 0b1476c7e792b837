/*
 * A program with no C library at all, linked against libcosmosb-freestanding.a
 * through pkg-config (see run.sh): it supplies the four functions the core may
 * call (memcpy, memset, memmove, memcmp), an entry point, and static memory,
 * then sends and receives one message through an in-process pipe using the
 * core API and the default (spinning) platform table. Exit status 0 = success.
 */
#include <cosmosb/defs.h>
#include <cosmosb/error.h>
#include <cosmosb/pipe.h>
#include <cosmosb/platform.h>
#include <cosmosb/version.h>

#include <stddef.h>
#include <stdint.h>

/* The host's side of the contract. volatile keeps the compiler from turning
 * these loops back into calls to themselves. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
void *memmove(void *dst, const void *src, size_t n);
int memcmp(const void *a, const void *b, size_t n);

void *memcpy(void *dst, const void *src, size_t n)
{
    volatile unsigned char *d = dst;
    const volatile unsigned char *s = src;
    while (n--)
        *d++ = *s++;
    return dst;
}

void *memset(void *dst, int c, size_t n)
{
    volatile unsigned char *d = dst;
    while (n--)
        *d++ = (unsigned char)c;
    return dst;
}

void *memmove(void *dst, const void *src, size_t n)
{
    volatile unsigned char *d = dst;
    const volatile unsigned char *s = src;
    if (d < s) {
        while (n--)
            *d++ = *s++;
    } else {
        while (n--)
            d[n] = s[n];
    }
    return dst;
}

int memcmp(const void *a, const void *b, size_t n)
{
    const volatile unsigned char *x = a;
    const volatile unsigned char *y = b;
    for (; n; n--, x++, y++)
        if (*x != *y)
            return *x < *y ? -1 : 1;
    return 0;
}

static _Alignas(COSMOSB_CACHELINE) unsigned char shared_mem[64 * 1024];
static _Alignas(COSMOSB_CACHELINE) unsigned char consumer_mem[16 * 1024];
static _Alignas(COSMOSB_CACHELINE) unsigned char producer_mem[16 * 1024];

int fs_main(void);

int fs_main(void)
{
    static const char msg[] = "freestanding";
    char buf[32];
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_t *c = NULL, *p = NULL;
    cosmosb_msg_info_t info;
    uint64_t need = 0;
    size_t i;

    if (cosmosb_version() != (uint32_t)COSMOSB_VERSION_HEX)
        return 2;
    if (cosmosb_strerror(COSMOSB_EFULL) == NULL)
        return 3;
    if (cosmosb_pipe_config_init(&cfg) != COSMOSB_OK)
        return 4;
    cfg.capacity = 8;
    cfg.slot_size = 32;
    if (cosmosb_pipe_memsize(&cfg, &need) != COSMOSB_OK || need > sizeof shared_mem)
        return 5;
    if (cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, cfg.max_producers) > sizeof consumer_mem ||
        cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0) > sizeof producer_mem)
        return 6;
    if (cosmosb_pipe_open_consumer(consumer_mem, sizeof consumer_mem, shared_mem, need, &cfg,
                                   cosmosb_platform_default(), NULL, &c) != COSMOSB_OK)
        return 7;
    if (cosmosb_pipe_open_producer(producer_mem, sizeof producer_mem, shared_mem, need,
                                   cosmosb_platform_default(), NULL, &p) != COSMOSB_OK)
        return 8;
    if (cosmosb_pipe_send(p, 99, msg, (uint32_t)sizeof msg, 0, COSMOSB_TIMEOUT_NONE) != COSMOSB_OK)
        return 9;
    if (cosmosb_pipe_recv(c, buf, (uint32_t)sizeof buf, &info, COSMOSB_TIMEOUT_NONE) != COSMOSB_OK)
        return 10;
    if (info.type_id != 99 || info.len != sizeof msg)
        return 11;
    for (i = 0; i < sizeof msg; i++)
        if (buf[i] != msg[i])
            return 12;
    cosmosb_pipe_close_endpoint(p);
    cosmosb_pipe_close_endpoint(c);
    return 0;
}

#if defined(__x86_64__) && defined(__linux__)
/* Entry point: align the stack, call fs_main, exit(status) by system call. */
__asm__(".text\n"
        ".globl _start\n"
        ".type _start, @function\n"
        "_start:\n"
        "    xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    call fs_main\n"
        "    mov %eax, %edi\n"
        "    mov $60, %eax\n"
        "    syscall\n"
        "    hlt\n");
#endif
