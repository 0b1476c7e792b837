/*
 * test_buffer.c - the buffer manager: windows (bounds, narrowing, rights,
 * stale generations, sealed), ring and heap allocation (wrap-around, reuse
 * only after release, exhaustion), forged windows, the validation hook; and
 * between processes: receivers cannot write or obtain a writable mapping,
 * sealed buffers, reading a file straight into a slice, and receivers
 * SIGKILLed at random points while holding windows; SO_RCVTIMEO bounding a
 * whole attach against a peer that trickles its share.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

/* ---- core views over memory of our own ---------------------------------- */

struct bfx {
    uint8_t *meta, *data, *buf[2];
    uint64_t ms, ds, bsize;
    size_t hs;
    void *amem[2], *mmem[2];
    cosmosb_arena_t *a[2];
    cosmosb_bufmgr_t *m[2]; /* 0: owner, 1: receiver */
};

static void bfx_init(struct bfx *f, uint64_t bsize, uint32_t mode, uint32_t max_slices)
{
    memset(f, 0, sizeof *f);
    cosmosb_arena_config_t cfg;
    ASSERT_RC(cosmosb_arena_config_init(&cfg), COSMOSB_OK);
    cfg.data_size = 1 << 20;
    cfg.block_size = 4096;
    cfg.objects_per_block = 64;
    cfg.max_participants = 4;
    cfg.max_transfers = 256;
    ASSERT_RC(cosmosb_arena_memsize(&cfg, &f->ms, &f->ds), COSMOSB_OK);
    f->meta = aligned_alloc(64, (f->ms + 63) & ~63ull);
    f->data = aligned_alloc(64, (f->ds + 63) & ~63ull);
    ASSERT_RC(cosmosb_arena_format(f->meta, f->ms, f->ds, &cfg, 0xb0f), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_handle_memsize(f->meta, f->ms, &f->hs), COSMOSB_OK);
    f->bsize = bsize;
    for (int i = 0; i < 2; i++) {
        f->buf[i] = aligned_alloc(64, bsize);
        memset(f->buf[i], 0, bsize);
    }
    for (int p = 0; p < 2; p++) {
        f->amem[p] = aligned_alloc(64, (f->hs + 63) & ~(size_t)63);
        ASSERT_RC(cosmosb_arena_join(f->amem[p], f->hs, f->meta, f->ms, f->data, p == 0 ? f->data : NULL, f->ds,
                                     NULL, &f->a[p]),
                  COSMOSB_OK);
        uint32_t ms = p == 0 ? max_slices : 0;
        size_t sz = cosmosb_bufmgr_handle_memsize(ms);
        cr_assert_gt(sz, 0u);
        f->mmem[p] = malloc(sz);
        ASSERT_RC(cosmosb_bufmgr_open(f->mmem[p], sz, f->a[p], ms, &f->m[p]), COSMOSB_OK);
        cr_assert_eq(cosmosb_bufmgr_arena(f->m[p]), f->a[p]);
        /* buffer 11 is the one under test; 22 the other mode, to check buffers do not mix */
        ASSERT_RC(cosmosb_bufmgr_add_buffer(f->m[p], 11, f->buf[0], p == 0 ? f->buf[0] : NULL, bsize, mode, 0),
                  COSMOSB_OK);
        ASSERT_RC(cosmosb_bufmgr_add_buffer(f->m[p], 22, f->buf[1], p == 0 ? f->buf[1] : NULL, bsize,
                                            mode == COSMOSB_BUFFER_RING ? COSMOSB_BUFFER_HEAP : COSMOSB_BUFFER_RING, 0),
                  COSMOSB_OK);
    }
}

static void bfx_free(struct bfx *f)
{
    for (int p = 0; p < 2; p++) {
        cosmosb_arena_leave(f->a[p]);
        free(f->amem[p]);
        free(f->mmem[p]);
        free(f->buf[p]);
    }
    free(f->meta);
    free(f->data);
}

static cosmosb_buffer_stats_t bstats(cosmosb_bufmgr_t *m, uint32_t id)
{
    cosmosb_buffer_stats_t s;
    ASSERT_RC(cosmosb_buffer_stats(m, id, &s), COSMOSB_OK);
    return s;
}

static void pattern(uint8_t *p, uint64_t n, uint32_t seed)
{
    for (uint64_t i = 0; i < n; i++)
        p[i] = (uint8_t)(seed ^ (i * 131u));
}

static int has_pattern(const uint8_t *p, uint64_t n, uint32_t seed)
{
    for (uint64_t i = 0; i < n; i++)
        if (p[i] != (uint8_t)(seed ^ (i * 131u)))
            return 0;
    return 1;
}

Test(buffer_core, add_buffer_and_open_errors)
{
    struct bfx f;
    bfx_init(&f, 1 << 16, COSMOSB_BUFFER_HEAP, 64);
    ASSERT_RC(cosmosb_bufmgr_add_buffer(f.m[0], 11, f.buf[0], f.buf[0], f.bsize, COSMOSB_BUFFER_HEAP, 0), COSMOSB_EBUSY);
    ASSERT_RC(cosmosb_bufmgr_add_buffer(f.m[0], 0, f.buf[0], NULL, f.bsize, COSMOSB_BUFFER_HEAP, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_bufmgr_add_buffer(f.m[0], 5, f.buf[0], NULL, 100, COSMOSB_BUFFER_HEAP, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_bufmgr_add_buffer(f.m[0], 5, f.buf[0], NULL, f.bsize, 7, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_bufmgr_add_buffer(f.m[0], 5, f.buf[0], f.buf[0], f.bsize, COSMOSB_BUFFER_HEAP, 1),
              COSMOSB_EINVAL); /* sealed but writable */
    for (uint32_t id = 100; id < 106; id++)
        ASSERT_RC(cosmosb_bufmgr_add_buffer(f.m[0], id, f.buf[0], NULL, f.bsize, COSMOSB_BUFFER_HEAP, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_bufmgr_add_buffer(f.m[0], 106, f.buf[0], NULL, f.bsize, COSMOSB_BUFFER_HEAP, 0), COSMOSB_ENOMEM);
    cr_assert_eq(cosmosb_bufmgr_handle_memsize((1u << 20) + 1u), 0u);
    cosmosb_bufmgr_t *m;
    void *mem = malloc(cosmosb_bufmgr_handle_memsize(8));
    ASSERT_RC(cosmosb_bufmgr_open(mem, 10, f.a[0], 8, &m), COSMOSB_ENOMEM);
    ASSERT_RC(cosmosb_bufmgr_open(mem, cosmosb_bufmgr_handle_memsize(8), NULL, 8, &m), COSMOSB_EINVAL);
    free(mem);
    cosmosb_window_t w;
    ASSERT_RC(cosmosb_buffer_alloc(f.m[1], 11, 100, &w, NULL), COSMOSB_EPERM); /* receiver: no writable mapping */
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 99, 100, &w, NULL), COSMOSB_ERANGE);
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 0, &w, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, f.bsize + 1, &w, NULL), COSMOSB_ENOMEM);
    bfx_free(&f);
}

