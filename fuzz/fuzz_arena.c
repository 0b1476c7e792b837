/*
 * fuzz_arena.c - fuzz harness: an arena (arena.h) shared by up to three
 * participants of one process, against raw scribbles on its meta and data.
 *
 * Participant A (a writer, the survivor whose promises are checked), B (a
 * writer or receive-only, from the input) and C (a writer that joins, gives
 * A an object and dies) share an arena in private memory. The input drives up
 * to FUZZ_ARENA_OPS operations: alloc, freeze, add_child, acquire, release,
 * give / accept / decline between A and B (with transfer tokens sometimes
 * mangled), resolve and inspect of known or forged references, reclaim,
 * poll, reap, decline_from, stats, deaths, and writes of input bytes at
 * input-chosen offsets of meta and data.
 *
 * Checked (docs/arena.md section 9): every result is 0 or a COSMOSB_E* code;
 * resolve and alloc give pointers inside the data area; A never allocates
 * bytes of an object A holds by its own counts (its own references: where
 * A's alloc put it, or where A resolves it if someone else made it), as
 * long as A releases only what it holds; and when
 * nobody scribbled on data, and no other writer allocated after a scribble on meta,
 * the bytes A wrote into the objects it still holds are unchanged at the end.
 * The platform (fuzz_common.h) has a virtual clock, so the graph-lock wait
 * for a live holder ends.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cosmosb/cosmosb.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum {
    FUZZ_ARENA_OPS = 128,
    FUZZ_ARENA_BLOCK = 4096,
    FUZZ_ARENA_BLOCKS = 8,
    FUZZ_ARENA_OBJECTS = 48,
    FUZZ_ARENA_TRANSFERS = 16,
};

enum { PA, PB, PC, NPART };

/* FUZZ_TRACE=1 in the environment prints each operation (to study a finding). */
static int arena_trace = -1;
#define TRACE(...)                                                  \
    do {                                                            \
        if (arena_trace < 0)                                        \
            arena_trace = getenv("FUZZ_TRACE") != NULL;             \
        if (arena_trace)                                            \
            fprintf(stderr, __VA_ARGS__);                           \
    } while (0)

struct tracked_object {
    cosmosb_ref_t ref;
    uint8_t *payload;   /* as alloc returned it (NULL if not allocated by A) */
    uint32_t size;
    uint8_t pattern;
    uint32_t held[NPART]; /* own references by participant, as the harness counts them */
    int allocator;        /* PA, PB, PC */
};

struct transfer {
    cosmosb_ref_t ref;
    int object; /* index in objects */
    int to;     /* addressee */
};

struct arena_fixture {
    struct fuzz_host host;
    cosmosb_platform_t plat;
    cosmosb_arena_config_t cfg;
    uint64_t meta_size, data_size;
    uint8_t *meta, *data;
    size_t handle_size;
    void *handle_mem[NPART];
    cosmosb_arena_t *part[NPART];
    uint32_t index[NPART]; /* participant index in the arena */
    int b_writer;
    struct tracked_object obj[FUZZ_ARENA_OBJECTS];
    int nobj;
    struct transfer xfer[FUZZ_ARENA_TRANSFERS];
    int nxfer;
    int scribbled_data, meta_scribbled, other_alloc_after_meta_scribble;
    int dishonest[NPART]; /* released what it did not hold (see do_refcount) */
};

static int join(struct arena_fixture *f, int p, int writer)
{
    f->host.self = 1u + (uint32_t)p;
    f->host.dead_mask &= ~(1u << f->host.self);
    int rc = cosmosb_arena_join(f->handle_mem[p], f->handle_size, f->meta, f->meta_size, f->data,
                                writer ? f->data : NULL, f->data_size, &f->plat, &f->part[p]);
    f->host.self = 1;
    FUZZ_CHECK_RESULT(rc, "arena_join");
    if (rc != COSMOSB_OK) {
        f->part[p] = NULL;
        return rc;
    }
    f->index[p] = cosmosb_arena_participant(f->part[p]);
    return rc;
}

static void die(struct arena_fixture *f, int p)
{
    TRACE("%c dies\n", 'A' + p);
    f->host.dead_mask |= 1u << (1u + (uint32_t)p);
    f->part[p] = NULL;
    for (int i = 0; i < f->nobj; i++)
        f->obj[i].held[p] = 0;
}

