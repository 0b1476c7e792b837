/*
 * buffer.c - the buffer manager: slices of large buffers as arena objects,
 * windows onto them, and the owner's allocator (ring or first fit).
 *
 * The owner keeps, in private memory, the slices it allocated and has not
 * taken back, sorted by (buffer, offset): that list is the allocation map.
 * A slice's bytes come back when its arena object is gone (resolving its
 * reference gives ESTALE): every holder in every process released it, or
 * was reaped. The object's state word lives in meta, which every
 * participant can write, so ESTALE is believed only while our own private
 * counts no longer hold the object: a receiver that rewrote the word made
 * the owner hand out again bytes it still held itself (review 21). Nothing
 * else about allocation lives in shared memory, so a peer cannot corrupt
 * it; receivers only resolve windows, and every window is checked against
 * the slice object (alive, same generation, a slice of that buffer) and
 * the slice's range.
 */
#include "core/buffer_internal.h"
#include "core/arena_internal.h"

static uint64_t align_up(uint64_t v)
{
    return (v + COSMOSB_SLICE_ALIGN - 1u) & ~(uint64_t)(COSMOSB_SLICE_ALIGN - 1u);
}

size_t cosmosb_bufmgr_handle_memsize(uint32_t max_slices)
{
    if (max_slices > MAX_SLICES)
        return 0;
    return sizeof(struct cosmosb_bufmgr) + (size_t)max_slices * sizeof(struct slice_rec);
}

static int check(const cosmosb_bufmgr_t *m)
{
    return (m && m->magic == BUFMGR_MAGIC) ? COSMOSB_OK : COSMOSB_EINVAL;
}

int cosmosb_bufmgr_open(void *mem, size_t size, cosmosb_arena_t *arena, uint32_t max_slices, cosmosb_bufmgr_t **out)
{
    if (!mem || !arena || !out || ((uintptr_t)mem & 7u) || max_slices > MAX_SLICES)
        return COSMOSB_EINVAL;
    if (cosmosb_arena_id(arena) == 0)
        return COSMOSB_EINVAL;
    if (size < cosmosb_bufmgr_handle_memsize(max_slices))
        return COSMOSB_ENOMEM;
    struct cosmosb_bufmgr *m = mem;
    *m = (struct cosmosb_bufmgr){0};
    m->arena = arena;
    m->max_slices = max_slices;
    m->slices = (struct slice_rec *)(void *)(m + 1);
    m->magic = BUFMGR_MAGIC;
    *out = m;
    return COSMOSB_OK;
}

cosmosb_arena_t *cosmosb_bufmgr_arena(const cosmosb_bufmgr_t *m)
{
    return check(m) ? NULL : m->arena;
}

static struct buf_rec *find(cosmosb_bufmgr_t *m, uint32_t id, uint32_t *index)
{
    for (uint32_t i = 0; i < m->nbufs; i++)
        if (m->bufs[i].id == id) {
            if (index)
                *index = i;
            return &m->bufs[i];
        }
    return NULL;
}

int cosmosb_bufmgr_add_buffer(cosmosb_bufmgr_t *m, uint32_t id, const void *base, void *writable, uint64_t size,
                              uint32_t mode, uint32_t sealed)
{
    int rc = check(m);
    if (rc)
        return rc;
    if (id == 0 || !base || size == 0 || (size & (COSMOSB_SLICE_ALIGN - 1u)) ||
        (mode != COSMOSB_BUFFER_RING && mode != COSMOSB_BUFFER_HEAP) || (sealed && writable))
        return COSMOSB_EINVAL;
    if (find(m, id, NULL))
        return COSMOSB_EBUSY;
    if (m->nbufs >= COSMOSB_BUFMGR_MAX_BUFFERS)
        return COSMOSB_ENOMEM;
    m->bufs[m->nbufs++] = (struct buf_rec){id, mode, sealed ? 1u : 0u, 0, base, writable, size, 0};
    return COSMOSB_OK;
}

int cosmosb_bufmgr_mark_sealed(cosmosb_bufmgr_t *m, uint32_t id, const void *base)
{
    int rc = check(m);
    if (rc || !base)
        return rc ? rc : COSMOSB_EINVAL;
    struct buf_rec *b = find(m, id, NULL);
    if (!b)
        return COSMOSB_ERANGE;
    b->base = base;
    b->wbase = NULL;
    b->sealed = 1;
    return COSMOSB_OK;
}