Test(buffer_core, windows_bounds_narrowing_rights_and_stale)
{
    struct bfx f;
    bfx_init(&f, 1 << 16, COSMOSB_BUFFER_HEAP, 64);
    cosmosb_window_t w, n, x, t;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 1000, &w, &p), COSMOSB_OK);
    cr_assert_eq(w.length, 1000u);
    cr_assert_eq(w.rights, COSMOSB_WIN_READ | COSMOSB_WIN_WRITE);
    cr_assert_eq(w.offset % COSMOSB_SLICE_ALIGN, 0u);
    pattern(p, 1000, 7);
    const void *d;
    void *wp;
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &w, &d), COSMOSB_OK);
    cr_assert_eq(d, p);
    ASSERT_RC(cosmosb_window_resolve_writable(f.m[0], &w, &wp), COSMOSB_OK);
    /* a narrowed window reads its part */
    ASSERT_RC(cosmosb_window_narrow(&w, 100, 200, COSMOSB_WIN_READ, &n), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &n, &d), COSMOSB_OK);
    cr_assert(memcmp(d, (uint8_t *)p + 100, 200) == 0);
    ASSERT_RC(cosmosb_window_resolve_writable(f.m[0], &n, &wp), COSMOSB_EPERM); /* write right dropped */
    /* forged: longer, earlier, past the slice (inside its 64-byte rounding is allowed: the slice is 1024 bytes) */
    x = w;
    x.length = 1025;
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &x, &d), COSMOSB_ERANGE);
    x = w;
    x.offset -= 64;
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &x, &d), COSMOSB_ERANGE);
    x = w;
    x.offset += 1000;
    x.length = 25;
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &x, &d), COSMOSB_ERANGE);
    x = w;
    x.offset = UINT64_MAX - 10;
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &x, &d), COSMOSB_ERANGE);
    x = w;
    x.buffer_id = 22; /* a slice of another buffer */
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &x, &d), COSMOSB_ERANGE);
    x.buffer_id = 33;
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &x, &d), COSMOSB_ERANGE);
    x = w;
    x.rights = COSMOSB_WIN_WRITE;
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &x, &d), COSMOSB_EPERM);
    x.rights = 0x40;
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &x, &d), COSMOSB_EINVAL);
    x = w;
    x.rights |= COSMOSB_WIN_SEALED; /* not sealed */
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &x, &d), COSMOSB_ESTATE);
    x = w;
    x.reserved = 1;
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &x, &d), COSMOSB_EINVAL);
    x = w;
    x.generation++;
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &x, &d), COSMOSB_ESTALE);
    x = w;
    x.slice = 0xfffffff0u;
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &x, &d), COSMOSB_ERANGE);
    /* the receiver: gets read rights only */
    ASSERT_RC(cosmosb_window_give(f.m[0], &w, 1, &t), COSMOSB_OK);
    cr_assert_eq(t.rights, COSMOSB_WIN_READ, "WRITE is never given away");
    cr_assert_neq(t.transfer, 0u);
    ASSERT_RC(cosmosb_window_give(f.m[1], &t, 0, &x), COSMOSB_EINVAL); /* a transfer is accepted before giving on */
    ASSERT_RC(cosmosb_bufmgr_check_window(f.m[1], &t, COSMOSB_WIN_READ), COSMOSB_OK);
    ASSERT_RC(cosmosb_bufmgr_check_window(f.m[1], &t, COSMOSB_WIN_WRITE), COSMOSB_EPERM);
    ASSERT_RC(cosmosb_bufmgr_check_window(f.m[0], &t, COSMOSB_WIN_READ), COSMOSB_EPERM); /* addressed to 1 */
    ASSERT_RC(cosmosb_window_accept(f.m[1], &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_bufmgr_check_window(f.m[1], &t, COSMOSB_WIN_READ), COSMOSB_ESTALE); /* taken */
    ASSERT_RC(cosmosb_window_resolve(f.m[1], &t, &d), COSMOSB_OK);
    cr_assert(has_pattern(d, 1000, 7));
    ASSERT_RC(cosmosb_window_resolve_writable(f.m[1], &t, &wp), COSMOSB_EPERM);
    /* the slice lives while anyone holds it; then its space comes back and old windows are stale */
    ASSERT_RC(cosmosb_window_release(f.m[0], &w), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_resolve(f.m[1], &t, &d), COSMOSB_OK);
    cr_assert_eq(bstats(f.m[0], 11).slices, 1u);
    ASSERT_RC(cosmosb_window_release(f.m[1], &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(f.a[0], NULL), COSMOSB_OK); /* the owner reclaims its transfer */
    cosmosb_buffer_stats_t s = bstats(f.m[0], 11);
    cr_assert_eq(s.slices, 0u);
    cr_assert_eq(s.bytes_in_use, 0u);
    ASSERT_RC(cosmosb_window_resolve(f.m[1], &t, &d), COSMOSB_ESTALE);
    ASSERT_RC(cosmosb_window_resolve(f.m[0], &n, &d), COSMOSB_ESTALE);
    bfx_free(&f);
}

Test(buffer_core, ring_wraps_and_reuses_only_after_release)
{
    struct bfx f;
    bfx_init(&f, 8 * 4096, COSMOSB_BUFFER_RING, 64);
    cosmosb_window_t w[16];
    void *p;
    /* eight 4 KiB slices fill the ring */
    for (int i = 0; i < 8; i++) {
        ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 4096, &w[i], &p), COSMOSB_OK);
        cr_assert_eq(w[i].offset, (uint64_t)i * 4096u, "in order");
        pattern(p, 4096, (uint32_t)i);
    }
    cosmosb_window_t x;
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 64, &x, &p), COSMOSB_ENOMEM);
    /* releasing a slice in the middle does not make room: space comes back in order */
    ASSERT_RC(cosmosb_window_release(f.m[0], &w[3]), COSMOSB_OK);
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 64, &x, &p), COSMOSB_ENOMEM);
    /* the oldest goes: the ring wraps to the start */
    ASSERT_RC(cosmosb_window_release(f.m[0], &w[0]), COSMOSB_OK);
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 4096, &x, &p), COSMOSB_OK);
    cr_assert_eq(x.offset, 0u);
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 64, &w[0], &p), COSMOSB_ENOMEM); /* w[1] is next, still held */
    const void *d;
    for (int i = 1; i < 8; i++) {
        if (i == 3)
            continue;
        ASSERT_RC(cosmosb_window_resolve(f.m[0], &w[i], &d), COSMOSB_OK);
        cr_assert(has_pattern(d, 4096, (uint32_t)i), "slice %d intact", i);
    }
    ASSERT_RC(cosmosb_window_release(f.m[0], &x), COSMOSB_OK);
    for (int i = 1; i < 8; i++)
        if (i != 3)
            ASSERT_RC(cosmosb_window_release(f.m[0], &w[i]), COSMOSB_OK);
    /* streaming: many laps with odd sizes, the consumer (participant 1) lagging by up to four slices */
    cosmosb_window_t q[8];
    int qh = 0, qt = 0;
    uint32_t seq = 0, checked = 0;
    for (int step = 0; step < 5000; step++) {
        uint64_t len = 100u + (uint64_t)(step * 977) % 7000u;
        cosmosb_window_t s, t;
        int rc = cosmosb_buffer_alloc(f.m[0], 11, len, &s, &p);
        if (rc == COSMOSB_OK) {
            pattern(p, len, seq);
            ASSERT_RC(cosmosb_window_give(f.m[0], &s, 1, &t), COSMOSB_OK);
            ASSERT_RC(cosmosb_window_release(f.m[0], &s), COSMOSB_OK);
            q[qh++ % 8] = t;
            seq++;
        } else {
            ASSERT_RC(rc, COSMOSB_ENOMEM);
        }
        if (qh - qt > 4 || (rc != COSMOSB_OK && qh > qt)) {
            cosmosb_window_t *r = &q[qt++ % 8];
            ASSERT_RC(cosmosb_window_accept(f.m[1], r), COSMOSB_OK);
            ASSERT_RC(cosmosb_window_resolve(f.m[1], r, &d), COSMOSB_OK);
            cr_assert(has_pattern(d, r->length, checked), "slice %u damaged", checked);
            checked++;
            ASSERT_RC(cosmosb_window_release(f.m[1], r), COSMOSB_OK);
        }
    }
    cr_assert_gt(checked, 3000u, "%u slices went around the ring", checked);
    while (qt < qh) {
        cosmosb_window_t *r = &q[qt++ % 8];
        ASSERT_RC(cosmosb_window_accept(f.m[1], r), COSMOSB_OK);
        ASSERT_RC(cosmosb_window_release(f.m[1], r), COSMOSB_OK);
    }
    ASSERT_RC(cosmosb_arena_poll(f.a[0], NULL), COSMOSB_OK);
    cr_assert_eq(bstats(f.m[0], 11).bytes_in_use, 0u);
    cr_assert_eq(bstats(f.m[0], 22).bytes_in_use, 0u);
    bfx_free(&f);
}


/* review 22: the check above counted the owner's private counts per object index, so a dead slice whose
 * index the arena gave to another object of the owner's (the buffer manager shares the participant's
 * arena) kept its record, and its bytes, for as long as that object lived: an empty buffer was full. */
Test(buffer_core, a_dead_slice_whose_index_holds_another_object_is_reclaimed)
{
    struct bfx f;
    bfx_init(&f, 1 << 16, COSMOSB_BUFFER_HEAP, 64);
    cosmosb_window_t w;
    void *p = NULL;
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, f.bsize, &w, &p), COSMOSB_OK); /* the whole buffer */
    uint32_t dead = w.slice;
    ASSERT_RC(cosmosb_window_release(f.m[0], &w), COSMOSB_OK); /* nobody holds it now */
    /* ordinary use of the same arena: short-lived objects, until one takes the dead slice's index */
    cosmosb_ref_t r;
    void *d;
    for (int i = 0; i < 1000; i++) {
        ASSERT_RC(cosmosb_arena_alloc(f.a[0], 0x1234, 16, 0, &r, &d), COSMOSB_OK);
        if (r.object == dead)
            break; /* kept */
        ASSERT_RC(cosmosb_arena_release(f.a[0], &r), COSMOSB_OK);
    }
    cr_assert_eq(r.object, dead, "no object took the dead slice's index");
    int rc = cosmosb_buffer_alloc(f.m[0], 11, 4096, &w, &p);
    cr_assert_eq(rc, COSMOSB_OK, "allocating 4 KiB in an empty 64 KiB buffer: %s (slices recorded: %u)",
                 cosmosb_err_name(rc), bstats(f.m[0], 11).slices);
    ASSERT_RC(cosmosb_window_release(f.m[0], &w), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(f.a[0], &r), COSMOSB_OK);
    bfx_free(&f);
}
/*
 * review 21: the state word of a slice's object lives in meta, which every participant (receivers too)
 * can write. A receiver rewrote it to "free, next generation" and the owner's next allocation handed out
 * again the bytes of a slice the owner itself still held. The owner now believes ESTALE only for slices
 * its own private counts no longer hold. The hostile write is emulated here on the fixture's meta
 * (white box: object entries are the last area of meta, 32 bytes each, as obj_state() in arena_fixture.h).
 */
Test(buffer_core, a_scribbled_state_word_does_not_free_a_slice_the_owner_holds)
{
    struct bfx f;
    bfx_init(&f, 1 << 16, COSMOSB_BUFFER_HEAP, 64);
    const uint32_t nobjects = (uint32_t)(f.ds / 4096u) * 64u; /* blocks of 4096 bytes, 64 objects each */
    cosmosb_window_t w, w2;
    void *p = NULL, *p2 = NULL;
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, f.bsize, &w, &p), COSMOSB_OK); /* the whole buffer */
    pattern(p, f.bsize, 21);
    volatile uint32_t *st = (volatile uint32_t *)(void *)(f.meta + f.ms - (uint64_t)nobjects * 32u +
                                                          (uint64_t)w.slice * 32u);
    cr_assert_eq(*st, 2u | (w.generation << 12), "white-box layout: state word %#x", *st);
    *st = 0u | ((w.generation + 1u) << 12); /* "free", a later generation: what the hostile receiver wrote */
    int rc = cosmosb_buffer_alloc(f.m[0], 11, 4096, &w2, &p2);
    cr_expect_eq(rc, COSMOSB_ENOMEM, "an allocation in a buffer the owner still fills: %s (bytes at +%td)",
                 cosmosb_err_name(rc), rc == COSMOSB_OK ? (uint8_t *)p2 - (uint8_t *)p : (ptrdiff_t)-1);
    cr_expect(has_pattern(p, f.bsize, 21), "the owner's bytes were handed out again");
    cr_expect_eq(bstats(f.m[0], 11).slices, 1u);
    bfx_free(&f);
}