static void setup(struct arena_fixture *f, struct fuzz_input *in)
{
    memset(f, 0, sizeof *f);
    fuzz_host_init(&f->host, &f->plat);
    cosmosb_arena_config_init(&f->cfg);
    f->cfg.data_size = FUZZ_ARENA_BLOCK * FUZZ_ARENA_BLOCKS;
    f->cfg.block_size = FUZZ_ARENA_BLOCK;
    f->cfg.objects_per_block = 32;
    f->cfg.max_participants = 4;
    f->cfg.max_transfers = 4;
    int rc = cosmosb_arena_memsize(&f->cfg, &f->meta_size, &f->data_size);
    FUZZ_CHECK(rc == COSMOSB_OK, "memsize %d", rc);
    f->meta = aligned_alloc(64, (size_t)((f->meta_size + 63) & ~63ull));
    f->data = aligned_alloc(64, (size_t)((f->data_size + 63) & ~63ull));
    memset(f->data, 0xee, (size_t)f->data_size);
    rc = cosmosb_arena_format(f->meta, f->meta_size, f->data_size, &f->cfg, 0xa7e4a);
    FUZZ_CHECK(rc == COSMOSB_OK, "format %d", rc);
    rc = cosmosb_arena_handle_memsize(f->meta, f->meta_size, &f->handle_size);
    FUZZ_CHECK(rc == COSMOSB_OK, "handle_memsize %d", rc);
    for (int p = 0; p < NPART; p++)
        f->handle_mem[p] = aligned_alloc(64, (f->handle_size + 63) & ~(size_t)63);
    f->b_writer = fuzz_u8(in) & 1;
    FUZZ_CHECK(join(f, PA, 1) == COSMOSB_OK, "A cannot join");
    FUZZ_CHECK(join(f, PB, f->b_writer) == COSMOSB_OK, "B cannot join");
}

static void teardown(struct arena_fixture *f)
{
    for (int p = 0; p < NPART; p++) {
        if (f->part[p])
            cosmosb_arena_leave(f->part[p]);
        free(f->handle_mem[p]);
    }
    free(f->meta);
    free(f->data);
}

static int inside_data(const struct arena_fixture *f, const void *p, uint64_t len)
{
    const uint8_t *b = p;
    return b >= f->data && len <= f->data_size && (uint64_t)(b - f->data) <= f->data_size - len;
}

static uint32_t pick_size(struct fuzz_input *in)
{
    uint8_t k = fuzz_u8(in);
    switch (k & 3) {
    case 0:
        return k >> 2;                                      /* 0..63 */
    case 1:
        return (uint32_t)fuzz_u16(in) % 2048u;              /* within a block */
    case 2:
        return FUZZ_ARENA_BLOCK * (1u + (k >> 2) % 3u) - 16u; /* a run of blocks */
    default:
        return fuzz_nasty_u32(in);
    }
}

/* Where A reads an object it holds: what A's alloc gave for its own, what A's resolve gives for the others. */
struct extent {
    const uint8_t *p;
    uint32_t size;
    int object;
};

/* Extents of the objects A holds by its own references, as A sees them now (before an allocation). */
static int held_extents(struct arena_fixture *f, struct extent *out)
{
    int n = 0;
    for (int i = 0; i < f->nobj; i++) {
        const struct tracked_object *o = &f->obj[i];
        if (!o->held[PA])
            continue;
        if (o->allocator == PA) {
            out[n++] = (struct extent){o->payload, o->size, i};
            continue;
        }
        /* Someone else's object: A reads it where resolve says. An entry A skipped has its offset
         * cleared and never resolves (docs/arena.md section 9, "Old offsets"): no bytes to protect. */
        const void *p = NULL;
        uint32_t size = 0;
        if (cosmosb_arena_resolve(f->part[PA], &o->ref, 0, &p, &size) == COSMOSB_OK)
            out[n++] = (struct extent){p, size, i};
    }
    return n;
}

/* A's allocation must never overlap what A holds by its own references. */
static void check_no_overlap(const struct extent *held, int n, const uint8_t *p, uint32_t size)
{
    for (int k = 0; k < n; k++) {
        if (!held[k].size || !size)
            continue;
        int disjoint = p + size <= held[k].p || held[k].p + held[k].size <= p;
        FUZZ_CHECK(disjoint, "A allocated %p+%u over object %d (%p+%u) that A holds", (const void *)p, size,
                   held[k].object, (const void *)held[k].p, held[k].size);
    }
}