int cosmosb__bufmgr_drop_writable(cosmosb_bufmgr_t *m, uint32_t id, const void *base)
{
    struct buf_rec *b = check(m) ? NULL : find(m, id, NULL);
    if (!b)
        return COSMOSB_EINVAL;
    b->base = base;
    b->wbase = NULL;
    return COSMOSB_OK;
}

static cosmosb_ref_t slice_ref(const cosmosb_bufmgr_t *m, uint32_t object, uint32_t generation, uint32_t transfer)
{
    return (cosmosb_ref_t){object, generation, cosmosb_arena_id(m->arena), transfer};
}

/* Drops the records of slices whose objects are gone; their bytes are free again. A slice we still hold
 * ourselves (a reference or a transfer in flight, by our private counts) is never gone, whatever its state
 * word in meta says. */
static void reclaim(cosmosb_bufmgr_t *m)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->nslices; i++) {
        struct slice_rec *s = &m->slices[i];
        cosmosb_ref_t r = slice_ref(m, s->object, s->generation, 0);
        if (!cosmosb__arena_we_hold(m->arena, s->object, s->generation) &&
            cosmosb_arena_resolve(m->arena, &r, COSMOSB_SLICE_TYPE_ID, NULL, NULL) == COSMOSB_ESTALE)
            continue;
        m->slices[k++] = *s;
    }
    m->nslices = k;
}

/* Index of the first record of buffer bi at or after offset off (records are sorted by (buf, offset)). */
static uint32_t lower_bound(const cosmosb_bufmgr_t *m, uint32_t bi, uint64_t off)
{
    uint32_t lo = 0, hi = m->nslices;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2u;
        const struct slice_rec *s = &m->slices[mid];
        if (s->buf < bi || (s->buf == bi && s->offset < off))
            lo = mid + 1u;
        else
            hi = mid;
    }
    return lo;
}

/* Finds room for len bytes in buffer bi; returns 1 and the offset if there is some. */
static int place(cosmosb_bufmgr_t *m, uint32_t bi, uint64_t len, uint64_t *at)
{
    struct buf_rec *b = &m->bufs[bi];
    if (b->mode == COSMOSB_BUFFER_RING) {
        for (int lap = 0; lap < 2; lap++) {
            uint64_t start = lap ? 0 : b->head;
            uint32_t i = lower_bound(m, bi, start);
            uint64_t end = (i < m->nslices && m->slices[i].buf == bi) ? m->slices[i].offset : b->size;
            if (i > 0 && m->slices[i - 1].buf == bi && m->slices[i - 1].offset + m->slices[i - 1].length > start)
                end = start; /* the slice before start still covers it */
            if (end - start >= len) {
                *at = start;
                return 1;
            }
            if (end < b->size)
                return 0; /* a live slice is next in ring order: space comes back in order */
        }
        return 0;
    }
    uint64_t prev_end = 0;
    for (uint32_t i = lower_bound(m, bi, 0); i <= m->nslices; i++) {
        uint64_t next = (i < m->nslices && m->slices[i].buf == bi) ? m->slices[i].offset : b->size;
        if (next >= prev_end && next - prev_end >= len) {
            *at = prev_end;
            return 1;
        }
        if (i == m->nslices || m->slices[i].buf != bi)
            break;
        prev_end = m->slices[i].offset + m->slices[i].length;
    }
    return 0;
}