/* Review 22: a receiver that rewrites the state word of every object of the arena ("free, next
 * generation") made the arena's allocator take the entries of the owner's slice descriptors again, and
 * the owner then handed out bytes of slices it still held. */
Test(buffer_core, scribbling_every_state_word_does_not_free_the_slices_the_owner_holds)
{
    struct bfx f;
    bfx_init(&f, 1 << 16, COSMOSB_BUFFER_HEAP, 64);
    const uint32_t nobjects = (uint32_t)(f.ds / 4096u) * 64u; /* blocks of 4096 bytes, 64 objects each */
    cosmosb_window_t w[3], x;
    uint8_t *p[3];
    for (int i = 0; i < 3; i++) {
        void *q;
        ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 4000, &w[i], &q), COSMOSB_OK);
        p[i] = q;
        pattern(p[i], 4000, 40u + (uint32_t)i);
    }
    for (uint32_t idx = 0; idx < nobjects; idx++) { /* what the hostile receiver writes */
        volatile uint32_t *st = (volatile uint32_t *)(void *)(f.meta + f.ms - (uint64_t)nobjects * 32u +
                                                              (uint64_t)idx * 32u);
        *st = 0u | (((*st >> 12) + 1u) << 12);
    }
    int n = 0;
    void *q;
    /* Slices come and go: their descriptors fill the arena block, which its allocator then starts over. */
    while (n < 500 && cosmosb_buffer_alloc(f.m[0], 11, 1000, &x, &q) == COSMOSB_OK) {
        memset(q, 0xa5, 1000);
        ASSERT_RC(cosmosb_window_release(f.m[0], &x), COSMOSB_OK);
        n++;
    }
    cr_expect_eq(n, 500, "the owner can still allocate (%d)", n);
    for (int i = 0; i < 3; i++)
        cr_expect(has_pattern(p[i], 4000, 40u + (uint32_t)i), "slice %d, held by the owner, was handed out again", i);
    bfx_free(&f);
}

Test(buffer_core, heap_first_fit_exhaustion_and_slice_table)
{
    struct bfx f;
    bfx_init(&f, 64 * 1024, COSMOSB_BUFFER_HEAP, 40);
    cosmosb_window_t w[64];
    void *p;
    int n = 0, rc;
    while ((rc = cosmosb_buffer_alloc(f.m[0], 11, 2048, &w[n], &p)) == COSMOSB_OK) {
        pattern(p, 2048, (uint32_t)n);
        n++;
    }
    ASSERT_RC(rc, COSMOSB_ENOMEM);
    cr_assert_eq(n, 32);
    /* holes of 2 KiB fit 2 KiB, not 4 KiB; two adjacent holes do */
    ASSERT_RC(cosmosb_window_release(f.m[0], &w[5]), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_release(f.m[0], &w[9]), COSMOSB_OK);
    cosmosb_window_t x, y;
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 4096, &x, &p), COSMOSB_ENOMEM);
    ASSERT_RC(cosmosb_window_release(f.m[0], &w[10]), COSMOSB_OK);
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 4096, &x, &p), COSMOSB_OK);
    cr_assert_eq(x.offset, 9u * 2048u);
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 2000, &y, &p), COSMOSB_OK);
    cr_assert_eq(y.offset, 5u * 2048u, "first fit");
    const void *d;
    for (int i = 0; i < 32; i++) {
        if (i == 5 || i == 9 || i == 10)
            continue;
        ASSERT_RC(cosmosb_window_resolve(f.m[0], &w[i], &d), COSMOSB_OK);
        cr_assert(has_pattern(d, 2048, (uint32_t)i), "slice %d intact after ENOMEM", i);
    }
    /* the slice table (40 here) runs out before another buffer's space does */
    int k = 0;
    cosmosb_window_t z[16];
    while ((rc = cosmosb_buffer_alloc(f.m[0], 22, 64, &z[k], &p)) == COSMOSB_OK)
        k++;
    ASSERT_RC(rc, COSMOSB_ENOMEM);
    cr_assert_eq(k, 40 - 31, "%d more slices fit in the table", k);
    for (int i = 0; i < k; i++)
        ASSERT_RC(cosmosb_window_release(f.m[0], &z[i]), COSMOSB_OK);
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 22, 64, &z[0], &p), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_release(f.m[0], &z[0]), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_release(f.m[0], &x), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_release(f.m[0], &y), COSMOSB_OK);
    for (int i = 0; i < 32; i++)
        if (i != 5 && i != 9 && i != 10)
            ASSERT_RC(cosmosb_window_release(f.m[0], &w[i]), COSMOSB_OK);
    cr_assert_eq(bstats(f.m[0], 11).bytes_in_use, 0u);
    bfx_free(&f);
}

Test(buffer_core, forged_windows_never_pass)
{
    struct bfx f;
    bfx_init(&f, 1 << 16, COSMOSB_BUFFER_HEAP, 64);
    cosmosb_window_t w, t;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 3000, &w, &p), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_give(f.m[0], &w, 1, &t), COSMOSB_OK);
    srand(tu_seed(77u));
    for (int i = 0; i < 50000; i++) {
        cosmosb_window_t x = t;
        uint8_t *b = (uint8_t *)&x;
        int flips = 1 + rand() % 3;
        for (int k = 0; k < flips; k++)
            b[rand() % (int)sizeof x] ^= (uint8_t)(1u << (rand() % 8));
        if (i % 7 == 0)
            for (size_t k = 0; k < sizeof x; k++)
                b[k] = (uint8_t)rand();
        const void *d;
        int rc = cosmosb_window_resolve(f.m[1], &x, &d);
        if (rc == COSMOSB_OK) {
            /* only a narrower window of the same slice can resolve: check it stays inside */
            cr_assert(x.slice == t.slice && x.generation == t.generation && x.buffer_id == t.buffer_id);
            cr_assert(x.offset >= t.offset && x.offset + x.length <= t.offset + 3008u);
        } else {
            cr_assert(tu_is_code(rc));
        }
        rc = cosmosb_bufmgr_check_window(f.m[1], &x, COSMOSB_WIN_READ);
        cr_assert(rc == COSMOSB_OK || tu_is_code(rc));
        if (memcmp(&x, &t, sizeof x) != 0 && x.transfer != t.transfer)
            cr_assert_neq(cosmosb_window_accept(f.m[1], &x), COSMOSB_OK, "a forged transfer was taken");
    }
    ASSERT_RC(cosmosb_window_accept(f.m[1], &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_release(f.m[1], &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_release(f.m[0], &w), COSMOSB_OK);
    bfx_free(&f);
}

/* ---- hosted, between processes ---------------------------------------------- */

static int read_full(int fd, void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n) {
        ssize_t k = read(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return 0;
        p += k;
        n -= (size_t)k;
    }
    return 1;
}

static void write_all(int fd, const void *buf, size_t n)
{
    const uint8_t *p = buf;
    while (n) {
        ssize_t k = write(fd, p, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            _exit(4);
        p += k;
        n -= (size_t)k;
    }
}

static void segv_exit(int sig)
{
    (void)sig;
    _exit(42);
}

struct rx_arg {
    int sock;
    int mode; /* 0: check read-only; 1: hold windows until killed; 2: hold every window, ack each with a byte */
};

static int rx_child(void *argp)
{
    struct rx_arg *arg = argp;
    cosmosb_bufmgr_t *m;
    CHILD_CHECK_RC(cosmosb_bufmgr_attach_socket(arg->sock, &m, NULL), COSMOSB_OK);
    uint32_t me = cosmosb_arena_participant(cosmosb_bufmgr_arena(m));
    write_all(arg->sock, &me, sizeof me);
    if (arg->mode == 2) {
        for (;;) {
            cosmosb_window_t w;
            if (!read_full(arg->sock, &w, sizeof w))
                _exit(0);
            CHILD_CHECK_RC(cosmosb_window_accept(m, &w), COSMOSB_OK);
            uint8_t ack = 1;
            write_all(arg->sock, &ack, 1); /* held until we die */
        }
    }
    if (arg->mode == 1) {
        /* take every window that comes and keep some: the parent kills us at a random point */
        cosmosb_window_t held[64];
        int n = 0;
        for (;;) {
            cosmosb_window_t w;
            if (!read_full(arg->sock, &w, sizeof w))
                _exit(0);
            CHILD_CHECK_RC(cosmosb_window_accept(m, &w), COSMOSB_OK);
            const void *d;
            CHILD_CHECK_RC(cosmosb_window_resolve(m, &w, &d), COSMOSB_OK);
            CHILD_CHECK(((const uint8_t *)d)[w.length - 1] == (uint8_t)w.length);
            if (n < 64 && (w.length & 1)) {
                held[n++] = w; /* kept until we die */
                CHILD_CHECK(held[n - 1].slice == w.slice);
            } else
                CHILD_CHECK_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
        }
    }
    cosmosb_window_t w, sealed;
    CHILD_CHECK(read_full(arg->sock, &w, sizeof w));
    CHILD_CHECK(read_full(arg->sock, &sealed, sizeof sealed));
    CHILD_CHECK_RC(cosmosb_window_accept(m, &w), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_window_accept(m, &sealed), COSMOSB_OK);
    CHILD_CHECK(sealed.rights == (COSMOSB_WIN_READ | COSMOSB_WIN_SEALED));
    const void *d;
    CHILD_CHECK_RC(cosmosb_window_resolve(m, &sealed, &d), COSMOSB_OK);
    CHILD_CHECK(has_pattern(d, sealed.length, 99));
    CHILD_CHECK_RC(cosmosb_window_resolve(m, &w, &d), COSMOSB_OK);
    CHILD_CHECK(has_pattern(d, w.length, 5));
    void *wp;
    CHILD_CHECK_RC(cosmosb_window_resolve_writable(m, &w, &wp), COSMOSB_EPERM);
    /* the kernel refuses every way to write */
    int fd = cosmosb_buffer_fd(m, w.buffer_id);
    CHILD_CHECK(fd >= 0);
    CHILD_CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) == MAP_FAILED);
    CHILD_CHECK(mprotect((void *)((uintptr_t)d & ~(uintptr_t)4095), 4096, PROT_READ | PROT_WRITE) != 0);
    uint8_t byte = 1;
    CHILD_CHECK(pwrite(fd, &byte, 1, (off_t)w.offset) < 0);
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    int rw = open(path, O_RDWR);
    if (rw >= 0) {
        CHILD_CHECK(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, rw, 0) == MAP_FAILED);
        close(rw);
    }
    fflush(NULL);
    pid_t g = fork();
    if (g == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = segv_exit;
        sigaction(SIGSEGV, &sa, NULL);
        ((volatile uint8_t *)(uintptr_t)d)[0] = 0;
        _exit(0);
    }
    int st = tu_wait(g);
    CHILD_CHECK((WIFSIGNALED(st) && WTERMSIG(st) == SIGSEGV) || (WIFEXITED(st) && WEXITSTATUS(st) == 42));
    CHILD_CHECK_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_window_release(m, &sealed), COSMOSB_OK);
    cosmosb_bufmgr_close(m);
    return 0;
}