static void do_alloc(struct arena_fixture *f, struct fuzz_input *in, int p)
{
    if (!f->part[p] || f->nobj >= FUZZ_ARENA_OBJECTS)
        return;
    uint32_t size = pick_size(in);
    uint32_t max_children = fuzz_u8(in) % 4u;
    uint64_t type = fuzz_u8(in) % 3u;
    cosmosb_ref_t ref;
    void *payload = NULL;
    struct extent held[FUZZ_ARENA_OBJECTS];
    int nheld = p == PA ? held_extents(f, held) : 0;
    int rc = cosmosb_arena_alloc(f->part[p], type, size, max_children, &ref, &payload);
    TRACE("alloc by %c size %u children %u: %d obj#%d ref %u/%u at +%ld\n", 'A' + p, size, max_children, rc, f->nobj,
          ref.object, ref.generation, rc ? -1L : (long)((uint8_t *)payload - f->data));
    FUZZ_CHECK_RESULT(rc, "alloc");
    if (rc != COSMOSB_OK)
        return;
    FUZZ_CHECK(size == 0 || inside_data(f, payload, size), "alloc gave %p+%u outside the data", payload, size);
    if (p == PA && !f->dishonest[PA])
        check_no_overlap(held, nheld, payload, size);
    if (p != PA && f->meta_scribbled)
        f->other_alloc_after_meta_scribble = 1;
    struct tracked_object *o = &f->obj[f->nobj++];
    memset(o, 0, sizeof *o);
    o->ref = ref;
    o->size = size;
    o->pattern = (uint8_t)(f->nobj * 37);
    o->held[p] = 1;
    o->allocator = p;
    if (size)
        memset(payload, o->pattern, size);
    o->payload = payload;
}

/* The tracked object a reference names (transfer token aside), or -1. */
static int find_object(const struct arena_fixture *f, const cosmosb_ref_t *r)
{
    for (int k = 0; k < f->nobj; k++)
        if (f->obj[k].ref.object == r->object && f->obj[k].ref.generation == r->generation &&
            f->obj[k].ref.arena_id == r->arena_id)
            return k;
    return -1;
}

/* A ref among the tracked ones, maybe mangled. */
static cosmosb_ref_t pick_ref(struct arena_fixture *f, struct fuzz_input *in, int *index)
{
    cosmosb_ref_t r;
    memset(&r, 0, sizeof r);
    *index = -1;
    uint8_t k = fuzz_u8(in);
    if (f->nobj && k < 0xf0) {
        *index = k % f->nobj;
        return f->obj[*index].ref;
    }
    r.object = fuzz_u8(in) & 1 ? fuzz_nasty_u32(in) : fuzz_u16(in) % 300u;
    r.generation = fuzz_u8(in) & 1 ? fuzz_nasty_u32(in) : fuzz_u8(in);
    r.arena_id = fuzz_u8(in) & 1 ? 0xa7e4a : fuzz_u32(in);
    r.transfer = fuzz_u8(in) & 1 ? 0 : fuzz_u32(in);
    *index = find_object(f, &r); /* a forgery that names a tracked object is that object */
    return r;
}

static void do_give(struct arena_fixture *f, struct fuzz_input *in, int from, int to)
{
    int i;
    cosmosb_ref_t ref = pick_ref(f, in, &i);
    if (!f->part[from] || !f->part[to])
        return;
    cosmosb_ref_t out;
    int rc = cosmosb_arena_give(f->part[from], &ref, f->index[to], &out);
    TRACE("give %c->%c obj#%d: %d\n", 'A' + from, 'A' + to, i, rc);
    FUZZ_CHECK_RESULT(rc, "give");
    if (rc == COSMOSB_OK && i >= 0 && f->nxfer < FUZZ_ARENA_TRANSFERS)
        f->xfer[f->nxfer++] = (struct transfer){out, i, to};
}

static void do_take(struct arena_fixture *f, struct fuzz_input *in, int accept)
{
    if (!f->nxfer)
        return;
    int t = fuzz_u8(in) % f->nxfer;
    struct transfer x = f->xfer[t];
    cosmosb_ref_t ref = x.ref;
    uint8_t mangle = fuzz_u8(in);
    if (mangle & 0x80)
        ref.transfer ^= mangle & 0x7f;
    if (mangle & 0x40) /* the wrong participant tries it */
        x.to = x.to == PA ? PB : PA;
    if (!f->part[x.to])
        return;
    int rc = accept ? cosmosb_arena_accept(f->part[x.to], &ref) : cosmosb_arena_decline(f->part[x.to], &ref);
    TRACE("%s by %c of obj#%d (mangle 0x%02x): %d\n", accept ? "accept" : "decline", 'A' + x.to, x.object, mangle, rc);
    FUZZ_CHECK_RESULT(rc, accept ? "accept" : "decline");
    if (rc == COSMOSB_OK && accept) {
        int i = find_object(f, &ref);
        if (i >= 0)
            f->obj[i].held[x.to]++;
    }
    if (rc == COSMOSB_OK && !(mangle & 0xc0))
        f->xfer[t] = f->xfer[--f->nxfer];
}