int cosmosb_buffer_alloc(cosmosb_bufmgr_t *m, uint32_t id, uint64_t length, cosmosb_window_t *w, void **data)
{
    int rc = check(m);
    if (rc || !w || length == 0)
        return rc ? rc : COSMOSB_EINVAL;
    uint32_t bi;
    struct buf_rec *b = find(m, id, &bi);
    if (!b)
        return COSMOSB_ERANGE;
    if (b->sealed)
        return COSMOSB_ESTATE;
    if (!b->wbase)
        return COSMOSB_EPERM;
    if (length > b->size)
        return COSMOSB_ENOMEM;
    uint64_t len = align_up(length), at = 0;
    /* No room (no slice record, or no range): take back what is gone, then look again. Our units of
     * settled transfers pin slices (reclaim); a receiver killed while it held windows pins them until
     * it is reaped, so before answering ENOMEM the owner polls (at most once per liveness period: a
     * producer retrying against a full buffer does not pay a sweep per try). */
    for (int round = 0; m->nslices >= m->max_slices || !place(m, bi, len, &at); round++) {
        if (round == 2 || (round == 1 && !cosmosb__arena_poll_due(m->arena)))
            return COSMOSB_ENOMEM;
        (void)cosmosb_arena_reclaim(m->arena);
        reclaim(m);
    }
    cosmosb_ref_t r;
    void *p;
    if ((rc = cosmosb_arena_alloc(m->arena, COSMOSB_SLICE_TYPE_ID, sizeof(struct slice_desc), 0, &r, &p)) != 0)
        return rc;
    struct slice_desc *d = p;
    *d = (struct slice_desc){SLICE_MAGIC, id, at, len, 0};
    if ((rc = cosmosb_arena_freeze(m->arena, &r)) != 0) {
        (void)cosmosb_arena_release(m->arena, &r);
        return rc;
    }
    uint32_t i = lower_bound(m, bi, at);
    __builtin_memmove(&m->slices[i + 1u], &m->slices[i], (size_t)(m->nslices - i) * sizeof(struct slice_rec));
    m->slices[i] = (struct slice_rec){r.object, r.generation, bi, 0, at, len};
    m->nslices++;
    if (b->mode == COSMOSB_BUFFER_RING)
        b->head = at + len >= b->size ? 0 : at + len;
    *w = (cosmosb_window_t){id, r.object, r.generation, COSMOSB_WIN_READ | COSMOSB_WIN_WRITE, at, length, 0, 0};
    if (data)
        *data = b->wbase + at;
    return COSMOSB_OK;
}

/* Checks a window against its buffer and slice; returns the buffer. */
static int check_window(cosmosb_bufmgr_t *m, const cosmosb_window_t *w, struct buf_rec **bp)
{
    int rc = check(m);
    if (rc || !w)
        return rc ? rc : COSMOSB_EINVAL;
    if (w->reserved || (w->rights & ~COSMOSB_WIN_VALID_MASK))
        return COSMOSB_EINVAL;
    struct buf_rec *b = find(m, w->buffer_id, NULL);
    if (!b)
        return COSMOSB_ERANGE;
    cosmosb_ref_t r = slice_ref(m, w->slice, w->generation, 0);
    const void *p;
    uint32_t size;
    if ((rc = cosmosb_arena_resolve(m->arena, &r, COSMOSB_SLICE_TYPE_ID, &p, &size)) != 0)
        return rc;
    if (size < sizeof(struct slice_desc))
        return COSMOSB_ECORRUPT;
    struct slice_desc d;
    __builtin_memcpy(&d, p, sizeof d); /* frozen, but read once all the same */
    if (d.magic != SLICE_MAGIC || d.offset > b->size || d.length > b->size - d.offset)
        return COSMOSB_ECORRUPT;
    if (d.buffer_id != w->buffer_id || w->offset < d.offset || w->offset - d.offset > d.length ||
        w->length > d.length - (w->offset - d.offset))
        return COSMOSB_ERANGE;
    if (!(w->rights & COSMOSB_WIN_READ))
        return COSMOSB_EPERM;
    /* A window claiming SEALED for a buffer we know unsealed: it may have been sealed since we mapped
     * it; the host can tell (one look at the kernel's seals), else it is refused. */
    if ((w->rights & COSMOSB_WIN_SEALED) && !b->sealed && !(m->seal_check && m->seal_check(m, w->buffer_id)))
        return COSMOSB_ESTATE;
    *bp = b;
    return COSMOSB_OK;
}

int cosmosb_window_resolve(cosmosb_bufmgr_t *m, const cosmosb_window_t *w, const void **data)
{
    struct buf_rec *b;
    int rc = check_window(m, w, &b);
    if (rc)
        return rc;
    if (!data)
        return COSMOSB_EINVAL;
    if (!b->base)
        return COSMOSB_EIO; /* the view lost its mapping of the buffer (buffer_internal.h) */
    *data = b->base + w->offset;
    return COSMOSB_OK;
}