Test(buffer_process, receivers_read_only_and_sealed_buffers, .timeout = 60)
{
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 64, &m), COSMOSB_OK);
    uint32_t live, frozen;
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 20, COSMOSB_BUFFER_HEAP, &live), COSMOSB_OK);
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 20, COSMOSB_BUFFER_RING, &frozen), COSMOSB_OK);
    cr_assert_neq(live, frozen);
    cosmosb_window_t w, s;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(m, live, 10000, &w, &p), COSMOSB_OK);
    pattern(p, 10000, 5);
    ASSERT_RC(cosmosb_buffer_alloc(m, frozen, 300000, &s, &p), COSMOSB_OK);
    pattern(p, 300000, 99);
    ASSERT_RC(cosmosb_buffer_seal(m, frozen), COSMOSB_OK);
    ASSERT_RC(cosmosb_buffer_seal(m, frozen), COSMOSB_OK);
    cosmosb_window_t x;
    ASSERT_RC(cosmosb_buffer_alloc(m, frozen, 64, &x, &p), COSMOSB_ESTATE);
    ASSERT_RC(cosmosb_window_resolve_writable(m, &s, &p), COSMOSB_ESTATE);
    /* not even the owner can write a sealed buffer any more */
    int fd = cosmosb_buffer_fd(m, frozen);
    cr_assert_eq(mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), MAP_FAILED);
    uint8_t byte = 0;
    cr_assert_lt(pwrite(fd, &byte, 1, 0), 0);
    const void *d;
    ASSERT_RC(cosmosb_window_resolve(m, &s, &d), COSMOSB_OK);
    cr_assert(has_pattern(d, 300000, 99), "sealing keeps the bytes");
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct rx_arg arg = {sv[1], 0};
    pid_t pid = tu_fork(rx_child, &arg, 30);
    ASSERT_RC(cosmosb_bufmgr_share(m, sv[0]), COSMOSB_OK);
    uint32_t who;
    cr_assert(read_full(sv[0], &who, sizeof who));
    cosmosb_window_t tw, ts;
    ASSERT_RC(cosmosb_window_give(m, &w, who, &tw), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_give(m, &s, who, &ts), COSMOSB_OK);
    cr_assert(ts.rights & COSMOSB_WIN_SEALED);
    write_all(sv[0], &tw, sizeof tw);
    write_all(sv[0], &ts, sizeof ts);
    cr_assert(tu_wait_ok(pid));
    ASSERT_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_release(m, &s), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_poll(cosmosb_bufmgr_arena(m), NULL), COSMOSB_OK);
    cosmosb_buffer_stats_t st;
    ASSERT_RC(cosmosb_buffer_stats(m, live, &st), COSMOSB_OK);
    cr_assert_eq(st.slices, 0u);
    close(sv[0]);
    close(sv[1]);
    cosmosb_bufmgr_close(m);
}

struct some_arg {
    int sock;
};

static int some_child(void *argp)
{
    struct some_arg *arg = argp;
    cosmosb_bufmgr_t *m;
    CHILD_CHECK_RC(cosmosb_bufmgr_attach_socket(arg->sock, &m, NULL), COSMOSB_OK);
    uint32_t me = cosmosb_arena_participant(cosmosb_bufmgr_arena(m));
    write_all(arg->sock, &me, sizeof me);
    cosmosb_window_t hdr, body;
    CHILD_CHECK(read_full(arg->sock, &hdr, sizeof hdr));
    CHILD_CHECK(read_full(arg->sock, &body, sizeof body));
    const void *d;
    CHILD_CHECK_RC(cosmosb_window_accept(m, &hdr), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_window_resolve(m, &hdr, &d), COSMOSB_OK);
    CHILD_CHECK(has_pattern(d, hdr.length, 1));
    /* the payload's buffer was never sent: no window on it resolves, nothing of it is mapped */
    CHILD_CHECK_RC(cosmosb_window_resolve(m, &body, &d), COSMOSB_ERANGE);
    CHILD_CHECK_RC(cosmosb_window_accept(m, &body), COSMOSB_ERANGE);
    CHILD_CHECK(cosmosb_buffer_fd(m, body.buffer_id) == -1);
    CHILD_CHECK_RC(cosmosb_window_decline(m, &body), COSMOSB_OK); /* the transfer itself can be refused */
    CHILD_CHECK_RC(cosmosb_window_release(m, &hdr), COSMOSB_OK);
    cosmosb_bufmgr_close(m);
    return 0;
}

Test(buffer_process, share_only_some_buffers, .timeout = 60)
{
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    uint32_t headers, payloads;
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 16, COSMOSB_BUFFER_RING, &headers), COSMOSB_OK);
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 20, COSMOSB_BUFFER_RING, &payloads), COSMOSB_OK);
    cosmosb_window_t h, b, th, tb;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(m, headers, 54, &h, &p), COSMOSB_OK);
    pattern(p, 54, 1);
    ASSERT_RC(cosmosb_buffer_alloc(m, payloads, 1400, &b, &p), COSMOSB_OK);
    pattern(p, 1400, 2);
    uint32_t bad = 12345;
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    ASSERT_RC(cosmosb_bufmgr_share_some(m, sv[0], &bad, 1), COSMOSB_ERANGE);
    struct some_arg arg = {sv[1]};
    pid_t pid = tu_fork(some_child, &arg, 30);
    ASSERT_RC(cosmosb_bufmgr_share_some(m, sv[0], &headers, 1), COSMOSB_OK);
    uint32_t who;
    cr_assert(read_full(sv[0], &who, sizeof who));
    ASSERT_RC(cosmosb_window_give(m, &h, who, &th), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_give(m, &b, who, &tb), COSMOSB_OK);
    write_all(sv[0], &th, sizeof th);
    write_all(sv[0], &tb, sizeof tb);
    cr_assert(tu_wait_ok(pid));
    ASSERT_RC(cosmosb_window_release(m, &h), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_release(m, &b), COSMOSB_OK);
    cosmosb_buffer_stats_t s;
    ASSERT_RC(cosmosb_buffer_stats(m, payloads, &s), COSMOSB_OK);
    cr_assert_eq(s.slices, 0u);
    close(sv[0]);
    close(sv[1]);
    cosmosb_bufmgr_close(m);
}

Test(buffer_process, read_a_file_straight_into_a_slice, .timeout = 60)
{
    char path[] = "/tmp/cosmosb-buffer-test-XXXXXX";
    int fd = mkstemp(path);
    cr_assert_geq(fd, 0);
    unlink(path);
    static uint8_t chunk[100000];
    pattern(chunk, sizeof chunk, 3);
    cr_assert_eq(write(fd, chunk, sizeof chunk), (ssize_t)sizeof chunk);
    lseek(fd, 0, SEEK_SET);
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    uint32_t id;
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 20, COSMOSB_BUFFER_RING, &id), COSMOSB_OK);
    cosmosb_window_t w, r;
    ASSERT_RC(cosmosb_buffer_alloc(m, id, 120000, &w, NULL), COSMOSB_OK);
    uint64_t got = 0;
    ASSERT_RC(cosmosb_buffer_read(m, &w, fd, &got), COSMOSB_OK);
    cr_assert_eq(got, sizeof chunk, "a short count means end of file");
    const void *d;
    ASSERT_RC(cosmosb_window_resolve(m, &w, &d), COSMOSB_OK);
    cr_assert(memcmp(d, chunk, sizeof chunk) == 0);
    ASSERT_RC(cosmosb_window_narrow(&w, 0, got, COSMOSB_WIN_READ, &r), COSMOSB_OK);
    ASSERT_RC(cosmosb_buffer_read(m, &r, fd, &got), COSMOSB_EPERM); /* read-only window */
    /* a socket, too */
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    cr_assert_eq(write(sv[0], chunk, 5000), 5000);
    close(sv[0]);
    ASSERT_RC(cosmosb_buffer_recv(m, &w, sv[1], 0, &got), COSMOSB_OK);
    cr_assert_eq(got, 5000u);
    ASSERT_RC(cosmosb_window_resolve(m, &w, &d), COSMOSB_OK);
    cr_assert(memcmp(d, chunk, 5000) == 0);
    close(sv[1]);
    close(fd);
    ASSERT_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
    cosmosb_bufmgr_close(m);
}