static void do_resolve(struct arena_fixture *f, struct fuzz_input *in, int p)
{
    int i;
    cosmosb_ref_t ref = pick_ref(f, in, &i);
    if (!f->part[p])
        return;
    const void *payload = NULL;
    uint32_t size = 0;
    uint64_t type = fuzz_u8(in) % 3u;
    int rc = cosmosb_arena_resolve(f->part[p], &ref, type, &payload, &size);
    FUZZ_CHECK_RESULT(rc, "resolve");
    if (rc == COSMOSB_OK) {
        FUZZ_CHECK(size == 0 || inside_data(f, payload, size), "resolve gave %p+%u outside the data", payload,
                   size);
        volatile uint8_t sum = 0;
        for (uint32_t k = 0; k < size; k += 64)
            sum = (uint8_t)(sum + ((const uint8_t *)payload)[k]);
        (void)sum;
    }
    cosmosb_ref_t children[4];
    uint32_t count = 0;
    rc = cosmosb_arena_inspect(f->part[p], &ref, NULL, children, 4, &count);
    FUZZ_CHECK_RESULT(rc, "inspect");
    rc = cosmosb_arena_check_ref(f->part[p], &ref, type);
    FUZZ_CHECK_RESULT(rc, "check_ref");
}

static void do_refcount(struct arena_fixture *f, struct fuzz_input *in, int p, int acquire)
{
    int i;
    cosmosb_ref_t ref = pick_ref(f, in, &i);
    if (!f->part[p])
        return;
    int rc = acquire ? cosmosb_arena_acquire(f->part[p], &ref) : cosmosb_arena_release(f->part[p], &ref);
    TRACE("%s by %c obj#%d ref %u/%u: %d\n", acquire ? "acquire" : "release", 'A' + p, i, ref.object, ref.generation, rc);
    FUZZ_CHECK_RESULT(rc, acquire ? "acquire" : "release");
    if (rc == COSMOSB_OK && !acquire && (i < 0 || !f->obj[i].held[p])) {
        /* A release of what p does not hold succeeded: it took the count p keeps for the
         * entry, which only a peer's rewrite of the entry's generation makes possible
         * (docs/arena.md section 9, "Generations are meta too"). p is no longer an honest
         * user of the API, so its promises are not checked any more. */
        FUZZ_CHECK(f->meta_scribbled, "release by %c of a reference it does not hold succeeded", 'A' + p);
        f->dishonest[p] = 1;
    }
    if (rc == COSMOSB_OK && i >= 0) {
        if (acquire)
            f->obj[i].held[p]++;
        else if (f->obj[i].held[p])
            f->obj[i].held[p]--;
    }
}

static void do_upkeep(struct arena_fixture *f, struct fuzz_input *in, int p)
{
    if (!f->part[p])
        return;
    uint32_t n = 0;
    uint8_t what = fuzz_u8(in) % 6;
    TRACE("upkeep %u by %c\n", what, 'A' + p);
    switch (what) {
    case 0:
        FUZZ_CHECK_RESULT(cosmosb_arena_reclaim(f->part[p]), "reclaim");
        break;
    case 1:
        FUZZ_CHECK_RESULT(cosmosb_arena_poll(f->part[p], &n), "poll");
        break;
    case 2:
        FUZZ_CHECK_RESULT(cosmosb_arena_reap(f->part[p], fuzz_u8(in) % 6u), "reap");
        break;
    case 3:
        FUZZ_CHECK_RESULT(cosmosb_arena_decline_from(f->part[p], fuzz_u8(in) % 6u, &n), "decline_from");
        break;
    case 4: {
        cosmosb_arena_stats_t st;
        FUZZ_CHECK_RESULT(cosmosb_arena_stats(f->part[p], &st), "stats");
        break;
    }
    default: {
        cosmosb_arena_participant_stats_t ps;
        FUZZ_CHECK_RESULT(cosmosb_arena_participant_stats(f->part[p], fuzz_u8(in) % 6u, &ps), "participant_stats");
        break;
    }
    }
}