int cosmosb_window_resolve_writable(cosmosb_bufmgr_t *m, const cosmosb_window_t *w, void **data)
{
    struct buf_rec *b;
    int rc = check_window(m, w, &b);
    if (rc)
        return rc;
    if (!data)
        return COSMOSB_EINVAL;
    if (b->sealed)
        return COSMOSB_ESTATE;
    if (!(w->rights & COSMOSB_WIN_WRITE) || !b->wbase)
        return COSMOSB_EPERM;
    *data = b->wbase + w->offset;
    return COSMOSB_OK;
}

int cosmosb_window_give(cosmosb_bufmgr_t *m, const cosmosb_window_t *w, uint32_t dest, cosmosb_window_t *out)
{
    struct buf_rec *b;
    int rc = check_window(m, w, &b);
    if (rc || !out)
        return rc ? rc : COSMOSB_EINVAL;
    if (w->transfer)
        return COSMOSB_EINVAL; /* accept it first; a transfer is given on once */
    cosmosb_ref_t r = slice_ref(m, w->slice, w->generation, 0), t;
    if ((rc = cosmosb_arena_give(m->arena, &r, dest, &t)) != 0)
        return rc;
    cosmosb_window_t n = *w;
    n.rights = COSMOSB_WIN_READ | (b->sealed ? COSMOSB_WIN_SEALED : (w->rights & COSMOSB_WIN_SEALED));
    n.transfer = t.transfer;
    *out = n;
    return COSMOSB_OK;
}

int cosmosb_window_accept(cosmosb_bufmgr_t *m, const cosmosb_window_t *w)
{
    struct buf_rec *b;
    int rc = check_window(m, w, &b);
    if (rc)
        return rc;
    cosmosb_ref_t t = slice_ref(m, w->slice, w->generation, w->transfer);
    return cosmosb_arena_accept(m->arena, &t);
}

int cosmosb_window_decline(cosmosb_bufmgr_t *m, const cosmosb_window_t *w)
{
    int rc = check(m);
    if (rc || !w)
        return rc ? rc : COSMOSB_EINVAL;
    cosmosb_ref_t t = slice_ref(m, w->slice, w->generation, w->transfer);
    return cosmosb_arena_decline(m->arena, &t);
}

int cosmosb_window_release(cosmosb_bufmgr_t *m, const cosmosb_window_t *w)
{
    int rc = check(m);
    if (rc || !w)
        return rc ? rc : COSMOSB_EINVAL;
    cosmosb_ref_t r = slice_ref(m, w->slice, w->generation, 0);
    return cosmosb_arena_release(m->arena, &r);
}

int cosmosb_bufmgr_check_window(void *ctx, const cosmosb_window_t *w, uint32_t required_rights)
{
    cosmosb_bufmgr_t *m = ctx;
    struct buf_rec *b;
    int rc = check_window(m, w, &b);
    if (rc)
        return rc;
    if (required_rights & ~w->rights & COSMOSB_WIN_RIGHTS_MASK)
        return COSMOSB_EPERM;
    if (!w->transfer)
        return COSMOSB_OK;
    cosmosb_ref_t t = slice_ref(m, w->slice, w->generation, w->transfer);
    return cosmosb_arena_check_ref(m->arena, &t, COSMOSB_SLICE_TYPE_ID);
}

int cosmosb_buffer_stats(cosmosb_bufmgr_t *m, uint32_t id, cosmosb_buffer_stats_t *st)
{
    int rc = check(m);
    if (rc || !st)
        return rc ? rc : COSMOSB_EINVAL;
    uint32_t bi;
    struct buf_rec *b = find(m, id, &bi);
    if (!b)
        return COSMOSB_ERANGE;
    (void)cosmosb_arena_reclaim(m->arena);
    reclaim(m);
    *st = (cosmosb_buffer_stats_t){b->size, 0, 0, b->mode, b->sealed, 0};
    for (uint32_t i = 0; i < m->nslices; i++)
        if (m->slices[i].buf == bi) {
            st->bytes_in_use += m->slices[i].length;
            st->slices++;
        }
    return COSMOSB_OK;
}