/* A datagram longer than the room left in the window is cut by the kernel: the call says so. */
Test(buffer_core, a_cut_datagram_is_reported)
{
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    uint32_t id;
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 16, COSMOSB_BUFFER_HEAP, &id), COSMOSB_OK);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    uint8_t out[5000];
    pattern(out, sizeof out, 11);
    cr_assert_eq(send(sv[0], out, 100, 0), 100);
    cr_assert_eq(send(sv[0], out, sizeof out, 0), (ssize_t)sizeof out);
    cosmosb_window_t w;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(m, id, 4096, &w, &p), COSMOSB_OK);
    uint64_t got = 0;
    ASSERT_RC(cosmosb_buffer_recv(m, &w, sv[1], 0, &got), COSMOSB_EMSGSIZE);
    cr_assert_eq(got, 4096u);
    cr_assert(has_pattern(p, 100, 11));
    cr_assert(has_pattern((uint8_t *)p + 100, 3996, 11));
    /* Datagrams that fit fill the window exactly, with no error. */
    cr_assert_eq(send(sv[0], out, 96, 0), 96);
    cr_assert_eq(send(sv[0], out, 4000, 0), 4000);
    ASSERT_RC(cosmosb_buffer_recv(m, &w, sv[1], 0, &got), COSMOSB_OK);
    cr_assert_eq(got, 4096u);
    ASSERT_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
    close(sv[0]);
    close(sv[1]);
    cosmosb_bufmgr_close(m);
}

/* review 21: recv flags that break "bytes counted = bytes stored, each once" are refused. With MSG_TRUNC
 * a 5000-byte datagram counted 5000 in a 100-byte window; MSG_PEEK stored the same bytes repeatedly. */
Test(buffer_core, recv_refuses_flags_that_miscount)
{
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    uint32_t id;
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 16, COSMOSB_BUFFER_HEAP, &id), COSMOSB_OK);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv), 0);
    uint8_t out[5000];
    pattern(out, sizeof out, 12);
    cr_assert_eq(send(sv[0], out, sizeof out, 0), (ssize_t)sizeof out);
    cosmosb_window_t w;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(m, id, 100, &w, &p), COSMOSB_OK);
    const int bad[] = {MSG_TRUNC, MSG_PEEK, MSG_PEEK | MSG_DONTWAIT, MSG_OOB, MSG_ERRQUEUE, MSG_TRUNC | MSG_DONTWAIT};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        uint64_t got = 12345;
        int rc = cosmosb_buffer_recv(m, &w, sv[1], bad[i] | MSG_DONTWAIT, &got);
        cr_expect_eq(rc, COSMOSB_EINVAL, "flags %#x: %s", (unsigned)bad[i], cosmosb_err_name(rc));
        cr_expect_leq(got, 100u, "flags %#x: got %llu for a 100-byte window", (unsigned)bad[i],
                      (unsigned long long)got);
    }
    /* nothing was taken from the socket: the datagram is still there, and allowed flags work */
    uint64_t got = 0;
    ASSERT_RC(cosmosb_buffer_recv(m, &w, sv[1], MSG_DONTWAIT, &got), COSMOSB_EMSGSIZE);
    cr_assert_eq(got, 100u);
    cr_assert(has_pattern(p, 100, 12));
    ASSERT_RC(cosmosb_buffer_recv(m, &w, sv[1], MSG_DONTWAIT | MSG_NOSIGNAL, &got), COSMOSB_EAGAIN);
    cr_assert_eq(got, 0u);
    ASSERT_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
    close(sv[0]);
    close(sv[1]);
    cosmosb_bufmgr_close(m);
}

Test(buffer_process, killed_receivers_give_the_space_back, .timeout = 300)
{
    uint32_t rounds = tu_quick() ? 30u : 200u;
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 256, &m), COSMOSB_OK);
    uint32_t id;
    ASSERT_RC(cosmosb_buffer_create(m, 4 << 20, COSMOSB_BUFFER_HEAP, &id), COSMOSB_OK);
    cosmosb_arena_t *a = cosmosb_bufmgr_arena(m);
    srand(tu_seed(31u));
    uint64_t sent_total = 0;
    for (uint32_t round = 0; round < rounds; round++) {
        int sv[2];
        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
        struct rx_arg arg = {sv[1], 1};
        pid_t pid = tu_fork(rx_child, &arg, 30);
        ASSERT_RC(cosmosb_bufmgr_share(m, sv[0]), COSMOSB_OK);
        uint32_t who;
        cr_assert(read_full(sv[0], &who, sizeof who));
        int n = 1 + rand() % 40, killed_at = rand() % (n + 1);
        for (int i = 0; i < n; i++) {
            if (i == killed_at)
                kill(pid, SIGKILL);
            uint64_t len = 1u + (uint64_t)rand() % 20000u;
            cosmosb_window_t w, t;
            void *p;
            int rc = cosmosb_buffer_alloc(m, id, len, &w, &p);
            ASSERT_RC(rc, COSMOSB_OK);
            memset(p, (int)(uint8_t)len, len);
            rc = cosmosb_window_give(m, &w, who, &t);
            ASSERT_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
            if (rc != COSMOSB_OK)
                break; /* the receiver is already reaped (ERANGE): nothing was given */
            if (send(sv[0], &t, sizeof t, MSG_NOSIGNAL) != (ssize_t)sizeof t)
                break; /* it is dead: the transfer is cancelled when it is reaped */
            sent_total++;
        }
        kill(pid, SIGKILL);
        int st = tu_wait(pid);
        cr_assert(WIFSIGNALED(st), "round %u: receiver status %#x", round, st);
        close(sv[0]);
        close(sv[1]);
        ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK); /* reaps it: its windows and pending transfers go */
        ASSERT_RC(cosmosb_arena_poll(a, NULL), COSMOSB_OK);
        cosmosb_buffer_stats_t s;
        ASSERT_RC(cosmosb_buffer_stats(m, id, &s), COSMOSB_OK);
        cr_assert_eq(s.slices, 0u, "round %u: %u slices still held", round, s.slices);
        cr_assert_eq(s.bytes_in_use, 0u);
        cosmosb_arena_stats_t as;
        ASSERT_RC(cosmosb_arena_stats(a, &as), COSMOSB_OK);
        cr_assert_eq(as.live_objects, 0u);
        cr_assert_eq(as.participants, 1u);
        cr_assert_eq(as.zombies, 0u);
    }
    cr_log_info("%u receivers killed, %llu windows sent to them", rounds, (unsigned long long)sent_total);
    cosmosb_bufmgr_close(m);
}

/* The owner gets a killed receiver's space back by allocating, with no cosmosb_arena_poll() of its own
 * (docs/buffers.md, "Crash reaping"): before answering ENOMEM it polls, at most once per liveness period. */
Test(buffer_process, a_killed_receivers_space_comes_back_on_the_next_allocations, .timeout = 60)
{
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    uint32_t id;
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 16, COSMOSB_BUFFER_HEAP, &id), COSMOSB_OK);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    struct rx_arg arg = {sv[1], 2};
    pid_t pid = tu_fork(rx_child, &arg, 30);
    ASSERT_RC(cosmosb_bufmgr_share(m, sv[0]), COSMOSB_OK);
    uint32_t who;
    cr_assert(read_full(sv[0], &who, sizeof who));
    /* The whole buffer in one window, given to the receiver, which accepts it and holds it. */
    cosmosb_window_t w, t;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(m, id, 1 << 16, &w, &p), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_give(m, &w, who, &t), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
    cr_assert_eq(send(sv[0], &t, sizeof t, MSG_NOSIGNAL), (ssize_t)sizeof t);
    uint8_t ack;
    cr_assert(read_full(sv[0], &ack, 1));
    ASSERT_RC(cosmosb_arena_reclaim(cosmosb_bufmgr_arena(m)), COSMOSB_OK);
    ASSERT_RC(cosmosb_buffer_alloc(m, id, 4096, &w, &p), COSMOSB_ENOMEM); /* held by the live receiver */
    kill(pid, SIGKILL);
    int st = tu_wait(pid);
    cr_assert(WIFSIGNALED(st));
    /* Allocations alone bring the space back: the first one after a liveness period reaps the receiver
     * (the bound is against a hang; it takes about one period, 20 ms). */
    int rc = COSMOSB_ENOMEM;
    for (int i = 0; i < 5000 && rc == COSMOSB_ENOMEM; i++) {
        rc = cosmosb_buffer_alloc(m, id, 1 << 16, &w, &p);
        if (rc == COSMOSB_ENOMEM)
            usleep(1000);
    }
    ASSERT_RC(rc, COSMOSB_OK);
    ASSERT_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
    cosmosb_arena_stats_t as;
    ASSERT_RC(cosmosb_arena_stats(cosmosb_bufmgr_arena(m), &as), COSMOSB_OK);
    cr_assert_eq(as.participants, 1u);
    close(sv[0]);
    close(sv[1]);
    cosmosb_bufmgr_close(m);
}