/* C joins, allocates and freezes an object, gives it to A or B, and dies. */
static void c_lifecycle(struct arena_fixture *f, struct fuzz_input *in)
{
    if (f->part[PC] || join(f, PC, 1) != COSMOSB_OK)
        return;
    int before = f->nobj;
    do_alloc(f, in, PC);
    if (f->nobj > before) {
        struct tracked_object *o = &f->obj[f->nobj - 1];
        FUZZ_CHECK_RESULT(cosmosb_arena_freeze(f->part[PC], &o->ref), "freeze by C");
        int to = fuzz_u8(in) & 1 ? PA : PB;
        cosmosb_ref_t out;
        int rc = f->part[to] ? cosmosb_arena_give(f->part[PC], &o->ref, f->index[to], &out) : COSMOSB_EINVAL;
        FUZZ_CHECK_RESULT(rc, "give by C");
        if (rc == COSMOSB_OK && f->nxfer < FUZZ_ARENA_TRANSFERS)
            f->xfer[f->nxfer++] = (struct transfer){out, f->nobj - 1, to};
    }
    if (fuzz_u8(in) & 1)
        die(f, PC);
    else {
        cosmosb_arena_leave(f->part[PC]);
        f->part[PC] = NULL;
        for (int i = 0; i < f->nobj; i++)
            f->obj[i].held[PC] = 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct fuzz_input in;
    static struct arena_fixture f; /* large: not on the stack */
    fuzz_input_init(&in, data, size);
    setup(&f, &in);
    for (int step = 0; step < FUZZ_ARENA_OPS && fuzz_input_left(&in); step++) {
        uint8_t op = fuzz_u8(&in);
        int p = op & 0x80 ? PB : PA;
        int i;
        switch (op % 16) {
        case 0:
        case 1:
            do_alloc(&f, &in, p);
            break;
        case 2: {
            cosmosb_ref_t ref = pick_ref(&f, &in, &i);
            if (f.part[p]) {
                int rc = cosmosb_arena_freeze(f.part[p], &ref);
                TRACE("freeze by %c obj#%d: %d\n", 'A' + p, i, rc);
                FUZZ_CHECK_RESULT(rc, "freeze");
            }
            break;
        }
        case 3: {
            cosmosb_ref_t parent = pick_ref(&f, &in, &i);
            cosmosb_ref_t child = pick_ref(&f, &in, &i);
            if (f.part[p]) {
                int rc = cosmosb_arena_add_child(f.part[p], &parent, &child);
                TRACE("add_child by %c: %d\n", 'A' + p, rc);
                FUZZ_CHECK_RESULT(rc, "add_child");
            }
            break;
        }
        case 4:
            do_give(&f, &in, p, p == PA ? PB : PA);
            break;
        case 5:
            do_take(&f, &in, 1);
            break;
        case 6:
            do_take(&f, &in, 0);
            break;
        case 7:
            do_refcount(&f, &in, p, 1);
            break;
        case 8:
            do_refcount(&f, &in, p, 0);
            break;
        case 9:
            do_resolve(&f, &in, p);
            break;
        case 10:
            do_upkeep(&f, &in, p);
            break;
        case 11: {
            void *w = NULL;
            uint32_t ws = 0;
            cosmosb_ref_t ref = pick_ref(&f, &in, &i);
            if (f.part[p]) {
                int rc = cosmosb_arena_writable(f.part[p], &ref, &w, &ws);
                FUZZ_CHECK_RESULT(rc, "writable");
                if (rc == COSMOSB_OK)
                    FUZZ_CHECK(ws == 0 || inside_data(&f, w, ws), "writable gave %p+%u outside the data", w, ws);
            }
            break;
        }
        case 12:
            c_lifecycle(&f, &in);
            break;
        case 13:
            if (p == PB && f.part[PB] && (op & 0x40)) {
                die(&f, PB);
            } else if (p == PB && !f.part[PB]) {
                join(&f, PB, f.b_writer);
            } else {
                do_upkeep(&f, &in, p);
            }
            break;
        case 14:
            TRACE("scribble meta at input offset %zu\n", in.pos);
            fuzz_scribble(&in, f.meta, (size_t)f.meta_size);
            f.meta_scribbled = 1;
            break;
        default:
            TRACE("scribble data\n");
            fuzz_scribble(&in, f.data, (size_t)f.data_size);
            f.scribbled_data = 1;
            break;
        }
    }
    /* What A holds by its own references kept the bytes A wrote. */
    if (!f.scribbled_data && !f.other_alloc_after_meta_scribble && !f.dishonest[PA]) {
        for (int k = 0; k < f.nobj; k++) {
            const struct tracked_object *o = &f.obj[k];
            if (o->allocator != PA || !o->held[PA])
                continue;
            for (uint32_t b = 0; b < o->size; b++)
                FUZZ_CHECK(o->payload[b] == o->pattern, "object %d (held by A) byte %u changed: 0x%02x, not 0x%02x",
                           k, b, o->payload[b], o->pattern);
        }
    }
    teardown(&f);
    return 0;
}