static int hold_mapping_child(void *argp)
{
    int fd = *(int *)argp;
    uint8_t b;
    (void)read_full(fd, &b, 1); /* keeps the inherited writable mapping until told to go */
    return 0;
}

/* A buffer holding one 4096-byte window of pattern(seed) whose seal the owner tried while a forked
 * process kept the writable mapping it inherited: EBUSY. That process is gone when this returns. */
struct failed_seal {
    cosmosb_bufmgr_t *m;
    uint32_t id;
    cosmosb_window_t w;
};

static void seal_blocked_by_a_forked_mapping(struct failed_seal *fs, uint32_t seed, void (*meanwhile)(struct failed_seal *))
{
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &fs->m), COSMOSB_OK);
    ASSERT_RC(cosmosb_buffer_create(fs->m, 1 << 16, COSMOSB_BUFFER_HEAP, &fs->id), COSMOSB_OK);
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(fs->m, fs->id, 4096, &fs->w, &p), COSMOSB_OK);
    pattern(p, 4096, seed);
    int go[2];
    cr_assert_eq(pipe(go), 0);
    pid_t pid = tu_fork(hold_mapping_child, &go[0], 30);
    ASSERT_RC(cosmosb_buffer_seal(fs->m, fs->id), COSMOSB_EBUSY);
    if (meanwhile)
        meanwhile(fs); /* while the other mapping still exists */
    write_all(go[1], "x", 1);
    cr_assert(WIFEXITED(tu_wait(pid)));
    close(go[0]);
    close(go[1]);
}

static uint32_t sealed_flag(struct failed_seal *fs)
{
    cosmosb_buffer_stats_t s;
    ASSERT_RC(cosmosb_buffer_stats(fs->m, fs->id, &s), COSMOSB_OK);
    return s.sealed;
}

static const void *failed_seal_data;

static void unsealed_and_readable(struct failed_seal *fs)
{
    cosmosb_window_t x;
    void *p;
    cr_assert_eq(sealed_flag(fs), 0u, "a seal the kernel refused must not be reported");
    ASSERT_RC(cosmosb_buffer_alloc(fs->m, fs->id, 4096, &x, &p), COSMOSB_EPERM); /* our writable mapping is gone */
    ASSERT_RC(cosmosb_window_resolve(fs->m, &fs->w, &failed_seal_data), COSMOSB_OK); /* the bytes are still there */
    cr_assert(has_pattern(failed_seal_data, 4096, 7));
}

/* A seal that fails because another writable mapping exists (a process forked while the buffer was
 * writable) leaves the buffer read-only for its owner but NOT sealed; a later seal finishes the job,
 * and a pointer resolved in between stays valid (the view is replaced in place). */
Test(buffer_process, a_failed_seal_leaves_the_buffer_unsealed_and_can_be_retried, .timeout = 60)
{
    struct failed_seal fs;
    seal_blocked_by_a_forked_mapping(&fs, 7, unsealed_and_readable);
    ASSERT_RC(cosmosb_buffer_seal(fs.m, fs.id), COSMOSB_OK);
    cr_assert_neq(sealed_flag(&fs), 0u);
    cr_assert(has_pattern(failed_seal_data, 4096, 7));
    cosmosb_window_t x;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(fs.m, fs.id, 4096, &x, &p), COSMOSB_ESTATE);
    ASSERT_RC(cosmosb_window_release(fs.m, &fs.w), COSMOSB_OK);
    cosmosb_bufmgr_close(fs.m);
}

/* After a failed seal, another holder of the file may seal it (nothing writable is left): the owner's
 * next seal takes that for its own, so its view is sealed too (twelfth review: it answered OK and kept
 * the view unsealed). */
Test(buffer_process, a_seal_added_by_another_holder_counts_for_the_owner, .timeout = 60)
{
    struct failed_seal fs;
    seal_blocked_by_a_forked_mapping(&fs, 8, NULL);
    cr_assert_eq(fcntl(cosmosb_buffer_fd(fs.m, fs.id), F_ADD_SEALS, F_SEAL_WRITE), 0, "the other holder's seal");
    ASSERT_RC(cosmosb_buffer_seal(fs.m, fs.id), COSMOSB_OK);
    cr_assert_neq(sealed_flag(&fs), 0u);
    cosmosb_window_t x;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(fs.m, fs.id, 4096, &x, &p), COSMOSB_ESTATE);
    const void *d;
    ASSERT_RC(cosmosb_window_resolve(fs.m, &fs.w, &d), COSMOSB_OK);
    cr_assert(has_pattern(d, 4096, 8));
    ASSERT_RC(cosmosb_window_release(fs.m, &fs.w), COSMOSB_OK);
    cosmosb_bufmgr_close(fs.m);
}

/* A holder of a descriptor of the buffer (any receiver) can add F_SEAL_SEAL, after which F_SEAL_WRITE
 * can never come: the owner's seal is refused before anything changes, and the buffer stays usable. */
Test(buffer_core, a_seal_that_can_never_come_changes_nothing)
{
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    uint32_t id;
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 16, COSMOSB_BUFFER_HEAP, &id), COSMOSB_OK);
    int fd = cosmosb_buffer_fd(m, id);
    cr_assert(fd >= 0);
    cr_assert_eq(fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL), 0);
    ASSERT_RC(cosmosb_buffer_seal(m, id), COSMOSB_EPERM);
    cosmosb_buffer_stats_t s;
    ASSERT_RC(cosmosb_buffer_stats(m, id, &s), COSMOSB_OK);
    cr_assert_eq(s.sealed, 0u);
    cosmosb_window_t w;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(m, id, 4096, &w, &p), COSMOSB_OK);
    pattern(p, 4096, 9); /* still writable */
    ASSERT_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
    cosmosb_bufmgr_close(m);
}

static int sealed_later_child(void *argp)
{
    int sock = *(int *)argp;
    cosmosb_bufmgr_t *m;
    CHILD_CHECK_RC(cosmosb_bufmgr_attach_socket(sock, &m, NULL), COSMOSB_OK);
    uint32_t me = cosmosb_arena_participant(cosmosb_bufmgr_arena(m));
    write_all(sock, &me, sizeof me);
    cosmosb_window_t w;
    CHILD_CHECK(read_full(sock, &w, sizeof w));
    CHILD_CHECK(w.rights & COSMOSB_WIN_SEALED);
    CHILD_CHECK_RC(cosmosb_window_accept(m, &w), COSMOSB_OK);
    const void *d;
    CHILD_CHECK_RC(cosmosb_window_resolve(m, &w, &d), COSMOSB_OK);
    CHILD_CHECK(has_pattern(d, w.length, 3));
    CHILD_CHECK_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
    cosmosb_bufmgr_close(m);
    return 0;
}

/* Does this kernel let F_SEAL_WRITE in while a read-only shared mapping of a buffer-like memfd (sealed
 * with F_SEAL_FUTURE_WRITE first, as buffers are) exists? Linux 6.7 and later do. */
static int kernel_seals_under_readonly_maps(void)
{
    int fd = memfd_create("probe", MFD_ALLOW_SEALING | MFD_CLOEXEC), ok = 0;
    if (fd < 0 || ftruncate(fd, 4096) != 0 || fcntl(fd, F_ADD_SEALS, F_SEAL_FUTURE_WRITE) != 0)
        cr_assert(0, "memfd for the probe");
    void *p = mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
    cr_assert(p != MAP_FAILED);
    ok = fcntl(fd, F_ADD_SEALS, F_SEAL_WRITE) == 0;
    munmap(p, 4096);
    close(fd);
    return ok;
}

/* Once sealed, not even the owner can make its view writable again (the seal goes through a private
 * view, which is made shared again afterwards where the kernel allows shared mappings of sealed files:
 * a private one could be made writable, and would then hold the owner's own copy). */
Test(buffer_core, a_sealed_buffer_is_read_only_for_its_owner_too)
{
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    uint32_t id;
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 16, COSMOSB_BUFFER_HEAP, &id), COSMOSB_OK);
    cosmosb_window_t w;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(m, id, 8192, &w, &p), COSMOSB_OK);
    pattern(p, 8192, 4);
    ASSERT_RC(cosmosb_buffer_seal(m, id), COSMOSB_OK);
    const void *d;
    ASSERT_RC(cosmosb_window_resolve(m, &w, &d), COSMOSB_OK);
    cr_assert_eq(d, (const void *)p, "the owner's view moved: pointers it resolved before the seal dangle");
    cr_assert(has_pattern(d, 8192, 4));
    void *page = (void *)((uintptr_t)d & ~(uintptr_t)4095);
    if (kernel_seals_under_readonly_maps())
        cr_assert_neq(mprotect(page, 4096, PROT_READ | PROT_WRITE), 0, "the owner could make its sealed view writable");
    ASSERT_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
    cosmosb_bufmgr_close(m);
}

/* A receiver that mapped a buffer before its owner sealed it takes the SEALED windows given afterwards
 * (it looks at the kernel's seals again when a window claims what its view does not know). Before
 * Linux 6.7 its read-only mapping keeps the seal out (EBUSY, docs/buffers.md): nothing to test there. */
Test(buffer_process, a_receiver_attached_before_the_seal_takes_sealed_windows, .timeout = 60)
{
    if (!kernel_seals_under_readonly_maps())
        cr_skip_test("this kernel refuses F_SEAL_WRITE while a read-only shared mapping exists (before 6.7)");
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
    /* Forked before the buffer exists, so it inherits no writable mapping of it (the seal needs none). */
    pid_t pid = tu_fork(sealed_later_child, &sv[1], 30);
    uint32_t id;
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 16, COSMOSB_BUFFER_HEAP, &id), COSMOSB_OK);
    cosmosb_window_t w, t;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(m, id, 5000, &w, &p), COSMOSB_OK);
    pattern(p, 5000, 3);
    ASSERT_RC(cosmosb_bufmgr_share(m, sv[0]), COSMOSB_OK);
    uint32_t who;
    cr_assert(read_full(sv[0], &who, sizeof who)); /* attached: its view has the buffer, unsealed */
    ASSERT_RC(cosmosb_buffer_seal(m, id), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_give(m, &w, who, &t), COSMOSB_OK);
    cr_assert(t.rights & COSMOSB_WIN_SEALED);
    cr_assert_eq(send(sv[0], &t, sizeof t, MSG_NOSIGNAL), (ssize_t)sizeof t);
    int st = tu_wait(pid);
    cr_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "receiver status %#x", st);
    ASSERT_RC(cosmosb_window_release(m, &w), COSMOSB_OK);
    close(sv[0]);
    close(sv[1]);
    cosmosb_bufmgr_close(m);
}

/* ---- a receiver refuses buffers the kernel does not protect (buffer_linux.h) ---- */

/*
 * A hostile owner's share, written by hand in the format of cosmosb_bufmgr_share_some()
 * (white box, lib/os/linux/buffer_linux.c): the arena, a u32 count, one SCM_RIGHTS message
 * tagged 0x42554600 | count with the buffers' descriptors, then their u32 ids.
 */
static void share_buffer_fd_by_hand(cosmosb_bufmgr_t *m, int sock, int bfd, uint32_t id)
{
    ASSERT_RC(cosmosb_arena_share(cosmosb_bufmgr_arena(m), sock, 0), COSMOSB_OK);
    uint32_t n = 1;
    write_all(sock, &n, sizeof n);
    ASSERT_RC(cosmosb_fd_send(sock, &bfd, 1, 0x42554600u | 1u), COSMOSB_OK);
    write_all(sock, &id, sizeof id);
}

/* A 64 KiB buffer memfd (with or without sealing support) with `seals` added. */
static int buffer_memfd(int allow_sealing, int seals)
{
    int fd = memfd_create("cosmosb-hostile", MFD_CLOEXEC | (allow_sealing ? MFD_ALLOW_SEALING : 0u));
    cr_assert_geq(fd, 0);
    cr_assert_eq(ftruncate(fd, 1 << 16), 0);
    if (seals)
        cr_assert_eq(fcntl(fd, F_ADD_SEALS, seals), 0, "seals %#x", (unsigned)seals);
    return fd;
}

Test(buffer_process, attach_refuses_a_buffer_whose_size_or_contents_the_receiver_could_change, .timeout = 60)
{
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    const int size_seals = F_SEAL_SHRINK | F_SEAL_GROW;
    struct {
        int sealing, seals, want;
    } cases[] = {
        {1, size_seals | F_SEAL_FUTURE_WRITE, COSMOSB_OK}, /* control: what cosmosb_buffer_create() makes */
        {1, size_seals | F_SEAL_WRITE, COSMOSB_OK},        /* control: a sealed buffer */
        {1, 0, COSMOSB_EBADF},
        {1, size_seals, COSMOSB_EBADF}, /* the receiver could write it */
        {1, F_SEAL_GROW | F_SEAL_FUTURE_WRITE, COSMOSB_EBADF},
        {1, F_SEAL_SHRINK | F_SEAL_FUTURE_WRITE, COSMOSB_EBADF},
        {1, F_SEAL_WRITE, COSMOSB_EBADF},
        {0, 0, COSMOSB_EBADF}, /* no sealing support: F_SEAL_SEAL only */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int sv[2];
        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        int bfd = buffer_memfd(cases[i].sealing, cases[i].seals);
        uint32_t id = 0x1234u + (uint32_t)i;
        share_buffer_fd_by_hand(m, sv[0], bfd, id); /* small: fits the socket buffer, no second process needed */
        cosmosb_bufmgr_t *r = NULL;
        int rc = cosmosb_bufmgr_attach_socket(sv[1], &r, NULL);
        cr_expect_eq(rc, cases[i].want, "case %zu (seals %#x): %s, expected %s", i, (unsigned)cases[i].seals,
                     cosmosb_err_name(rc), cosmosb_err_name(cases[i].want));
        if (rc == COSMOSB_OK) {
            cr_expect(cosmosb_buffer_fd(r, id) >= 0, "case %zu: the buffer was kept", i);
            cosmosb_bufmgr_close(r);
        }
        close(bfd);
        close(sv[0]);
        close(sv[1]);
    }
    cosmosb_bufmgr_close(m);
}

/* review 21: a hugetlbfs buffer can lose pages under its sealed size (a hole punched, the pool dry):
 * SIGBUS in the receiver. map_received takes tmpfs memfds only. */
Test(buffer_process, attach_refuses_a_hugetlb_buffer, .timeout = 60)
{
    int bfd = memfd_create("cosmosb-huge", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_HUGETLB);
    if (bfd < 0)
        cr_skip_test("memfd_create(MFD_HUGETLB) refused here");
    if (ftruncate(bfd, 2 << 20) != 0 ||
        fcntl(bfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE) != 0) {
        close(bfd);
        cr_skip_test("this kernel cannot size or seal a hugetlb memfd");
    }
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    share_buffer_fd_by_hand(m, sv[0], bfd, 77);
    cosmosb_bufmgr_t *r = NULL;
    int rc = cosmosb_bufmgr_attach_socket(sv[1], &r, NULL);
    cr_expect_eq(rc, COSMOSB_EBADF, "%s", cosmosb_err_name(rc));
    if (rc == COSMOSB_OK)
        cosmosb_bufmgr_close(r);
    close(bfd);
    close(sv[0]);
    close(sv[1]);
    cosmosb_bufmgr_close(m);
}

/* review 21: a share naming buffer id 0 was COSMOSB_EINVAL, and a buffer descriptor opened O_WRONLY
 * COSMOSB_EPERM, neither listed for the attach. Both are the peer's fault, as the other refusals: a bad
 * share is ECORRUPT, a descriptor we cannot map as we must is EBADF. */
Test(buffer_process, attach_refuses_buffer_id_0_and_write_only_descriptors_as_the_other_refusals, .timeout = 60)
{
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    const int good_seals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE;
    for (int c = 0; c < 2; c++) {
        int sv[2];
        cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
        int bfd = buffer_memfd(1, good_seals);
        int send_fd = bfd;
        if (c == 1) {
            char path[64];
            snprintf(path, sizeof path, "/proc/self/fd/%d", bfd);
            send_fd = open(path, O_WRONLY | O_CLOEXEC);
            cr_assert_geq(send_fd, 0, "reopening the memfd write-only: errno %d", errno);
        }
        share_buffer_fd_by_hand(m, sv[0], send_fd, c == 0 ? 0u : 0x99u);
        cosmosb_bufmgr_t *r = NULL;
        int rc = cosmosb_bufmgr_attach_socket(sv[1], &r, NULL);
        int want = c == 0 ? COSMOSB_ECORRUPT : COSMOSB_EBADF;
        cr_expect_eq(rc, want, "%s: %s, expected %s", c == 0 ? "buffer id 0" : "an O_WRONLY descriptor",
                     cosmosb_err_name(rc), cosmosb_err_name(want));
        if (rc == COSMOSB_OK)
            cosmosb_bufmgr_close(r);
        if (send_fd != bfd)
            close(send_fd);
        close(bfd);
        close(sv[0]);
        close(sv[1]);
    }
    cosmosb_bufmgr_close(m);
}

/* ---- cosmosb_bufmgr_update_socket: buffers created after the first share ---- */

Test(buffer_process, update_socket_adds_new_buffers_and_skips_known_ones, .timeout = 60)
{
    cosmosb_bufmgr_t *m;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    uint32_t first, second;
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 16, COSMOSB_BUFFER_HEAP, &first), COSMOSB_OK);
    cosmosb_window_t w1, w2, t1, t2;
    void *p;
    ASSERT_RC(cosmosb_buffer_alloc(m, first, 3000, &w1, &p), COSMOSB_OK);
    pattern(p, 3000, 1);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    /* the receiver is a second view in this process (the share is small enough for the socket buffer) */
    ASSERT_RC(cosmosb_bufmgr_share(m, sv[0]), COSMOSB_OK);
    cosmosb_bufmgr_t *r = NULL;
    ASSERT_RC(cosmosb_bufmgr_attach_socket(sv[1], &r, NULL), COSMOSB_OK);
    uint32_t who = cosmosb_arena_participant(cosmosb_bufmgr_arena(r));
    int first_fd = cosmosb_buffer_fd(r, first);
    cr_assert_geq(first_fd, 0);
    const uint8_t *first_map = NULL;
    const void *d;
    ASSERT_RC(cosmosb_window_give(m, &w1, who, &t1), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_accept(r, &t1), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_resolve(r, &t1, &d), COSMOSB_OK);
    cr_assert(has_pattern(d, 3000, 1));
    first_map = d;
    /* a buffer made after the share: unknown to the receiver until the update */
    ASSERT_RC(cosmosb_buffer_create(m, 1 << 16, COSMOSB_BUFFER_RING, &second), COSMOSB_OK);
    ASSERT_RC(cosmosb_buffer_alloc(m, second, 5000, &w2, &p), COSMOSB_OK);
    pattern(p, 5000, 2);
    ASSERT_RC(cosmosb_window_give(m, &w2, who, &t2), COSMOSB_OK);
    cr_assert_eq(cosmosb_buffer_fd(r, second), -1);
    ASSERT_RC(cosmosb_window_resolve(r, &t2, &d), COSMOSB_ERANGE);
    ASSERT_RC(cosmosb_bufmgr_share(m, sv[0]), COSMOSB_OK); /* sends both buffers again */
    ASSERT_RC(cosmosb_bufmgr_update_socket(r, sv[1]), COSMOSB_OK);
    cr_assert_geq(cosmosb_buffer_fd(r, second), 0, "the new buffer was not received");
    ASSERT_RC(cosmosb_window_accept(r, &t2), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_resolve(r, &t2, &d), COSMOSB_OK);
    cr_assert(has_pattern(d, 5000, 2));
    /* the known buffer was skipped: same descriptor, same mapping, its window still good */
    cr_assert_eq(cosmosb_buffer_fd(r, first), first_fd);
    ASSERT_RC(cosmosb_window_resolve(r, &t1, &d), COSMOSB_OK);
    cr_assert_eq(d, (const void *)first_map);
    cr_assert(has_pattern(d, 3000, 1));
    /* nothing else is waiting on the socket: the update read exactly the share */
    uint8_t byte;
    cr_assert_eq(recv(sv[1], &byte, 1, MSG_DONTWAIT), -1);
    cr_assert_eq(errno, EAGAIN);
    ASSERT_RC(cosmosb_window_release(r, &t1), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_release(r, &t2), COSMOSB_OK);
    cosmosb_bufmgr_close(r);
    ASSERT_RC(cosmosb_window_release(m, &w1), COSMOSB_OK);
    ASSERT_RC(cosmosb_window_release(m, &w2), COSMOSB_OK);
    close(sv[0]);
    close(sv[1]);
    cosmosb_bufmgr_close(m);
}

/* ---- SO_RCVTIMEO bounds a whole attach or update, not each of its reads ---- */

/* The buffer part of a share (count, descriptors, ids), sent by a thread one byte every gap_ms: each
 * read of the receiver waits less than its SO_RCVTIMEO, the whole share takes many of them. Stops at the
 * first failed send (the receiver shut its end down). */
struct trickle {
    int sock;
    uint32_t n;
    unsigned gap_ms;
    int fds[COSMOSB_BUFMGR_MAX_BUFFERS];
    uint32_t ids[COSMOSB_BUFMGR_MAX_BUFFERS];
};

static int trickle_bytes(const struct trickle *t, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    for (size_t i = 0; i < len; i++) {
        tu_sleep_ms(t->gap_ms);
        if (send(t->sock, p + i, 1, MSG_NOSIGNAL) != 1)
            return -1;
    }
    return 0;
}

static void *trickle_run(void *arg)
{
    const struct trickle *t = arg;
    if (trickle_bytes(t, &t->n, sizeof t->n) != 0)
        return NULL;
    tu_sleep_ms(t->gap_ms);
    if (cosmosb_fd_send(t->sock, t->fds, t->n, 0x42554600u | t->n) != COSMOSB_OK)
        return NULL;
    (void)trickle_bytes(t, t->ids, (size_t)t->n * sizeof t->ids[0]);
    return NULL;
}

static void trickle_init(struct trickle *t, int sock, uint32_t n, unsigned gap_ms)
{
    memset(t, 0, sizeof *t);
    t->sock = sock;
    t->n = n;
    t->gap_ms = gap_ms;
    for (uint32_t i = 0; i < n; i++) {
        t->fds[i] = buffer_memfd(1, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_FUTURE_WRITE);
        t->ids[i] = 0x700u + i;
    }
}

static void trickle_free(struct trickle *t)
{
    for (uint32_t i = 0; i < t->n; i++)
        close(t->fds[i]);
}

/* The receiver's SO_RCVTIMEO, the bound under test (0: none). */
static void set_rcvtimeo(int sock, long usec)
{
    struct timeval tv = {.tv_sec = (time_t)(usec / 1000000), .tv_usec = (suseconds_t)(usec % 1000000)};
    cr_assert_eq(setsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv), 0);
}

static long get_rcvtimeo(int sock)
{
    struct timeval tv;
    socklen_t len = sizeof tv;
    cr_assert_eq(getsockopt(sock, SOL_SOCKET, SO_RCVTIMEO, &tv, &len), 0);
    return (long)tv.tv_sec * 1000000L + (long)tv.tv_usec;
}

/* Runs attach (update == 0) or update (update != 0) on a socket with SO_RCVTIMEO rcvtimeo_us while a
 * thread trickles a share of n buffers, one byte every gap_ms; returns its result and the time it took. */
static int trickled_call(int update, long rcvtimeo_us, int nonblock, uint32_t n, unsigned gap_ms, double *secs)
{
    cosmosb_bufmgr_t *m, *r = NULL;
    ASSERT_RC(cosmosb_bufmgr_create(NULL, 16, &m), COSMOSB_OK);
    int sv[2];
    cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    if (update) {
        ASSERT_RC(cosmosb_bufmgr_share(m, sv[0]), COSMOSB_OK); /* no buffers yet: arena and a count of 0 */
        ASSERT_RC(cosmosb_bufmgr_attach_socket(sv[1], &r, NULL), COSMOSB_OK);
    }
    set_rcvtimeo(sv[1], rcvtimeo_us);
    if (nonblock) /* O_NONBLOCK: reads that would wait fail at once, whatever SO_RCVTIMEO says */
        cr_assert_eq(fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_NONBLOCK), 0);
    ASSERT_RC(cosmosb_arena_share(cosmosb_bufmgr_arena(m), sv[0], 0), COSMOSB_OK); /* at once: fits the socket */
    struct trickle t;
    trickle_init(&t, sv[0], n, gap_ms);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, trickle_run, &t), 0);
    uint64_t t0 = tu_now_ns();
    int rc = update ? cosmosb_bufmgr_update_socket(r, sv[1]) : cosmosb_bufmgr_attach_socket(sv[1], &r, NULL);
    *secs = (double)(tu_now_ns() - t0) / 1e9;
    cr_expect_eq(get_rcvtimeo(sv[1]), rcvtimeo_us, "the call changed the socket's SO_RCVTIMEO");
    shutdown(sv[1], SHUT_RDWR); /* the trickler's next send fails: it stops */
    cr_assert_eq(pthread_join(th, NULL), 0);
    if (r)
        cosmosb_bufmgr_close(r);
    trickle_free(&t);
    close(sv[0]);
    close(sv[1]);
    cosmosb_bufmgr_close(m);
    return rc;
}

/* Review 21 (probe p7): 36 bytes trickled one every 150 ms kept an attach with a 0.2 s SO_RCVTIMEO going
 * for 5.6 s, as each read waited less than the timeout. Now the timeout bounds the whole call. */
Test(buffer_process, so_rcvtimeo_bounds_a_whole_attach_and_update_against_a_trickling_peer, .timeout = 60)
{
    for (int update = 0; update < 2; update++) {
        double secs;
        int rc = trickled_call(update, 200000, 0, COSMOSB_BUFMGR_MAX_BUFFERS, 150, &secs);
        cr_log_info("%s, trickled share, SO_RCVTIMEO 0.2 s: %s after %.3f s", update ? "update" : "attach",
                    cosmosb_err_name(rc), secs);
        cr_expect_eq(rc, COSMOSB_EAGAIN, "%s: %s after %.3f s", update ? "update" : "attach", cosmosb_err_name(rc),
                     secs);
        cr_expect_lt(secs, 2.0, "%s took %.3f s with a 0.2 s SO_RCVTIMEO", update ? "update" : "attach", secs);
        cr_expect_geq(secs, 0.15, "%s gave up after %.3f s, before its 0.2 s SO_RCVTIMEO", update ? "update" : "attach",
                      secs);
    }
}

/* What the deadline must not change: a share that arrives within SO_RCVTIMEO is taken, SO_RCVTIMEO 0
 * still waits as long as it takes, a non-blocking socket still returns at once; the option stays as set. */
Test(buffer_process, so_rcvtimeo_zero_or_long_enough_still_takes_a_slow_share, .timeout = 60)
{
    double secs;
    /* 8 bytes and a message, 20 ms apart: about 0.2 s in all */
    int rc = trickled_call(0, 0, 0, 1, 20, &secs);
    cr_expect_eq(rc, COSMOSB_OK, "no SO_RCVTIMEO: %s after %.3f s", cosmosb_err_name(rc), secs);
    rc = trickled_call(0, 1500000, 0, 1, 20, &secs);
    cr_expect_eq(rc, COSMOSB_OK, "SO_RCVTIMEO 1.5 s: %s after %.3f s", cosmosb_err_name(rc), secs);
    rc = trickled_call(1, 1500000, 0, 1, 20, &secs);
    cr_expect_eq(rc, COSMOSB_OK, "update, SO_RCVTIMEO 1.5 s: %s after %.3f s", cosmosb_err_name(rc), secs);
    /* O_NONBLOCK: the count is not there yet, EAGAIN at once whatever SO_RCVTIMEO says */
    rc = trickled_call(0, 1500000, 1, 1, 20, &secs);
    cr_expect_eq(rc, COSMOSB_EAGAIN, "non-blocking: %s after %.3f s", cosmosb_err_name(rc), secs);
    cr_expect_lt(secs, 0.5, "non-blocking: %.3f s", secs);
}
