/*
 * test_receiver.c - typed messages through real pipes in one process
 * (receiver.h, pump.h): typed send, delivery in both trust modes, derived
 * types delivered as an accepted ancestor, evolution between versions, every
 * rejection reason counted and reported and never delivered, arena references
 * and buffer windows checked through the real hooks, in-place slots given
 * back on release, the TOCTOU test (a sender that rewrites a committed slot
 * cannot get an invalid message past a copy-mode receiver), dispatch and
 * the pump's priority order.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"
#include "test_schema_types.h"

#if defined(__SANITIZE_THREAD__)
#define TR_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define TR_TSAN 1
#endif
#endif

/* ------------------------------------------------------------------------- */
/* Fixture: a pipe in memory of our own (core API, Linux platform)           */
/* ------------------------------------------------------------------------- */

struct tp {
    cosmosb_pipe_config_t cfg;
    uint64_t size;
    uint8_t *shm;
    int shm_mapped;
    void *cmem, *pmem, *rmem;
    cosmosb_pipe_t *c, *p;
    cosmosb_receiver_t *rx;
};

static void tp_open(struct tp *t, uint32_t cap, uint32_t slot, int shared_mapping)
{
    memset(t, 0, sizeof *t);
    ASSERT_RC(cosmosb_pipe_config_init(&t->cfg), COSMOSB_OK);
    t->cfg.capacity = cap;
    t->cfg.urgent_capacity = cap;
    t->cfg.slot_size = slot;
    ASSERT_RC(cosmosb_pipe_memsize(&t->cfg, &t->size), COSMOSB_OK);
    if (shared_mapping) {
        t->shm = mmap(NULL, (size_t)t->size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
        cr_assert(t->shm != MAP_FAILED);
        t->shm_mapped = 1;
    } else {
        t->shm = aligned_alloc(COSMOSB_CACHELINE, (size_t)t->size);
        cr_assert_not_null(t->shm);
    }
    memset(t->shm, 0xA5, (size_t)t->size);
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, 1);
    t->cmem = malloc(hs);
    ASSERT_RC(cosmosb_pipe_open_consumer(t->cmem, hs, t->shm, t->size, &t->cfg, cosmosb_linux_platform(), NULL, &t->c),
              COSMOSB_OK);
}

static void tp_producer(struct tp *t)
{
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    t->pmem = malloc(hs);
    ASSERT_RC(cosmosb_pipe_open_producer(t->pmem, hs, t->shm, t->size, cosmosb_linux_platform(), NULL, &t->p),
              COSMOSB_OK);
}

static cosmosb_receiver_t *tp_receiver(struct tp *t, const cosmosb_receiver_config_t *cfg)
{
    size_t sz = cosmosb_receiver_memsize(cfg);
    cr_assert_gt(sz, 0u);
    t->rmem = aligned_alloc(8, (sz + 7u) & ~(size_t)7u);
    memset(t->rmem, 0xcd, sz);
    ASSERT_RC(cosmosb_receiver_init(t->rmem, sz, t->c, cfg, &t->rx), COSMOSB_OK);
    return t->rx;
}

/* A pipe with a producer and a receiver of the given trust mode (and optional reject log). */
struct rejlog {
    uint32_t n;
    cosmosb_reject_info_t info[64];
    const cosmosb_receiver_t *rx[64];
};

static void on_reject(void *ctx, cosmosb_receiver_t *rx, const cosmosb_reject_info_t *info)
{
    struct rejlog *l = ctx;
    if (l->n < 64) {
        l->info[l->n] = *info;
        l->rx[l->n] = rx;
    }
    l->n++;
}

static cosmosb_receiver_t *tp_setup(struct tp *t, uint32_t trust, struct rejlog *log)
{
    tp_open(t, 64, 512, 0);
    tp_producer(t);
    cosmosb_receiver_config_t cfg;
    ASSERT_RC(cosmosb_receiver_config_init(&cfg), COSMOSB_OK);
    cfg.trust = trust;
    cfg.max_types = 32;
    if (log) {
        memset(log, 0, sizeof *log);
        cfg.on_reject = on_reject;
        cfg.reject_ctx = log;
    }
    return tp_receiver(t, &cfg);
}

static void tp_close(struct tp *t)
{
    if (t->p)
        cosmosb_pipe_close_endpoint(t->p);
    if (t->c)
        cosmosb_pipe_close_endpoint(t->c);
    free(t->pmem);
    free(t->cmem);
    free(t->rmem);
    if (t->shm_mapped)
        munmap(t->shm, (size_t)t->size);
    else
        free(t->shm);
}

static cosmosb_receiver_stats_t rstats(const cosmosb_receiver_t *rx)
{
    cosmosb_receiver_stats_t s;
    ASSERT_RC(cosmosb_receiver_stats(rx, &s), COSMOSB_OK);
    return s;
}

/* Sends a hand-made typed message: header {magic, depth, version}, `nanc`
 * ancestor records (each claims the whole body as its size), body. */
static int send_raw(cosmosb_pipe_t *p, uint64_t type_id, uint16_t magic, uint16_t depth, uint32_t version,
                    const uint64_t *anc, uint32_t nanc, const void *body, uint32_t blen, uint32_t flags)
{
    uint8_t buf[1024];
    cosmosb_typed_header_t h = {magic, depth, version};
    cr_assert_leq(8u + 16u * nanc + blen, sizeof buf);
    memcpy(buf, &h, sizeof h);
    for (uint32_t i = 0; i < nanc; i++) {
        cosmosb_typed_ancestor_t a = {anc[i], blen, 1};
        memcpy(buf + 8 + 16u * i, &a, sizeof a);
    }
    if (blen)
        memcpy(buf + 8 + 16u * nanc, body, blen);
    return cosmosb_pipe_send(p, type_id, buf, 8u + 16u * nanc + blen, flags, 0);
}

/* A message of a plain (underived) type, as the typed sender would write it, but with any body length. */
static int send_plain(cosmosb_pipe_t *p, const cosmosb_schema_t *s, const void *body, uint32_t blen, uint32_t version)
{
    return send_raw(p, cosmosb_schema_type_id(s), COSMOSB_TYPED_MAGIC, 0, version, NULL, 0, body, blen, 0);
}

static uint32_t queued(cosmosb_pipe_t *c)
{
    cosmosb_pipe_stats_t s;
    ASSERT_RC(cosmosb_pipe_stats(c, &s), COSMOSB_OK);
    return s.queued;
}

/* ------------------------------------------------------------------------- */
/* API arguments                                                             */
/* ------------------------------------------------------------------------- */

Test(receiver, config_and_init_arguments)
{
    cosmosb_receiver_config_t cfg;
    ASSERT_RC(cosmosb_receiver_config_init(NULL), COSMOSB_EINVAL);
    memset(&cfg, 0x77, sizeof cfg);
    ASSERT_RC(cosmosb_receiver_config_init(&cfg), COSMOSB_OK);
    cr_assert_eq(cfg.trust, COSMOSB_TRUST_COPY, "the default trust mode is COPY");
    cr_assert_eq(cfg.max_types, 16u);
    cr_assert_eq(cfg.max_size, 4096u);
    cr_assert_null(cfg.hooks.check_ref);
    cr_assert_null(cfg.hooks.check_window);
    cr_assert_null(cfg.on_reject);
    cr_assert_gt(cosmosb_receiver_memsize(&cfg), 4096u);
    cosmosb_receiver_config_t bad = cfg;
    bad.trust = 2;
    cr_assert_eq(cosmosb_receiver_memsize(&bad), 0u);
    bad = cfg;
    bad.max_types = 0;
    cr_assert_eq(cosmosb_receiver_memsize(&bad), 0u);
    bad = cfg;
    bad.max_size = 0;
    cr_assert_eq(cosmosb_receiver_memsize(&bad), 0u);
    bad.max_size = COSMOSB_SCHEMA_MAX_SIZE + 1u;
    cr_assert_eq(cosmosb_receiver_memsize(&bad), 0u);
    cr_assert_eq(cosmosb_receiver_memsize(NULL), 0u);

    struct tp t;
    tp_open(&t, 8, 256, 0);
    tp_producer(&t);
    size_t sz = cosmosb_receiver_memsize(&cfg);
    uint64_t *mem = malloc(sz + 16);
    cosmosb_receiver_t *rx = NULL;
    ASSERT_RC(cosmosb_receiver_init(mem, sz, t.p, &cfg, &rx), COSMOSB_EROLE);
    ASSERT_RC(cosmosb_receiver_init(mem, sz - 1, t.c, &cfg, &rx), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_init((char *)mem + 4, sz, t.c, &cfg, &rx), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_init(mem, sz, NULL, &cfg, &rx), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_init(mem, sz, t.c, &bad, &rx), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_init(mem, sz, t.c, &cfg, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_init(mem, sz, t.c, &cfg, &rx), COSMOSB_OK);
    cr_assert_eq(cosmosb_receiver_trust(rx), COSMOSB_TRUST_COPY);
    cr_assert_eq(cosmosb_receiver_trust(NULL), COSMOSB_TRUST_COPY);
    cr_assert_eq(cosmosb_receiver_pipe(rx), t.c);
    cr_assert_null(cosmosb_receiver_pipe(NULL));
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_eq(st.delivered + st.rejected_total, 0u);
    ASSERT_RC(cosmosb_receiver_stats(rx, NULL), COSMOSB_EINVAL);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(NULL, &msg, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_recv(rx, NULL, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_receiver_recv_urgent(rx, &msg), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_EINVAL); /* nothing outstanding */
    ASSERT_RC(cosmosb_receiver_dispatch(rx, 0, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_dispatch(rx, 4, 0), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 2000000), COSMOSB_ETIMEDOUT);
    cfg.trust = COSMOSB_TRUST_IN_PLACE;
    ASSERT_RC(cosmosb_receiver_init(mem, sz, t.c, &cfg, &rx), COSMOSB_OK);
    cr_assert_eq(cosmosb_receiver_trust(rx), COSMOSB_TRUST_IN_PLACE);
    free(mem);
    tp_close(&t);
}

Test(receiver, accept_rules)
{
    struct tp t;
    tp_open(&t, 8, 256, 0);
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cfg.max_types = 3;
    cfg.max_size = 64;
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    ASSERT_RC(cosmosb_receiver_accept(rx, NULL, NULL, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_accept(NULL, &ts_d0_schema, NULL, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_n9_schema, NULL, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d9_schema, NULL, NULL), COSMOSB_EINVAL);
    cr_assert_gt(ts_misc_schema.size, 64u);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_misc_schema, NULL, NULL), COSMOSB_EMSGSIZE);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_evo1_schema, NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_evo1_schema, NULL, NULL), COSMOSB_OK); /* again: fine */
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_evo2_schema, NULL, NULL), COSMOSB_EINCOMPAT);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_point_schema, NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_n0_schema, NULL, NULL), COSMOSB_ENOMEM);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK); /* known: still fine when full */
    tp_close(&t);
}

/*
 * Review 20: a second descriptor of an accepted id replaced the handler whatever its rules, while
 * messages stayed checked against the first: a handler written for BOOL got a U8 of 7. Only the same
 * type (a copy of the descriptor, as another translation unit has it) may replace the handler now.
 */
COSMOSB_SCHEMA(ac_d0_copy, "test.D0", 1, TS_D0_FIELDS) /* the same type, another object */
#define AC_D0_LAX(F) F(U32, id) F(U8, ok)
COSMOSB_SCHEMA(ac_d0_lax, "test.D0", 1, AC_D0_LAX) /* same name, version and size; no BOOL rule */
#define AC_D0_RENAMED(F) F(U32, id) F(BOOL, okay)
COSMOSB_SCHEMA(ac_d0_renamed, "test.D0", 1, AC_D0_RENAMED)
COSMOSB_SCHEMA(ac_point_copy, "test.Point", 1, TS_POINT_FIELDS)
#define AC_POINT_WIDE(F) F(I32, x) F(I32, y) F(BOOL, visible) F(ENUM, color, 0, 9)
COSMOSB_SCHEMA(ac_point_wide, "test.Point", 1, AC_POINT_WIDE)
#define AC_HOLD(F) F(U8, a) F(STRUCT, ts_point, p)
COSMOSB_SCHEMA(ac_hold, "test.AcceptHold", 1, AC_HOLD)
#define AC_HOLD_COPY(F) F(U8, a) F(STRUCT, ac_point_copy, p)
COSMOSB_SCHEMA(ac_hold_copy, "test.AcceptHold", 1, AC_HOLD_COPY)
#define AC_HOLD_WIDE(F) F(U8, a) F(STRUCT, ac_point_wide, p)
COSMOSB_SCHEMA(ac_hold_wide, "test.AcceptHold", 1, AC_HOLD_WIDE)

static void ac_count(void *ctx, cosmosb_receiver_t *rx, const cosmosb_typed_msg_t *msg)
{
    (void)rx;
    (void)msg;
    (*(uint32_t *)ctx)++;
}

Test(receiver, accept_takes_another_descriptor_of_an_id_only_if_it_is_the_same_type)
{
    struct tp t;
    cosmosb_receiver_t *rx = tp_setup(&t, COSMOSB_TRUST_COPY, NULL);
    uint32_t first = 0, second = 0;
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, ac_count, &first), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ac_d0_lax_schema, ac_count, &second), COSMOSB_EINCOMPAT);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ac_d0_renamed_schema, ac_count, &second), COSMOSB_EINCOMPAT);
    /* Refused: the handler stays, and so do the rules (a BOOL of 7 is rejected). */
    ac_d0_lax bad = {1, 7};
    ASSERT_RC(cosmosb_typed_send(t.p, &ac_d0_lax_schema, &bad, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_dispatch(rx, 1, 0), COSMOSB_EAGAIN);
    cr_assert_eq(rstats(rx).rejected_total, 1u);
    /* A copy of the descriptor is the same type: it replaces the handler. */
    ASSERT_RC(cosmosb_receiver_accept(rx, &ac_d0_copy_schema, ac_count, &second), COSMOSB_OK);
    ts_d0 good = {2, 1};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &good, 0, 0), COSMOSB_OK);
    cr_assert_eq(cosmosb_receiver_dispatch(rx, 1, 0), 1);
    cr_assert_eq(first, 0u);
    cr_assert_eq(second, 1u);
    /* Nested types are compared too: copies are the same, a wider enum inside is not. */
    ASSERT_RC(cosmosb_receiver_accept(rx, &ac_hold_schema, NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ac_hold_copy_schema, NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ac_hold_wide_schema, NULL, NULL), COSMOSB_EINCOMPAT);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_point_schema, NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ac_point_copy_schema, NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ac_point_wide_schema, NULL, NULL), COSMOSB_EINCOMPAT);
    tp_close(&t);
}

/* ------------------------------------------------------------------------- */
/* Delivery                                                                  */
/* ------------------------------------------------------------------------- */

static int accepted_elsewhere(const cosmosb_schema_t *s)
{
    return s == &ts_evo2_schema; /* shares its id with ts_evo1 */
}

static void roundtrip_every_type(uint32_t trust)
{
    struct tp t;
    cosmosb_receiver_t *rx = tp_setup(&t, trust, NULL);
    for (size_t i = 0; i < TS_ALL_TYPES_N; i++)
        if (!accepted_elsewhere(ts_all_types[i]))
            ASSERT_RC(cosmosb_receiver_accept(rx, ts_all_types[i], NULL, NULL), COSMOSB_OK);
    uint64_t rng = 0x5eed;
    uint64_t expect_delivered = 0;
    for (int round = 0; round < 20; round++) {
        for (size_t i = 0; i < TS_ALL_TYPES_N; i++) {
            const cosmosb_schema_t *s = ts_all_types[i];
            if (accepted_elsewhere(s))
                continue;
            _Alignas(8) uint8_t sent[1024];
            ts_fill_valid(s, sent, &rng);
            cosmosb_typed_tag_t tag;
            ASSERT_RC(cosmosb_typed_tag_init(s, &tag), COSMOSB_OK);
            if (round & 1)
                ASSERT_RC(cosmosb_typed_send_tagged(t.p, &tag, sent, 0, 0), COSMOSB_OK);
            else
                ASSERT_RC(cosmosb_typed_send(t.p, s, sent, 0, 0), COSMOSB_OK);
            expect_delivered++;
            cosmosb_typed_msg_t msg;
            memset(&msg, 0x5a, sizeof msg);
            ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
            cr_assert_eq(msg.schema, s, "%s delivered as %s", s->name, msg.schema->name);
            cr_assert_eq(msg.type_id, cosmosb_schema_type_id(s));
            cr_assert_eq(msg.len, s->size);
            cr_assert_eq(msg.version, s->version);
            cr_assert_eq(msg.in_place, trust == COSMOSB_TRUST_IN_PLACE ? 1u : 0u);
            cr_assert_eq(msg.present, s->size);
            cr_assert_eq(msg.info.type_id, cosmosb_schema_type_id(s));
            cr_assert_eq(msg.info.len, tag.header_size + s->size);
            cr_assert_eq(msg.info.producer, 0u);
            cr_assert_eq((uintptr_t)msg.data % 8u, 0u, "%s delivered misaligned", s->name);
            cr_assert(memcmp(msg.data, sent, s->size) == 0, "%s changed on the way", s->name);
            ASSERT_RC(cosmosb_schema_validate(s, msg.data, s->size, NULL, NULL), COSMOSB_OK);
            ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
        }
    }
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_eq(st.delivered, expect_delivered);
    cr_assert_eq(st.delivered_as_ancestor, 0u);
    cr_assert_eq(st.copied, trust == COSMOSB_TRUST_COPY ? expect_delivered : 0u);
    cr_assert_eq(st.rejected_total, 0u);
    tp_close(&t);
}

Test(receiver, every_type_round_trips_copy_mode)
{
    roundtrip_every_type(COSMOSB_TRUST_COPY);
}

Test(receiver, every_type_round_trips_in_place_mode)
{
    roundtrip_every_type(COSMOSB_TRUST_IN_PLACE);
}

/* A derived type built on version 1 of its base, received by a receiver that
 * knows only version 2 of the base: the base's appended field must read as
 * absent (zero), not as the derived type's own field that sits there. */
#define EVO_B1(F) F(U32, a)
COSMOSB_SCHEMA(evo_b1, "test.evo.Base", 1, EVO_B1)
#define EVO_B2(F) F(U32, a) F(SINCE, 2) F(BOOL, flag)
COSMOSB_SCHEMA(evo_b2, "test.evo.Base", 2, EVO_B2)
#define EVO_D(F) F(U32, z)
COSMOSB_SCHEMA_DERIVED(evo_d, "test.evo.Derived", 1, evo_b1, EVO_D)

static void derived_on_older_base(uint32_t trust)
{
    struct tp t;
    struct rejlog log;
    cosmosb_receiver_t *rx = tp_setup(&t, trust, &log);
    ASSERT_RC(cosmosb_receiver_accept(rx, &evo_b2_schema, NULL, NULL), COSMOSB_OK);
    const uint32_t zs[3] = {1, 5, 0};
    for (int i = 0; i < 3; i++) {
        evo_d d;
        memset(&d, 0, sizeof d);
        d.base.a = 100u + (uint32_t)i;
        d.z = zs[i]; /* lies where version 2 of the base has `flag` */
        ASSERT_RC(cosmosb_typed_send(t.p, &evo_d_schema, &d, 0, 0), COSMOSB_OK);
    }
    for (int i = 0; i < 3; i++) {
        cosmosb_typed_msg_t msg;
        ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
        const evo_b2 *b = msg.data;
        cr_assert_eq(msg.schema, &evo_b2_schema);
        cr_assert_eq(msg.type_id, cosmosb_schema_type_id(&evo_d_schema));
        cr_assert_eq(b->a, 100u + (uint32_t)i);
        cr_assert_eq(b->flag, 0, "the sender's base has no flag: it must read as zero, not as z = %u", zs[i]);
        cr_assert_eq(msg.in_place, 0u, "an older base is shorter than ours: always copied");
        ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    }
    cr_assert_eq(log.n, 0u, "nothing rejected");
    ASSERT_RC(cosmosb_receiver_recv(rx, &(cosmosb_typed_msg_t){0}, 0), COSMOSB_EAGAIN);
    tp_close(&t);
}

Test(receiver, derived_on_older_base_copy)
{
    derived_on_older_base(COSMOSB_TRUST_COPY);
}

Test(receiver, derived_on_older_base_in_place)
{
    derived_on_older_base(COSMOSB_TRUST_IN_PLACE);
}

Test(receiver, ancestor_larger_than_the_message_is_refused)
{
    struct tp t;
    struct rejlog log;
    cosmosb_receiver_t *rx = tp_setup(&t, COSMOSB_TRUST_COPY, &log);
    ASSERT_RC(cosmosb_receiver_accept(rx, &evo_b1_schema, NULL, NULL), COSMOSB_OK);
    uint8_t buf[8 + 16 + 8];
    cosmosb_typed_header_t h = {COSMOSB_TYPED_MAGIC, 1, 1};
    cosmosb_typed_ancestor_t a = {cosmosb_schema_type_id(&evo_b1_schema), 9, 1}; /* the body has 8 bytes */
    memcpy(buf, &h, sizeof h);
    memcpy(buf + 8, &a, sizeof a);
    memset(buf + 24, 0, 8);
    ASSERT_RC(cosmosb_pipe_send(t.p, cosmosb_schema_type_id(&evo_d_schema), buf, sizeof buf, 0, 0), COSMOSB_OK);
    a.size = 4;
    memcpy(buf + 8, &a, sizeof a);
    ASSERT_RC(cosmosb_pipe_send(t.p, cosmosb_schema_type_id(&evo_d_schema), buf, sizeof buf, 0, 0), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    cr_assert_eq(log.n, 1u);
    cr_assert_eq(log.info[0].err.reason, COSMOSB_REJECT_HEADER);
    tp_close(&t);
}

Test(receiver, typed_send_tags_and_errors)
{
    cosmosb_typed_tag_t tag;
    ASSERT_RC(cosmosb_typed_tag_init(&ts_d3_schema, &tag), COSMOSB_OK);
    cr_assert_eq(tag.schema, &ts_d3_schema);
    cr_assert_eq(tag.type_id, cosmosb_schema_type_id(&ts_d3_schema));
    cr_assert_eq(tag.header_size, 8u + 3u * 16u);
    cr_assert_eq(tag.size, sizeof(ts_d3));
    cosmosb_typed_header_t h;
    memcpy(&h, tag.header, sizeof h);
    cr_assert_eq(h.magic, COSMOSB_TYPED_MAGIC);
    cr_assert_eq(h.depth, 3u);
    cr_assert_eq(h.version, 1u);
    cosmosb_typed_ancestor_t a[3];
    memcpy(a, (const uint8_t *)tag.header + 8, sizeof a);
    cr_assert_eq(a[0].type_id, cosmosb_schema_type_id(&ts_d2_schema), "nearest ancestor first");
    cr_assert_eq(a[1].type_id, cosmosb_schema_type_id(&ts_d1_schema));
    cr_assert_eq(a[2].type_id, cosmosb_schema_type_id(&ts_d0_schema));
    cr_assert_eq(a[0].size, sizeof(ts_d2), "each ancestor's size in the sender's build");
    cr_assert_eq(a[2].size, sizeof(ts_d0));
    cr_assert_eq(a[0].version, ts_d2_schema.version);
    ASSERT_RC(cosmosb_typed_tag_init(&ts_d8_schema, &tag), COSMOSB_OK);
    cr_assert_eq(tag.header_size, COSMOSB_TYPED_HEADER_MAX);
    ASSERT_RC(cosmosb_typed_tag_init(&demo_order_schema, &tag), COSMOSB_OK);
    memcpy(&h, tag.header, sizeof h);
    cr_assert_eq(h.version, 2u);
    cr_assert_eq(tag.header_size, 8u);
    ASSERT_RC(cosmosb_typed_tag_init(&ts_d9_schema, &tag), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_typed_tag_init(&ts_n9_schema, &tag), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_typed_tag_init(NULL, &tag), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_typed_tag_init(&ts_d0_schema, NULL), COSMOSB_EINVAL);

    /* a slot too small for header + struct: EMSGSIZE, and the pipe still works */
    struct tp t;
    tp_open(&t, 4, 64, 0);
    tp_producer(&t);
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
    ts_misc big;
    memset(&big, 0, sizeof big);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &big, 0, 0), COSMOSB_EMSGSIZE);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_n9_schema, &big, 0, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, NULL, 0, 0), COSMOSB_EINVAL);
    ts_d0 d = {42, 1};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &d, 0, 0), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(((const ts_d0 *)msg.data)->id, 42u);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_EAGAIN);
    cr_assert_eq(rstats(rx).rejected_total, 0u);
    tp_close(&t);
}

static void derived_as_base(uint32_t trust)
{
    struct tp t;
    cosmosb_receiver_t *rx = tp_setup(&t, trust, NULL);
    ASSERT_RC(cosmosb_receiver_accept(rx, &demo_order_schema, NULL, NULL), COSMOSB_OK);
    demo_limit_order lo;
    memset(&lo, 0, sizeof lo);
    lo.base.id = 0x1122334455667788ull;
    strcpy(lo.base.symbol, "ACME");
    lo.base.side = 1;
    lo.base.price = 12.5;
    lo.base.urgent = 1;
    lo.base.legs[3] = 9;
    lo.limit = 99.0;
    lo.valid_s = 60;
    ASSERT_RC(cosmosb_typed_send(t.p, &demo_limit_order_schema, &lo, 0, 0), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(msg.schema, &demo_order_schema, "delivered as the accepted base");
    cr_assert_eq(msg.type_id, cosmosb_schema_type_id(&demo_limit_order_schema), "the real type id stays visible");
    cr_assert_eq(msg.info.type_id, cosmosb_schema_type_id(&demo_limit_order_schema));
    cr_assert_eq(msg.len, sizeof(demo_limit_order));
    cr_assert_eq(msg.present, sizeof(demo_order), "validated: the base's share");
    cr_assert_eq(msg.version, 1u);
    cr_assert_eq(msg.in_place, trust == COSMOSB_TRUST_IN_PLACE ? 1u : 0u);
    cr_assert(memcmp(msg.data, &lo.base, sizeof lo.base) == 0);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_eq(st.delivered, 1u);
    cr_assert_eq(st.delivered_as_ancestor, 1u);
    /* the base itself: not as an ancestor */
    ASSERT_RC(cosmosb_typed_send(t.p, &demo_order_schema, &lo.base, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(msg.type_id, cosmosb_schema_type_id(&demo_order_schema));
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    st = rstats(rx);
    cr_assert_eq(st.delivered, 2u);
    cr_assert_eq(st.delivered_as_ancestor, 1u);
    /* a derived message whose base part is invalid is rejected like the base */
    lo.base.side = 3;
    ASSERT_RC(cosmosb_typed_send(t.p, &demo_limit_order_schema, &lo, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_EAGAIN);
    st = rstats(rx);
    cr_assert_eq(st.rejected[COSMOSB_REJECT_ENUM], 1u);
    cr_assert_eq(st.delivered, 2u);
    tp_close(&t);
}

Test(receiver, derived_delivered_as_base_copy)
{
    derived_as_base(COSMOSB_TRUST_COPY);
}

Test(receiver, derived_delivered_as_base_in_place)
{
    derived_as_base(COSMOSB_TRUST_IN_PLACE);
}

Test(receiver, most_derived_accepted_type_is_chosen)
{
    struct tp t;
    cosmosb_receiver_t *rx = tp_setup(&t, COSMOSB_TRUST_COPY, NULL);
    /* accepted in an order unrelated to the chain */
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d5_schema, NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d2_schema, NULL, NULL), COSMOSB_OK);
    static const struct {
        const cosmosb_schema_t *sent, *as;
    } cases[] = {
        {&ts_d8_schema, &ts_d5_schema}, {&ts_d7_schema, &ts_d5_schema}, {&ts_d5_schema, &ts_d5_schema},
        {&ts_d4_schema, &ts_d2_schema}, {&ts_d3_schema, &ts_d2_schema}, {&ts_d2_schema, &ts_d2_schema},
        {&ts_d1_schema, &ts_d0_schema}, {&ts_d0_schema, &ts_d0_schema},
    };
    uint64_t rng = 77, anc = 0;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        _Alignas(8) uint8_t buf[512];
        ts_fill_valid(cases[i].sent, buf, &rng);
        ASSERT_RC(cosmosb_typed_send(t.p, cases[i].sent, buf, 0, 0), COSMOSB_OK);
        cosmosb_typed_msg_t msg;
        ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
        cr_assert_eq(msg.schema, cases[i].as, "%s delivered as %s, expected %s", cases[i].sent->name,
                     msg.schema->name, cases[i].as->name);
        cr_assert_eq(msg.type_id, cosmosb_schema_type_id(cases[i].sent));
        cr_assert_eq(msg.len, cases[i].sent->size);
        cr_assert(memcmp(msg.data, buf, cases[i].as->size) == 0);
        ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
        anc += cases[i].sent != cases[i].as;
    }
    cr_assert_eq(rstats(rx).delivered_as_ancestor, anc);
    /* a type outside the chain is unknown */
    ts_point pt = {1, 2, 1, 0};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_point_schema, &pt, 0, 0), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_EAGAIN);
    cr_assert_eq(rstats(rx).rejected[COSMOSB_REJECT_TYPE], 1u);
    tp_close(&t);
}

/* ------------------------------------------------------------------------- */
/* Evolution                                                                 */
/* ------------------------------------------------------------------------- */

static void evolution(uint32_t trust)
{
    struct tp t;
    struct rejlog log;
    cosmosb_receiver_t *rx2 = tp_setup(&t, trust, &log);
    ASSERT_RC(cosmosb_receiver_accept(rx2, &ts_evo2_schema, NULL, NULL), COSMOSB_OK);
    /* a v1 sender: the v2 receiver sees the appended fields as zero, from a private copy */
    ts_evo1 v1 = {0xabcdef01u, 3, 1};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_evo1_schema, &v1, 0, 0), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx2, &msg, 0), COSMOSB_OK);
    cr_assert_eq(msg.schema, &ts_evo2_schema);
    cr_assert_eq(msg.in_place, 0u, "a short message is always copied");
    cr_assert_eq(msg.len, sizeof(ts_evo1));
    cr_assert_eq(msg.present, sizeof(ts_evo1), "an older sender: only its fields were sent");
    cr_assert_eq(msg.version, 1u);
    const ts_evo2 *e2 = msg.data;
    cr_assert_eq(e2->a, 0xabcdef01u);
    cr_assert_eq(e2->kind, 3);
    cr_assert_eq(e2->flag, 1u);
    ts_evo2 zero_tail;
    memset(&zero_tail, 0, sizeof zero_tail);
    cr_assert(memcmp((const uint8_t *)msg.data + sizeof(ts_evo1), (const uint8_t *)&zero_tail + sizeof(ts_evo1),
                     sizeof(ts_evo2) - sizeof(ts_evo1)) == 0,
              "appended fields read as zero");
    ASSERT_RC(cosmosb_schema_validate(&ts_evo2_schema, msg.data, sizeof(ts_evo2), NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_release(rx2, &msg), COSMOSB_OK);
    cr_assert_eq(rstats(rx2).copied, 1u);

    /* an older receiver (v1) of a v2 message: the tail is ignored */
    struct tp u;
    cosmosb_receiver_t *rx1 = tp_setup(&u, trust, NULL);
    ASSERT_RC(cosmosb_receiver_accept(rx1, &ts_evo1_schema, NULL, NULL), COSMOSB_OK);
    ts_evo2 v2;
    memset(&v2, 0, sizeof v2);
    v2.a = 5;
    v2.kind = 2;
    v2.flag = 0;
    v2.extra = 99;
    v2.flag2 = 1;
    strcpy(v2.note, "abc");
    ASSERT_RC(cosmosb_typed_send(u.p, &ts_evo2_schema, &v2, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx1, &msg, 0), COSMOSB_OK);
    cr_assert_eq(msg.schema, &ts_evo1_schema);
    cr_assert_eq(msg.len, sizeof(ts_evo2));
    cr_assert_eq(msg.version, 2u);
    cr_assert_eq(msg.in_place, trust == COSMOSB_TRUST_IN_PLACE ? 1u : 0u);
    const ts_evo1 *e1 = msg.data;
    cr_assert_eq(e1->a, 5u);
    cr_assert_eq(e1->kind, 2);
    ASSERT_RC(cosmosb_receiver_release(rx1, &msg), COSMOSB_OK);
    /* garbage in the tail does not matter to the v1 receiver */
    v2.flag2 = 200;
    memset(v2.note, 'x', sizeof v2.note);
    ASSERT_RC(cosmosb_typed_send(u.p, &ts_evo2_schema, &v2, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx1, &msg, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_release(rx1, &msg), COSMOSB_OK);
    /* a value only v2 allows is refused by the v1 receiver */
    v2.kind = 5;
    ASSERT_RC(cosmosb_typed_send(u.p, &ts_evo2_schema, &v2, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx1, &msg, 0), COSMOSB_EAGAIN);
    cr_assert_eq(rstats(rx1).rejected[COSMOSB_REJECT_ENUM], 1u);
    cr_assert_eq(rstats(rx1).delivered, 2u);

    /* SHORT and TRUNCATED, with hand-made lengths */
    ts_evo2 full;
    memset(&full, 0, sizeof full);
    full.kind = -1;
    full.extra = 7;
    uint32_t min = cosmosb_schema_min_size(&ts_evo2_schema);
    ASSERT_RC(send_plain(t.p, &ts_evo2_schema, &full, min - 1u, 1), COSMOSB_OK);
    ASSERT_RC(send_plain(t.p, &ts_evo2_schema, &full, 0, 1), COSMOSB_OK);
    ASSERT_RC(send_plain(t.p, &ts_evo2_schema, &full, (uint32_t)offsetof(ts_evo2, extra) + 1u, 2), COSMOSB_OK);
    ASSERT_RC(send_plain(t.p, &ts_evo2_schema, &full, (uint32_t)offsetof(ts_evo2, where) + 4u, 2), COSMOSB_OK);
    ASSERT_RC(send_plain(t.p, &ts_evo2_schema, &full, min, 1), COSMOSB_OK);               /* delivered */
    ASSERT_RC(send_plain(t.p, &ts_evo2_schema, &full, (uint32_t)offsetof(ts_evo2, flag2), 2), COSMOSB_OK); /* delivered */
    ASSERT_RC(cosmosb_receiver_recv(rx2, &msg, 0), COSMOSB_OK);
    cr_assert_eq(msg.len, min);
    cr_assert_eq(msg.in_place, 0u);
    cr_assert_eq(((const ts_evo2 *)msg.data)->kind, -1);
    cr_assert_eq(((const ts_evo2 *)msg.data)->extra, 0u, "the absent field reads as zero");
    ASSERT_RC(cosmosb_receiver_release(rx2, &msg), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx2, &msg, 0), COSMOSB_OK);
    cr_assert_eq(msg.len, offsetof(ts_evo2, flag2));
    cr_assert_eq(((const ts_evo2 *)msg.data)->extra, 7u);
    cr_assert_eq(((const ts_evo2 *)msg.data)->flag2, 0u);
    ASSERT_RC(cosmosb_receiver_release(rx2, &msg), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx2, &msg, 0), COSMOSB_EAGAIN);
    cosmosb_receiver_stats_t st = rstats(rx2);
    cr_assert_eq(st.rejected[COSMOSB_REJECT_SHORT], 2u);
    cr_assert_eq(st.rejected[COSMOSB_REJECT_TRUNCATED], 2u);
    cr_assert_eq(st.rejected_total, 4u);
    cr_assert_eq(st.delivered, 3u);
    cr_assert_eq(log.n, 4u);
    cr_assert_eq(log.info[0].err.reason, COSMOSB_REJECT_SHORT);
    cr_assert_eq(log.info[0].len, 8u + min - 1u);
    cr_assert_eq(log.info[1].err.reason, COSMOSB_REJECT_SHORT);
    cr_assert_eq(log.info[2].err.reason, COSMOSB_REJECT_TRUNCATED);
    cr_assert_str_eq(log.info[2].err.field, "extra");
    cr_assert_eq(log.info[2].err.offset, offsetof(ts_evo2, extra));
    cr_assert_eq(log.info[3].err.reason, COSMOSB_REJECT_TRUNCATED);
    cr_assert_str_eq(log.info[3].err.field, "where");
    tp_close(&u);
    tp_close(&t);
}

Test(receiver, evolution_copy_mode)
{
    evolution(COSMOSB_TRUST_COPY);
}

Test(receiver, evolution_in_place_mode)
{
    evolution(COSMOSB_TRUST_IN_PLACE);
}

/* An appended field whose zero value its own rule refuses (ts_zbad2.e is ENUM 1..5): a v1
 * sender leaves it zero, so such a message can never be delivered valid. */
static void zero_invalid_appended(uint32_t trust)
{
    struct tp t;
    cosmosb_receiver_t *rx = tp_setup(&t, trust, NULL);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_zbad2_schema, NULL, NULL), COSMOSB_OK);
    ts_zbad1 v1 = {1, 2};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_zbad1_schema, &v1, 0, 0), COSMOSB_OK);
    ts_zbad2 v2 = {3, 4, 5};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_zbad2_schema, &v2, 0, 0), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    int rc;
    while ((rc = cosmosb_receiver_recv(rx, &msg, 0)) == COSMOSB_OK) {
        ASSERT_RC(cosmosb_schema_validate(msg.schema, msg.data, msg.schema->size, NULL, NULL), COSMOSB_OK);
        ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    }
    ASSERT_RC(rc, COSMOSB_EAGAIN);
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_eq(st.delivered, 1u);
    cr_assert_eq(st.rejected[COSMOSB_REJECT_ENUM], 1u);
    tp_close(&t);
}

Test(receiver, appended_field_invalid_when_zero_copy)
{
    zero_invalid_appended(COSMOSB_TRUST_COPY);
}

Test(receiver, appended_field_invalid_when_zero_in_place)
{
    zero_invalid_appended(COSMOSB_TRUST_IN_PLACE);
}

/* ------------------------------------------------------------------------- */
/* Single point of entry: every rejection reason                             */
/* ------------------------------------------------------------------------- */

static void misc_valid(ts_misc *m, uint32_t seq)
{
    memset(m, 0, sizeof *m);
    m->tag = (uint8_t)seq;
    m->legs[0] = seq;
    m->side = 2;
    strcpy(m->symbol, "OK");
    m->bits[1] = 1;
    m->origin.visible = 1;
    m->path[2].color = 2;
}

struct bad_case {
    const char *what;
    uint32_t reason;
    const char *field;
};

static void every_reason(uint32_t trust)
{
    struct tp t;
    struct rejlog log;
    cosmosb_receiver_t *rx = tp_setup(&t, trust, &log);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_misc_schema, NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
    const uint64_t misc_id = cosmosb_schema_type_id(&ts_misc_schema);
    struct bad_case cases[32];
    uint32_t nbad = 0, seq = 0;
    ts_misc m;
    uint64_t anc[COSMOSB_SCHEMA_MAX_DEPTH + 2];
    for (uint32_t i = 0; i < COSMOSB_SCHEMA_MAX_DEPTH + 2; i++)
        anc[i] = cosmosb_schema_type_id(&ts_d0_schema);
#define VALID()                                                                \
    do {                                                                       \
        misc_valid(&m, ++seq);                                                 \
        ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK); \
    } while (0)
#define BAD(w, r, f)                                                           \
    do {                                                                       \
        cases[nbad].what = (w);                                                \
        cases[nbad].reason = COSMOSB_REJECT_##r;                               \
        cases[nbad].field = (f);                                               \
        nbad++;                                                                \
    } while (0)
    VALID();
    /* unknown type, no ancestors */
    misc_valid(&m, 0);
    ASSERT_RC(send_raw(t.p, cosmosb_schema_id_of("test.Unknown"), COSMOSB_TYPED_MAGIC, 0, 1, NULL, 0, &m, sizeof m, 0),
              COSMOSB_OK);
    BAD("unknown type", TYPE, NULL);
    /* unknown type whose ancestors are unknown too */
    uint64_t unknown_anc[2] = {cosmosb_schema_id_of("x.A"), cosmosb_schema_id_of("x.B")};
    ASSERT_RC(send_raw(t.p, cosmosb_schema_id_of("x.C"), COSMOSB_TYPED_MAGIC, 2, 1, unknown_anc, 2, &m, sizeof m, 0),
              COSMOSB_OK);
    BAD("unknown chain", TYPE, NULL);
    VALID();
    /* headers */
    ASSERT_RC(send_raw(t.p, misc_id, 0xC5B2, 0, 1, NULL, 0, &m, sizeof m, 0), COSMOSB_OK);
    BAD("bad magic", HEADER, NULL);
    ASSERT_RC(send_raw(t.p, misc_id, 0, 0, 1, NULL, 0, &m, sizeof m, 0), COSMOSB_OK);
    BAD("zero magic", HEADER, NULL);
    ASSERT_RC(send_raw(t.p, misc_id, COSMOSB_TYPED_MAGIC, COSMOSB_SCHEMA_MAX_DEPTH + 1, 1, anc,
                       COSMOSB_SCHEMA_MAX_DEPTH + 1, &m, sizeof m, 0),
              COSMOSB_OK);
    BAD("depth 9", HEADER, NULL);
    ASSERT_RC(send_raw(t.p, misc_id, COSMOSB_TYPED_MAGIC, 0xffff, 1, NULL, 0, &m, sizeof m, 0), COSMOSB_OK);
    BAD("depth 65535", HEADER, NULL);
    ASSERT_RC(send_raw(t.p, cosmosb_schema_id_of("x.C"), COSMOSB_TYPED_MAGIC, 8, 1, anc, 2, NULL, 0, 0), COSMOSB_OK);
    BAD("shorter than its ancestor list", HEADER, NULL);
    ASSERT_RC(cosmosb_pipe_send(t.p, misc_id, &m, 7, 0, 0), COSMOSB_OK);
    BAD("shorter than a header", HEADER, NULL);
    ASSERT_RC(cosmosb_pipe_send(t.p, misc_id, NULL, 0, 0, 0), COSMOSB_OK);
    BAD("empty", HEADER, NULL);
    VALID();
    /* field rules */
    misc_valid(&m, 0);
    m.bits[3] = 2;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    BAD("array element bool 2", BOOL, "bits");
    misc_valid(&m, 0);
    m.side = 8;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    BAD("enum above", ENUM, "side");
    misc_valid(&m, 0);
    m.side = -4;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    BAD("enum below", ENUM, "side");
    VALID();
    misc_valid(&m, 0);
    memset(m.symbol, 'A', sizeof m.symbol);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    BAD("unterminated chars", STRING, "symbol");
    misc_valid(&m, 0);
    m.origin.visible = 2;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    BAD("nested bool", BOOL, "visible");
    misc_valid(&m, 0);
    m.path[1].color = 5;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    BAD("struct array element enum", ENUM, "color");
    misc_valid(&m, 0);
    m.chart.arena_id = 1;
    m.chart.object = 1;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    BAD("ref without hook", REF, "chart");
    misc_valid(&m, 0);
    m.attachment.buffer_id = 1;
    m.attachment.length = 10;
    m.attachment.rights = COSMOSB_WIN_READ;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    BAD("window without hook", WINDOW, "attachment");
    /* a short one and one cut inside a field (ts_misc has no appended fields: every cut is SHORT) */
    misc_valid(&m, 0);
    ASSERT_RC(send_plain(t.p, &ts_misc_schema, &m, cosmosb_schema_min_size(&ts_misc_schema) - 1u, 1), COSMOSB_OK);
    BAD("short", SHORT, NULL);
    /* urgent lane too */
    misc_valid(&m, 0);
    m.bits[0] = 255;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    VALID();
    /* the urgent message comes first in the pipe, so it is the first rejection */
    for (uint32_t i = nbad; i > 0; i--)
        cases[i] = cases[i - 1];
    cases[0].what = "urgent bool";
    cases[0].reason = COSMOSB_REJECT_BOOL;
    cases[0].field = "bits";
    nbad++;
#undef VALID
#undef BAD

    /* receive everything: only the valid ones, in order */
    uint32_t got = 0;
    cosmosb_typed_msg_t msg;
    int rc;
    while ((rc = cosmosb_receiver_recv(rx, &msg, 0)) == COSMOSB_OK) {
        got++;
        const ts_misc *d = msg.data;
        cr_assert_eq(msg.schema, &ts_misc_schema);
        cr_assert_eq(d->tag, (uint8_t)got, "valid message %u out of order (tag %u)", got, d->tag);
        cr_assert_eq(d->legs[0], got);
        ASSERT_RC(cosmosb_schema_validate(&ts_misc_schema, msg.data, sizeof(ts_misc), NULL, NULL), COSMOSB_OK);
        ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    }
    ASSERT_RC(rc, COSMOSB_EAGAIN);
    cr_assert_eq(got, seq);
    cr_assert_eq(queued(t.c), 0u, "rejected messages are consumed");
    /* the callback saw each one, in order, with its reason and field */
    cr_assert_eq(log.n, nbad);
    uint64_t per[COSMOSB_REJECT_COUNT] = {0};
    for (uint32_t i = 0; i < nbad; i++) {
        const cosmosb_reject_info_t *ri = &log.info[i];
        cr_assert_eq(ri->err.reason, cases[i].reason, "%s: reason %s, expected %s", cases[i].what,
                     cosmosb_reject_reason_name(ri->err.reason), cosmosb_reject_reason_name(cases[i].reason));
        if (cases[i].field)
            cr_assert(ri->err.field && strcmp(ri->err.field, cases[i].field) == 0, "%s: field %s", cases[i].what,
                      ri->err.field ? ri->err.field : "NULL");
        cr_assert_eq(log.rx[i], rx);
        cr_assert_eq(ri->producer, 0u);
        per[cases[i].reason]++;
    }
    cr_assert_eq(log.info[1].type_id, cosmosb_schema_id_of("test.Unknown"));
    cr_assert_eq(log.info[1].len, 8u + sizeof(ts_misc));
    cr_assert_eq(log.info[8].len, 7u); /* "shorter than a header" */
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_eq(st.delivered, seq);
    cr_assert_eq(st.rejected_total, nbad);
    for (uint32_t r = 0; r < COSMOSB_REJECT_COUNT; r++)
        cr_assert_eq(st.rejected[r], per[r], "reason %s counted %llu, expected %llu", cosmosb_reject_reason_name(r),
                     (unsigned long long)st.rejected[r], (unsigned long long)per[r]);
    cr_assert_eq(st.rejected[COSMOSB_REJECT_NONE], 0u);
    cr_assert_eq(st.rejected[COSMOSB_REJECT_TRUNCATED], 0u);
    tp_close(&t);
}

Test(receiver, every_rejection_reason_copy_mode)
{
    every_reason(COSMOSB_TRUST_COPY);
}

Test(receiver, every_rejection_reason_in_place_mode)
{
    every_reason(COSMOSB_TRUST_IN_PLACE);
}

Test(receiver, urgent_receive_rejects_on_the_way)
{
    struct tp t;
    struct rejlog log;
    cosmosb_receiver_t *rx = tp_setup(&t, COSMOSB_TRUST_COPY, &log);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
    ts_d0 ok = {1, 1}, bad = {2, 9}, normal = {3, 0};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &normal, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &bad, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &ok, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv_urgent(rx, &msg), COSMOSB_OK);
    cr_assert_eq(((const ts_d0 *)msg.data)->id, 1u);
    cr_assert_eq(msg.info.flags & COSMOSB_MSG_URGENT, COSMOSB_MSG_URGENT);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv_urgent(rx, &msg), COSMOSB_EAGAIN);
    cr_assert_eq(log.n, 1u);
    cr_assert_eq(log.info[0].err.reason, COSMOSB_REJECT_BOOL);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(((const ts_d0 *)msg.data)->id, 3u);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    tp_close(&t);
}

/*
 * A sender that queues a new invalid message for every one the receiver rejects (here: from the
 * receiver's own on_reject, exactly between two of its steps) cannot hold a receive that was not asked
 * to wait forever: timeout 0 and the urgent receive give up after 1024 rejections (EAGAIN), a finite
 * timeout at its deadline (fuzzing found all three looping for as long as the sender kept it up).
 */
struct flood {
    cosmosb_pipe_t *p;
    uint32_t flags, injected, budget;
};

static void reinject(void *ctx, cosmosb_receiver_t *rx, const cosmosb_reject_info_t *info)
{
    struct flood *f = ctx;
    (void)rx;
    (void)info;
    ts_d0 bad = {f->injected, 9}; /* a BOOL of 9: rejected by every receiver */
    if (f->injected < f->budget && cosmosb_typed_send(f->p, &ts_d0_schema, &bad, f->flags, 0) == COSMOSB_OK)
        f->injected++;
}

static void flood_once(int mode, uint64_t timeout_ns, int want_rc)
{
    struct tp t;
    tp_open(&t, 8, 128, 0);
    tp_producer(&t);
    struct flood f = {t.p, mode == 2 ? COSMOSB_MSG_URGENT : 0u, 0, 1000000u};
    cosmosb_receiver_config_t cfg;
    ASSERT_RC(cosmosb_receiver_config_init(&cfg), COSMOSB_OK);
    cfg.on_reject = reinject;
    cfg.reject_ctx = &f;
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
    ts_d0 bad = {0, 9};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &bad, f.flags, 0), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    int rc = mode == 2 ? cosmosb_receiver_recv_urgent(rx, &msg) : cosmosb_receiver_recv(rx, &msg, timeout_ns);
    ASSERT_RC(rc, want_rc);
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_lt(f.injected, f.budget, "the call ended only because the sender stopped (%llu rejected)",
                 (unsigned long long)st.rejected_total);
    if (want_rc == COSMOSB_EAGAIN)
        cr_assert_eq(st.rejected_total, 1024u);
    tp_close(&t);
}

Test(receiver, a_flood_of_invalid_messages_never_holds_a_try_once_receive, .timeout = 60)
{
    flood_once(0, 0, COSMOSB_EAGAIN);
}

Test(receiver, a_flood_of_invalid_messages_never_holds_an_urgent_receive, .timeout = 60)
{
    flood_once(2, 0, COSMOSB_EAGAIN);
}

Test(receiver, a_flood_of_invalid_messages_never_holds_a_finite_receive, .timeout = 60)
{
    flood_once(1, 2000000u, COSMOSB_ETIMEDOUT); /* 2 ms: about 1e4 rejections, far below the budget */
}

/* ------------------------------------------------------------------------- */
/* REF and WINDOW fields through the real arena and buffer hooks             */
/* ------------------------------------------------------------------------- */

struct afx {
    uint8_t *meta, *data, *buf;
    uint64_t ms, ds;
    size_t hs;
    void *amem[2], *mmem[2];
    cosmosb_arena_t *a[2];   /* 0: the sender, 1: the receiver */
    cosmosb_bufmgr_t *m[2];
};

static void afx_init(struct afx *f)
{
    memset(f, 0, sizeof *f);
    cosmosb_arena_config_t cfg;
    ASSERT_RC(cosmosb_arena_config_init(&cfg), COSMOSB_OK);
    cfg.data_size = 1 << 20;
    cfg.block_size = 4096;
    cfg.objects_per_block = 64;
    cfg.max_participants = 4;
    cfg.max_transfers = 64;
    ASSERT_RC(cosmosb_arena_memsize(&cfg, &f->ms, &f->ds), COSMOSB_OK);
    f->meta = aligned_alloc(64, (f->ms + 63) & ~63ull);
    f->data = aligned_alloc(64, (f->ds + 63) & ~63ull);
    ASSERT_RC(cosmosb_arena_format(f->meta, f->ms, f->ds, &cfg, 0x5c4e), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_handle_memsize(f->meta, f->ms, &f->hs), COSMOSB_OK);
    f->buf = aligned_alloc(64, 1 << 16);
    memset(f->buf, 0, 1 << 16);
    for (int p = 0; p < 2; p++) {
        f->amem[p] = aligned_alloc(64, (f->hs + 63) & ~(size_t)63);
        ASSERT_RC(cosmosb_arena_join(f->amem[p], f->hs, f->meta, f->ms, f->data, p == 0 ? f->data : NULL, f->ds, NULL,
                                     &f->a[p]),
                  COSMOSB_OK);
        uint32_t ms = p == 0 ? 16 : 0;
        size_t sz = cosmosb_bufmgr_handle_memsize(ms);
        f->mmem[p] = malloc(sz);
        ASSERT_RC(cosmosb_bufmgr_open(f->mmem[p], sz, f->a[p], ms, &f->m[p]), COSMOSB_OK);
        ASSERT_RC(cosmosb_bufmgr_add_buffer(f->m[p], 11, f->buf, p == 0 ? f->buf : NULL, 1 << 16, COSMOSB_BUFFER_HEAP,
                                            0),
                  COSMOSB_OK);
    }
}

static void afx_free(struct afx *f)
{
    for (int p = 0; p < 2; p++) {
        cosmosb_arena_leave(f->a[p]);
        free(f->amem[p]);
        free(f->mmem[p]);
    }
    free(f->buf);
    free(f->meta);
    free(f->data);
}

/* A frozen object of type `type` made by participant 0 and given to participant 1. */
static cosmosb_ref_t gift(struct afx *f, const char *type)
{
    cosmosb_ref_t r, g;
    void *p;
    ASSERT_RC(cosmosb_arena_alloc(f->a[0], cosmosb_schema_id_of(type), 32, 0, &r, &p), COSMOSB_OK);
    memset(p, 0x3c, 32);
    ASSERT_RC(cosmosb_arena_freeze(f->a[0], &r), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_give(f->a[0], &r, cosmosb_arena_participant(f->a[1]), &g), COSMOSB_OK);
    ASSERT_RC(cosmosb_arena_release(f->a[0], &r), COSMOSB_OK);
    return g;
}

static int refusing_ref(void *ctx, const cosmosb_ref_t *ref, uint64_t target)
{
    (void)ref;
    (void)target;
    ++*(int *)ctx;
    return COSMOSB_EPERM;
}

struct expect_rej {
    uint32_t reason;
    const char *field;
    int hook_error;
};

static void arena_refs_and_windows(uint32_t trust)
{
    struct afx f;
    afx_init(&f);
    struct tp t;
    tp_open(&t, 64, 512, 0);
    tp_producer(&t);
    struct rejlog log;
    memset(&log, 0, sizeof log);
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cfg.trust = trust;
    cfg.hooks.check_ref = cosmosb_arena_check_ref;
    cfg.hooks.ref_ctx = f.a[1];
    cfg.hooks.check_window = cosmosb_bufmgr_check_window;
    cfg.hooks.window_ctx = f.m[1];
    cfg.on_reject = on_reject;
    cfg.reject_ctx = &log;
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_misc_schema, NULL, NULL), COSMOSB_OK);

    struct expect_rej want[16];
    uint32_t nwant = 0;
    ts_misc m;
    /* 1: null ref and empty window: fine */
    misc_valid(&m, 1);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    /* 2: a reference of the target type given to the receiver, and one of any type */
    misc_valid(&m, 2);
    cosmosb_ref_t good = gift(&f, "test.Chart");
    cosmosb_ref_t other = gift(&f, "test.Other");
    m.chart = good;
    m.any = other;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    /* wrong target type */
    misc_valid(&m, 0);
    m.chart = gift(&f, "test.NotAChart");
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    want[nwant++] = (struct expect_rej){COSMOSB_REJECT_REF, "chart", COSMOSB_ETYPE};
    /* a stale generation */
    misc_valid(&m, 0);
    m.chart = good;
    m.chart.generation++;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    want[nwant++] = (struct expect_rej){COSMOSB_REJECT_REF, "chart", COSMOSB_ESTALE};
    /* another arena */
    misc_valid(&m, 0);
    m.any = other;
    m.any.arena_id ^= 0x10000u;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    want[nwant++] = (struct expect_rej){COSMOSB_REJECT_REF, "any", COSMOSB_ERANGE};
    /* an index out of range */
    misc_valid(&m, 0);
    m.any = other;
    m.any.object = 0xfffffff0u;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    want[nwant++] = (struct expect_rej){COSMOSB_REJECT_REF, "any", COSMOSB_ERANGE};

    /* windows */
    cosmosb_window_t w, tw;
    void *wp;
    ASSERT_RC(cosmosb_buffer_alloc(f.m[0], 11, 1000, &w, &wp), COSMOSB_OK);
    memset(wp, 0x42, 1000);
    ASSERT_RC(cosmosb_window_give(f.m[0], &w, cosmosb_arena_participant(f.a[1]), &tw), COSMOSB_OK);
    /* 3: a window given to the receiver */
    misc_valid(&m, 3);
    m.attachment = tw;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    /* forged: longer than its slice */
    misc_valid(&m, 0);
    m.attachment = tw;
    m.attachment.length = 1 << 20;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    want[nwant++] = (struct expect_rej){COSMOSB_REJECT_WINDOW, "attachment", COSMOSB_ERANGE};
    /* forged: a stale slice generation */
    misc_valid(&m, 0);
    m.attachment = tw;
    m.attachment.generation += 1;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    want[nwant++] = (struct expect_rej){COSMOSB_REJECT_WINDOW, "attachment", COSMOSB_ESTALE};
    /* forged: an unknown buffer */
    misc_valid(&m, 0);
    m.attachment = tw;
    m.attachment.buffer_id = 12345;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    want[nwant++] = (struct expect_rej){COSMOSB_REJECT_WINDOW, "attachment", COSMOSB_ERANGE};
    /* forged: claims the write right */
    misc_valid(&m, 0);
    m.attachment = tw;
    m.attachment.rights = COSMOSB_WIN_WRITE;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    want[nwant++] = (struct expect_rej){COSMOSB_REJECT_WINDOW, "attachment", COSMOSB_EPERM};

    cosmosb_typed_msg_t msg;
    uint32_t got = 0;
    int rc;
    while ((rc = cosmosb_receiver_recv(rx, &msg, 0)) == COSMOSB_OK) {
        const ts_misc *d = msg.data;
        got++;
        cr_assert_eq(d->tag, got);
        if (got == 2) {
            /* what was checked can be taken */
            ASSERT_RC(cosmosb_arena_accept(f.a[1], &d->chart), COSMOSB_OK);
            ASSERT_RC(cosmosb_arena_accept(f.a[1], &d->any), COSMOSB_OK);
            const void *p;
            uint32_t sz;
            ASSERT_RC(cosmosb_arena_resolve(f.a[1], &d->chart, cosmosb_schema_id_of("test.Chart"), &p, &sz),
                      COSMOSB_OK);
            cr_assert_eq(sz, 32u);
            ASSERT_RC(cosmosb_arena_release(f.a[1], &d->chart), COSMOSB_OK);
            ASSERT_RC(cosmosb_arena_release(f.a[1], &d->any), COSMOSB_OK);
        }
        if (got == 3) {
            ASSERT_RC(cosmosb_window_accept(f.m[1], &d->attachment), COSMOSB_OK);
            const void *p;
            ASSERT_RC(cosmosb_window_resolve(f.m[1], &d->attachment, &p), COSMOSB_OK);
            cr_assert_eq(((const uint8_t *)p)[999], 0x42);
            ASSERT_RC(cosmosb_window_release(f.m[1], &d->attachment), COSMOSB_OK);
        }
        ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    }
    ASSERT_RC(rc, COSMOSB_EAGAIN);
    cr_assert_eq(got, 3u);
    cr_assert_eq(log.n, nwant);
    for (uint32_t i = 0; i < nwant; i++) {
        cr_assert_eq(log.info[i].err.reason, want[i].reason, "rejection %u: %s", i,
                     cosmosb_reject_reason_name(log.info[i].err.reason));
        cr_assert_str_eq(log.info[i].err.field, want[i].field);
        cr_assert_eq(log.info[i].err.hook_error, want[i].hook_error, "rejection %u: hook said %s, expected %s", i,
                     cosmosb_err_name(log.info[i].err.hook_error), cosmosb_err_name(want[i].hook_error));
    }
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_eq(st.rejected[COSMOSB_REJECT_REF], 4u);
    cr_assert_eq(st.rejected[COSMOSB_REJECT_WINDOW], 4u);
    cr_assert_eq(st.delivered, 3u);

    /* a hook that refuses everything, on a second receiver over the same pipe */
    int calls = 0;
    cfg.hooks.check_ref = refusing_ref;
    cfg.hooks.ref_ctx = &calls;
    memset(&log, 0, sizeof log);
    void *mem2 = aligned_alloc(8, (cosmosb_receiver_memsize(&cfg) + 7u) & ~(size_t)7u);
    cosmosb_receiver_t *rx2;
    ASSERT_RC(cosmosb_receiver_init(mem2, cosmosb_receiver_memsize(&cfg), t.c, &cfg, &rx2), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx2, &ts_misc_schema, NULL, NULL), COSMOSB_OK);
    misc_valid(&m, 1);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK); /* null ref: the hook is not asked */
    m.any = gift(&f, "test.Any");
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx2, &msg, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_release(rx2, &msg), COSMOSB_OK);
    cr_assert_eq(calls, 0);
    ASSERT_RC(cosmosb_receiver_recv(rx2, &msg, 0), COSMOSB_EAGAIN);
    cr_assert_eq(calls, 1);
    cr_assert_eq(log.n, 1u);
    cr_assert_eq(log.info[0].err.reason, COSMOSB_REJECT_REF);
    cr_assert_eq(log.info[0].err.hook_error, COSMOSB_EPERM);
    cr_assert_str_eq(log.info[0].err.field, "any");
    free(mem2);
    tp_close(&t);
    afx_free(&f);
}

/*
 * A hostile sender rewrites the sequence word of the slot the receiver is
 * validating (from the check_ref hook, so at a known moment), and puts it
 * back after the call. The message was handled once (delivered, or
 * rejected) and must never come a second time; the pipe goes on. Before
 * the fix the receiver's consume failed on the rewritten word, the message
 * stayed at the head of its lane, and came again (pipe fuzzing).
 */
struct seq_rewriter {
    uint32_t *seq; /* the slot's sequence word */
    int calls;
    int verdict;   /* what the hook answers */
};

static int rewriting_ref(void *ctx, const cosmosb_ref_t *ref, uint64_t target)
{
    struct seq_rewriter *w = ctx;
    (void)ref;
    (void)target;
    w->calls++;
    __atomic_store_n(w->seq, __atomic_load_n(w->seq, __ATOMIC_RELAXED) + 0x1000u, __ATOMIC_RELAXED);
    return w->verdict;
}

/*
 * A receiver of the given trust over t's pipe, whose check_ref hook is w
 * (rewriting_ref), and one ts_misc with a reference queued by t's producer:
 * w->seq is that message's slot sequence word (found by a peek that takes
 * nothing); *published is its value. Returns the receiver.
 */
static cosmosb_receiver_t *rewriter_setup(struct tp *t, uint32_t trust, struct seq_rewriter *w, uint32_t *published)
{
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cfg.trust = trust;
    cfg.hooks.check_ref = rewriting_ref;
    cfg.hooks.ref_ctx = w;
    cosmosb_receiver_t *rx = tp_receiver(t, &cfg);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_misc_schema, NULL, NULL), COSMOSB_OK);
    ts_misc m;
    misc_valid(&m, 1);
    m.any = (cosmosb_ref_t){1, 1, 1, 0}; /* not null: the hook is asked */
    ASSERT_RC(cosmosb_typed_send(t->p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    cosmosb_msg_view_t v;
    ASSERT_RC(cosmosb_pipe_peek(t->c, &v, 0), COSMOSB_OK); /* where the slot is; nothing taken */
    w->seq = (uint32_t *)(void *)((uint8_t *)(uintptr_t)v.data - 16); /* the slot header {seq, len, type_id} */
    *published = *w->seq;
    return rx;
}

static void handled_once_whatever_the_sender_does(uint32_t trust, int verdict)
{
    struct tp t;
    tp_open(&t, 64, 512, 0);
    tp_producer(&t);
    struct seq_rewriter w = {NULL, 0, verdict};
    uint32_t published;
    cosmosb_receiver_t *rx = rewriter_setup(&t, trust, &w, &published);
    ts_misc m;

    cosmosb_typed_msg_t msg;
    if (verdict == COSMOSB_OK) {
        ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
        ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    } else {
        ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_EAGAIN);
    }
    cr_assert_eq(w.calls, 1);
    __atomic_store_n(w.seq, published, __ATOMIC_RELEASE); /* the sender puts the word back */
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_EAGAIN);
    cr_assert_eq(w.calls, 1, "the handled message came again");
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_eq(st.delivered, verdict == COSMOSB_OK ? 1u : 0u);
    cr_assert_eq(st.rejected_total, verdict == COSMOSB_OK ? 0u : 1u);

    /* the pipe goes on */
    misc_valid(&m, 2);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(((const ts_misc *)msg.data)->tag, 2);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_EAGAIN);
    tp_close(&t);
}

Test(toctou, a_delivered_copy_never_comes_again_whatever_the_sender_does)
{
    handled_once_whatever_the_sender_does(COSMOSB_TRUST_COPY, COSMOSB_OK);
}

Test(toctou, a_message_delivered_in_place_never_comes_again_whatever_the_sender_does)
{
    handled_once_whatever_the_sender_does(COSMOSB_TRUST_IN_PLACE, COSMOSB_OK);
}

Test(toctou, a_rejected_message_never_comes_again_whatever_the_sender_does)
{
    handled_once_whatever_the_sender_does(COSMOSB_TRUST_COPY, COSMOSB_EPERM);
}

/*
 * The same rewrite while a message is out in place, and then the sender
 * closes: its lanes look drained, a consumer call reaps it, and the next
 * producer of the block starts at the same position. The release of the
 * old message must not take the new producer's first message for it.
 */
Test(toctou, a_release_after_the_sender_was_replaced_never_takes_the_next_ones_message)
{
    struct tp t;
    tp_open(&t, 64, 512, 0);
    tp_producer(&t);
    struct seq_rewriter w = {NULL, 0, COSMOSB_OK};
    uint32_t published;
    cosmosb_receiver_t *rx = rewriter_setup(&t, COSMOSB_TRUST_IN_PLACE, &w, &published);
    ts_misc m;
    cosmosb_msg_view_t v;
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(msg.in_place, 1u);

    cosmosb_pipe_close_endpoint(t.p); /* its lane looks drained (the word was rewritten) */
    free(t.pmem);
    t.p = NULL;
    int rc = cosmosb_pipe_peek(t.c, &v, 0); /* a consumer call meanwhile: the closed producer is reaped */
    cr_assert(rc == COSMOSB_ECLOSED || rc == COSMOSB_EAGAIN, "peek: %s", cosmosb_err_name(rc));
    tp_producer(&t); /* the next producer of the block, at the same position */
    misc_valid(&m, 7);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_peek(t.c, &v, 0), COSMOSB_OK); /* another one: the new producer is served */
    cr_assert_eq(v.info.producer, msg.info.producer, "the next producer did not take the same block");

    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_EINVAL); /* that message's producer is gone */
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(((const ts_misc *)msg.data)->tag, 7, "the next producer's message was lost");
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    tp_close(&t);
}

/*
 * Review 13: the producer epoch used to change with every change of the
 * producer's state, so a message handled while its sender closed (or died)
 * and a consumer call ran discovery was left at the head of its lane and
 * delivered again. The sender closes from the check_ref hook (copy mode), or
 * while the message is out in place, and a consumer call runs in between.
 */
struct closer {
    struct tp *t;
    int calls;
};

static int closing_ref(void *ctx, const cosmosb_ref_t *ref, uint64_t target)
{
    struct closer *cl = ctx;
    (void)ref;
    (void)target;
    if (cl->calls++ == 0) {
        cosmosb_pipe_close_endpoint(cl->t->p);
        cl->t->p = NULL;
        cosmosb_pipe_stats_t st;
        ASSERT_RC(cosmosb_pipe_stats(cl->t->c, &st), COSMOSB_OK); /* a consumer call: discovery sees it closed */
    }
    return COSMOSB_OK;
}

static void handled_once_while_the_sender_closes(uint32_t trust)
{
    struct tp t;
    tp_open(&t, 64, 512, 0);
    tp_producer(&t);
    struct closer cl = {&t, 0};
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cfg.trust = trust;
    cfg.hooks.check_ref = closing_ref;
    cfg.hooks.ref_ctx = &cl;
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_misc_schema, NULL, NULL), COSMOSB_OK);
    ts_misc m;
    misc_valid(&m, 42);
    m.any = (cosmosb_ref_t){1, 1, 1, 0};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(((const ts_misc *)msg.data)->tag, 42);
    ASSERT_RC(cosmosb_pipe_check_peer(t.c), COSMOSB_ECLOSED); /* and another consumer call */
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_ECLOSED);
    cr_assert_eq(cl.calls, 1, "the message was handled %d times", cl.calls);
    cr_assert_eq(rstats(rx).delivered, 1u);
    tp_close(&t);
}

Test(toctou, a_copy_whose_sender_closes_while_it_is_checked_is_delivered_once)
{
    handled_once_while_the_sender_closes(COSMOSB_TRUST_COPY);
}

Test(toctou, a_message_out_in_place_when_its_sender_closes_is_delivered_once)
{
    handled_once_while_the_sender_closes(COSMOSB_TRUST_IN_PLACE);
}

/*
 * Review 15: a sender that rewrites its own owner word while its message is
 * out in place gets its block quarantined (CORRUPT) by the next consumer
 * call; the release used to fail on a quarantined producer, the message
 * stayed in its lane, and when the sender closed it came again. Now the
 * release takes it. (What the quarantined producer queued after it is
 * served once it has closed, as before: review 16 showed that treating the
 * close as a death lost an honest producer's messages, one a co-producer
 * had quarantined, and let the block be reaped under a message out in place.)
 */
Test(toctou, a_message_out_in_place_when_its_sender_is_quarantined_is_delivered_once)
{
    struct tp t;
    tp_open(&t, 64, 512, 0);
    tp_producer(&t);
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cfg.trust = COSMOSB_TRUST_IN_PLACE;
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_misc_schema, NULL, NULL), COSMOSB_OK);
    ts_misc m;
    misc_valid(&m, 42);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    misc_valid(&m, 43); /* one more, queued behind it */
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(msg.in_place, 1u);
    /* the sender rewrites its owner word (first word of its block) and announces it */
    uint64_t off, stride;
    memcpy(&off, t.shm + 40, 8);
    memcpy(&stride, t.shm + 48, 8);
    cr_assert(off > 0 && stride > 0 && off + stride <= t.size);
    uint32_t *owner = (uint32_t *)(void *)(t.shm + off);
    __atomic_store_n(owner, *owner ^ 0x1u, __ATOMIC_RELEASE);
    __atomic_fetch_add((uint32_t *)(void *)(t.shm + 88), 1u, __ATOMIC_SEQ_CST); /* attach_seq */
    cosmosb_pipe_stats_t st;
    ASSERT_RC(cosmosb_pipe_stats(t.c, &st), COSMOSB_OK); /* a consumer call: the block is quarantined */
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    cosmosb_pipe_close_endpoint(t.p);
    free(t.pmem);
    t.p = NULL;
    t.pmem = NULL;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(((const ts_misc *)msg.data)->tag, 43, "tag %d: the handled message came again",
                 ((const ts_misc *)msg.data)->tag);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    int rc = cosmosb_receiver_recv(rx, &msg, 0);
    cr_assert(rc == COSMOSB_EPEERDEAD || rc == COSMOSB_ECLOSED, "then: %s", cosmosb_err_name(rc));
    cr_assert_eq(rstats(rx).delivered, 2u);
    tp_close(&t);
}

/*
 * The epoch where it is needed: a reap that scrubs (once the lane's positions
 * are 2^31 from its last scrub; before, the next producer starts a lap ahead
 * and a stale view's position is wrong anyway) lets the next producer start
 * at the very position of a message still out in place, whose sender
 * rewrote its sequence word so that the lane looked drained. Its release
 * must not take the next producer's first message. 32767 producers come and
 * go first, without a message, to bring the positions there (capacity 2^16).
 */
Test(toctou, a_release_across_a_scrubbing_reap_never_takes_the_next_producers_message, .timeout = 120)
{
    struct tp t;
    memset(&t, 0, sizeof t);
    ASSERT_RC(cosmosb_pipe_config_init(&t.cfg), COSMOSB_OK);
    t.cfg.capacity = 1u << 16;
    t.cfg.urgent_capacity = 2;
    t.cfg.slot_size = 512;
    ASSERT_RC(cosmosb_pipe_memsize(&t.cfg, &t.size), COSMOSB_OK);
    t.shm = aligned_alloc(COSMOSB_CACHELINE, (size_t)t.size);
    cr_assert_not_null(t.shm);
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, 1);
    t.cmem = malloc(hs);
    ASSERT_RC(cosmosb_pipe_open_consumer(t.cmem, hs, t.shm, t.size, &t.cfg, cosmosb_linux_platform(), NULL, &t.c),
              COSMOSB_OK);
    char buf[8];
    for (uint32_t k = 0; k < 32767u; k++) { /* each reap moves the next producer one lap ahead */
        tp_producer(&t);
        cosmosb_pipe_close_endpoint(t.p);
        free(t.pmem);
        t.p = NULL;
        t.pmem = NULL;
        ASSERT_RC(cosmosb_pipe_recv(t.c, buf, sizeof buf, NULL, 0), COSMOSB_ECLOSED);
    }
    tp_producer(&t);
    struct seq_rewriter w = {NULL, 0, COSMOSB_OK};
    uint32_t published;
    cosmosb_receiver_t *rx = rewriter_setup(&t, COSMOSB_TRUST_IN_PLACE, &w, &published);
    ts_misc m;
    cosmosb_msg_view_t v;
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cosmosb_pipe_close_endpoint(t.p);
    free(t.pmem);
    t.p = NULL;
    t.pmem = NULL;
    int rc = cosmosb_pipe_peek(t.c, &v, 0); /* reaps it: the lane looks drained */
    cr_assert(rc == COSMOSB_ECLOSED || rc == COSMOSB_EAGAIN, "peek: %s", cosmosb_err_name(rc));
    cr_assert_eq(*w.seq, published - 1u, "that reap did not scrub (seq %u): the test missed its point", *w.seq);
    tp_producer(&t); /* at the same position */
    misc_valid(&m, 7);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_misc_schema, &m, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_peek(t.c, &v, 0), COSMOSB_OK); /* the new producer is served */
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(((const ts_misc *)msg.data)->tag, 7, "the next producer's message was lost");
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    tp_close(&t);
}

Test(receiver, arena_refs_and_buffer_windows_copy_mode)
{
    arena_refs_and_windows(COSMOSB_TRUST_COPY);
}

Test(receiver, arena_refs_and_buffer_windows_in_place_mode)
{
    arena_refs_and_windows(COSMOSB_TRUST_IN_PLACE);
}

/* ------------------------------------------------------------------------- */
/* Trust modes: where the data lives, when the slot is given back            */
/* ------------------------------------------------------------------------- */

Test(receiver, in_place_points_into_the_slot_and_release_frees_it)
{
    struct tp t;
    tp_open(&t, 2, 128, 0);
    tp_producer(&t);
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cfg.trust = COSMOSB_TRUST_IN_PLACE;
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_evo2_schema, NULL, NULL), COSMOSB_OK);
    ts_evo2 v;
    memset(&v, 0, sizeof v);
    v.a = 1;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_evo2_schema, &v, 0, 0), COSMOSB_OK);
    v.a = 2;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_evo2_schema, &v, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_evo2_schema, &v, 0, 0), COSMOSB_EFULL);
    cosmosb_typed_msg_t msg, other;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(msg.in_place, 1u);
    cr_assert((const uint8_t *)msg.data >= t.shm && (const uint8_t *)msg.data + sizeof v <= t.shm + t.size,
              "in-place data is not inside the pipe's memory");
    cr_assert_eq(((const ts_evo2 *)msg.data)->a, 1u);
    /* the slot is still the receiver's: the pipe stays full */
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_evo2_schema, &v, 0, 0), COSMOSB_EFULL);
    ASSERT_RC(cosmosb_receiver_recv(rx, &other, 0), COSMOSB_EBUSY);
    ASSERT_RC(cosmosb_receiver_dispatch(rx, 1, 0), COSMOSB_EBUSY);
    other = msg;
    other.data = t.shm;
    ASSERT_RC(cosmosb_receiver_release(rx, &other), COSMOSB_EINVAL); /* not the outstanding message */
    ASSERT_RC(cosmosb_receiver_release(NULL, &msg), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_release(rx, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_EINVAL); /* twice */
    /* released: space comes back */
    v.a = 3;
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_evo2_schema, &v, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(((const ts_evo2 *)msg.data)->a, 2u);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(((const ts_evo2 *)msg.data)->a, 3u);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    /* an older sender's message is copied even in place mode, with its tail zero */
    ts_evo1 old = {4, 1, 1};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_evo1_schema, &old, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(msg.in_place, 0u);
    cr_assert(!((const uint8_t *)msg.data >= t.shm && (const uint8_t *)msg.data < t.shm + t.size));
    cr_assert_eq(((const ts_evo2 *)msg.data)->extra, 0u);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_eq(st.delivered, 4u);
    cr_assert_eq(st.copied, 1u);
    tp_close(&t);
}

Test(receiver, copy_mode_gives_the_slot_back_at_once)
{
    struct tp t;
    tp_open(&t, 2, 128, 0);
    tp_producer(&t);
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    cr_assert_eq(cosmosb_receiver_trust(rx), COSMOSB_TRUST_COPY);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_evo2_schema, NULL, NULL), COSMOSB_OK);
    ts_evo2 v;
    memset(&v, 0, sizeof v);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_evo2_schema, &v, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_evo2_schema, &v, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_evo2_schema, &v, 0, 0), COSMOSB_EFULL);
    cosmosb_typed_msg_t msg, other;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(msg.in_place, 0u);
    cr_assert(!((const uint8_t *)msg.data >= t.shm && (const uint8_t *)msg.data < t.shm + t.size),
              "copy-mode data points into the pipe");
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_evo2_schema, &v, 0, 0), COSMOSB_OK); /* not released, yet room */
    ASSERT_RC(cosmosb_receiver_recv(rx, &other, 0), COSMOSB_EBUSY);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_EINVAL);
    tp_close(&t);
}

/* ------------------------------------------------------------------------- */
/* The TOCTOU test                                                           */
/* ------------------------------------------------------------------------- */

/*
 * A hostile producer commits a valid message, then keeps rewriting the slot
 * (a BOOL between 1 and 7, an ENUM between 1 and 99, the last byte of a CHARS
 * between NUL and 'x') until the consumer has dealt with that message, then
 * sends the next. Each message is thus validated while its bytes change.
 * The handler checks every delivered message, and re-reads it a while later.
 */
#define TT_FIELDS(F) F(U64, seq) F(BOOL, flag) F(ENUM, e, 0, 3) F(CHARS, s, 8) F(U32, check)
COSMOSB_SCHEMA(tt_msg, "test.Toctou", 1, TT_FIELDS)

struct tt_shared {
    _Atomic uint64_t processed; /* messages the consumer finished (delivered or rejected) */
    _Atomic uint32_t stop;
    _Atomic uint32_t producer_done;
    _Atomic uint64_t flips;
    _Atomic uint64_t sent;
    _Atomic uint64_t poke;  /* the consumer asks: rewrite message `poke` once more and hold still */
    _Atomic uint64_t poked; /* the producer answers: done (the slot now holds invalid values) */
};

struct tt_run {
    struct tp *t;
    struct tt_shared *sh;
    int in_process;
};

static void tt_produce(struct tt_run *r, cosmosb_pipe_t *p)
{
    struct tt_shared *sh = r->sh;
    cosmosb_typed_tag_t tag;
    if (cosmosb_typed_tag_init(&tt_msg_schema, &tag) != COSMOSB_OK)
        return;
    for (uint64_t seq = 1; !atomic_load(&sh->stop); seq++) {
        cosmosb_slot_t slot;
        int rc = cosmosb_pipe_reserve(p, 0, 1000000000ull, &slot);
        if (rc != COSMOSB_OK)
            break;
        tt_msg m;
        memset(&m, 0, sizeof m);
        m.seq = seq;
        m.flag = 1;
        m.e = 1;
        strcpy(m.s, "valid");
        m.check = (uint32_t)seq * 2654435761u;
        memcpy(slot.data, tag.header, tag.header_size);
        memcpy((uint8_t *)slot.data + tag.header_size, &m, sizeof m);
        if (cosmosb_pipe_commit(p, &slot, tag.type_id, tag.header_size + (uint32_t)sizeof m) != COSMOSB_OK)
            break;
        atomic_store(&sh->sent, seq);
        /* after commit: keep rewriting the committed slot until the consumer is done with it */
        volatile uint8_t *body = (volatile uint8_t *)slot.data + tag.header_size;
        volatile uint8_t *flag = body + offsetof(tt_msg, flag);
        volatile uint8_t *e = body + offsetof(tt_msg, e); /* little-endian low byte of the int32 */
        volatile uint8_t *s = body + offsetof(tt_msg, s);
        uint64_t flips = 0;
        while (atomic_load_explicit(&sh->processed, memory_order_acquire) < seq && !atomic_load(&sh->stop)) {
            if (atomic_load_explicit(&sh->poke, memory_order_acquire) == seq) {
                /* a rewrite the handler can rely on seeing: invalid values, then no more changes */
                *flag = 7;
                *e = 99;
                atomic_store_explicit(&sh->poked, seq, memory_order_release);
                while (atomic_load_explicit(&sh->processed, memory_order_acquire) < seq && !atomic_load(&sh->stop))
                    sched_yield();
                break;
            }
            *flag = 7;
            *e = 99;
            s[5] = 'x';
            s[6] = 'x';
            s[7] = 'x';
            *flag = 1;
            *e = 2;
            s[7] = 0;
            s[6] = 0;
            s[5] = 0;
            if ((++flips & 4095u) == 0)
                sched_yield(); /* be fair to the consumer on a busy machine */
        }
        atomic_fetch_add(&sh->flips, flips);
    }
    atomic_store(&sh->producer_done, 1);
}

static void *tt_thread(void *arg)
{
    struct tt_run *r = arg;
    tt_produce(r, r->t->p);
    return NULL;
}

static int tt_child(void *arg)
{
    struct tt_run *r = arg;
    struct tp *t = r->t;
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    void *mem = malloc(hs);
    cosmosb_pipe_t *p = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_open_producer(mem, hs, t->shm, t->size, cosmosb_linux_platform(), NULL, &p),
                   COSMOSB_OK);
    tt_produce(r, p);
    cosmosb_pipe_close_endpoint(p);
    free(mem);
    return 0;
}

struct tt_check {
    struct tt_shared *sh;
    uint64_t delivered;
    uint64_t bad_at_delivery; /* invalid fields seen on first read in the handler */
    uint64_t bad_later;       /* invalid fields seen on a later read of the same message (racing) */
    uint64_t pokes;           /* handshakes: the producer rewrote the slot after delivery, for sure */
    uint64_t poked_bad;       /* ... and the handler then saw invalid fields */
    uint64_t poke_lost;       /* the producer did not answer */
    uint64_t last_seq;
};

static int tt_fields_ok(const volatile tt_msg *m)
{
    uint8_t f = m->flag;
    int32_t e = m->e;
    int nul = 0;
    for (int i = 0; i < 8; i++)
        nul |= m->s[i] == 0;
    return f <= 1 && e >= 0 && e <= 3 && nul;
}

static void tt_handler(void *ctx, cosmosb_receiver_t *rx, const cosmosb_typed_msg_t *msg)
{
    (void)rx;
    struct tt_check *c = ctx;
    const volatile tt_msg *m = (const volatile tt_msg *)msg->data;
    c->delivered++;
    if (!tt_fields_ok(m))
        c->bad_at_delivery++;
    uint64_t seq = m->seq;
    if (seq <= c->last_seq || m->check != (uint32_t)seq * 2654435761u)
        c->bad_at_delivery++;
    c->last_seq = seq;
    /* a while later (the producer is still rewriting the slot meanwhile) */
    int later_bad = 0;
    for (int i = 0; i < 256; i++)
        later_bad |= !tt_fields_ok(m);
    c->bad_later += later_bad;
    /* every 16th message: have the producer rewrite the slot now (a handshake, no luck needed) and look again */
    if ((seq & 15u) == 0) {
        atomic_store_explicit(&c->sh->poke, seq, memory_order_release);
        uint64_t end = tu_now_ns() + 10ull * 1000000000ull; /* only if the producer is gone */
        while (atomic_load_explicit(&c->sh->poked, memory_order_acquire) != seq && tu_now_ns() < end)
            sched_yield();
        if (atomic_load_explicit(&c->sh->poked, memory_order_acquire) == seq) {
            c->pokes++;
            c->poked_bad += !tt_fields_ok(m);
        } else {
            c->poke_lost++;
        }
    }
    atomic_fetch_add_explicit(&c->sh->processed, 1, memory_order_release);
}

static void tt_on_reject(void *ctx, cosmosb_receiver_t *rx, const cosmosb_reject_info_t *info)
{
    (void)rx;
    (void)info;
    struct tt_check *c = ctx;
    atomic_fetch_add_explicit(&c->sh->processed, 1, memory_order_release);
}

struct tt_result {
    cosmosb_receiver_stats_t st;
    struct tt_check chk;
    uint64_t flips, sent;
};

/* Runs until enough of both outcomes were seen (or a cap), returns what happened. */
static void tt_run_once(uint32_t trust, int in_process, uint64_t want_delivered, uint64_t want_rejected,
                        uint64_t want_poked_bad, struct tt_result *res)
{
    struct tp t;
    tp_open(&t, 4, 256, in_process);
    struct tt_shared *sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    cr_assert(sh != MAP_FAILED);
    memset(sh, 0, sizeof *sh);
    struct tt_check chk;
    memset(&chk, 0, sizeof chk);
    chk.sh = sh;
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cfg.trust = trust;
    cfg.on_reject = tt_on_reject;
    cfg.reject_ctx = &chk;
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    ASSERT_RC(cosmosb_receiver_accept(rx, &tt_msg_schema, tt_handler, &chk), COSMOSB_OK);
    struct tt_run run = {&t, sh, in_process};
    pthread_t th;
    pid_t pid = -1;
    if (in_process) {
        pid = tu_fork(tt_child, &run, 120);
        cr_assert_gt(pid, 0);
    } else {
        tp_producer(&t);
        cr_assert_eq(pthread_create(&th, NULL, tt_thread, &run), 0);
    }
    const uint64_t cap = tu_scale(5000000);
    const uint64_t t_end = tu_now_ns() + 20ull * 1000000000ull;
    cosmosb_receiver_stats_t st;
    memset(&st, 0, sizeof st);
    for (;;) {
        int rc = cosmosb_receiver_dispatch(rx, 64, 1000000000ull);
        cr_assert(rc > 0 || rc == COSMOSB_ETIMEDOUT, "dispatch: %s", cosmosb_err_name(rc));
        st = rstats(rx);
        if (st.delivered >= want_delivered && st.rejected_total >= want_rejected && chk.poked_bad >= want_poked_bad)
            break;
        if (st.delivered + st.rejected_total >= cap || tu_now_ns() > t_end)
            break;
    }
    atomic_store(&sh->stop, 1);
    if (in_process) {
        cr_assert(tu_wait_ok(pid), "the producer process failed");
    } else {
        cr_assert_eq(pthread_join(th, NULL), 0);
    }
    res->st = rstats(rx);
    res->chk = chk;
    res->flips = atomic_load(&sh->flips);
    res->sent = atomic_load(&sh->sent);
    cr_log_info("TOCTOU %s %s: sent %llu, delivered %llu, rejected %llu (bool %llu, enum %llu, string %llu), "
                "flips %llu, bad at delivery %llu, bad later %llu, handshakes %llu (bad after %llu, lost %llu)",
                trust == COSMOSB_TRUST_COPY ? "copy" : "in-place", in_process ? "process" : "thread",
                (unsigned long long)res->sent, (unsigned long long)res->st.delivered,
                (unsigned long long)res->st.rejected_total, (unsigned long long)res->st.rejected[COSMOSB_REJECT_BOOL],
                (unsigned long long)res->st.rejected[COSMOSB_REJECT_ENUM],
                (unsigned long long)res->st.rejected[COSMOSB_REJECT_STRING], (unsigned long long)res->flips,
                (unsigned long long)chk.bad_at_delivery, (unsigned long long)chk.bad_later,
                (unsigned long long)chk.pokes, (unsigned long long)chk.poked_bad, (unsigned long long)chk.poke_lost);
    munmap(sh, sizeof *sh);
    tp_close(&t);
}

static void tt_copy_mode(int in_process)
{
    struct tt_result r;
    tt_run_once(COSMOSB_TRUST_COPY, in_process, tu_scale(300000), tu_scale(1000), 0, &r);
    /* The rewriting ran alongside validation. Whether a snapshot ever caught a half-done rewrite is
     * luck: on a loaded machine with two CPUs the two sides may only ever take turns (one run saw 67 M
     * rewrites, 163 k messages and no torn snapshot in 20 s), so it is reported, not required. What
     * is required holds either way: nothing invalid is delivered, and the handshakes below rewrite a
     * slot at a known moment, deterministically. */
    cr_assert_gt(r.flips, 0u, "the producer never rewrote a committed slot");
    /* Info, not a warning: Criterion 2.4 exits with status 1 after any cr_log_warn, though every test
     * passed (the suite failed that way on loaded machines: once in CI's soak, once in 15 runs with
     * both CPUs busy). */
    if (r.st.rejected_total == 0)
        cr_log_info("TOCTOU copy %s: no torn snapshot in this run (the two sides never overlapped)",
                    in_process ? "process" : "thread");
    cr_assert_gt(r.st.delivered, 0u);
    /* ... and none of them reached the handler */
    cr_assert_eq(r.chk.bad_at_delivery, 0u, "an invalid message was delivered in copy mode");
    cr_assert_eq(r.chk.bad_later, 0u, "a delivered copy changed under the handler");
    cr_assert_gt(r.chk.pokes, 0u);
    cr_assert_eq(r.chk.poked_bad, 0u, "a rewrite after delivery reached the copy-mode handler");
    cr_assert_eq(r.chk.poke_lost, 0u);
    cr_assert_eq(r.chk.delivered, r.st.delivered);
    cr_assert_eq(r.st.rejected_total,
                 r.st.rejected[COSMOSB_REJECT_BOOL] + r.st.rejected[COSMOSB_REJECT_ENUM] +
                     r.st.rejected[COSMOSB_REJECT_STRING],
                 "only the rewritten fields may cause rejections");
    cr_assert_eq(r.st.copied, r.st.delivered);
    /* every message sent was dealt with exactly once (the last one may still be queued) */
    cr_assert(r.st.delivered + r.st.rejected_total == r.sent || r.st.delivered + r.st.rejected_total + 1u == r.sent,
              "sent %llu, delivered + rejected %llu", (unsigned long long)r.sent,
              (unsigned long long)(r.st.delivered + r.st.rejected_total));
}

#ifndef TR_TSAN
/* A producer thread (ThreadSanitizer builds run only the process variant: the rewrites race by design). */
Test(toctou, copy_mode_producer_thread_rewrites_committed_slot, .timeout = 120)
{
    tt_copy_mode(0);
}
#endif

Test(toctou, copy_mode_producer_process_rewrites_committed_slot, .timeout = 120)
{
    tt_copy_mode(1);
}

/* The same harness against an in-place receiver: the rewrites are visible to the
 * handler, which shows the harness can detect what copy mode prevents. */
Test(toctou, in_place_mode_is_exposed_to_rewrites, .timeout = 120)
{
    struct tt_result r;
    tt_run_once(COSMOSB_TRUST_IN_PLACE, 1, 1000, 0, 1, &r);
    cr_assert_gt(r.chk.pokes, 0u);
    cr_assert_eq(r.chk.poked_bad, r.chk.pokes, "the in-place handler did not see a rewritten slot: the harness "
                                               "cannot tell copy mode from in place");
    cr_assert_eq(r.chk.poke_lost, 0u);
    cr_assert_eq(r.st.copied, 0u);
}

/* ------------------------------------------------------------------------- */
/* Dispatch and the pump                                                     */
/* ------------------------------------------------------------------------- */

struct trace {
    uint32_t n;
    char who[64];      /* handler tag */
    uint32_t val[64];  /* a value from the message */
    const cosmosb_schema_t *as[64];
    uint64_t type_id[64];
};

struct hctx {
    struct trace *tr;
    char tag;
};

static void h_d0(void *ctx, cosmosb_receiver_t *rx, const cosmosb_typed_msg_t *msg)
{
    (void)rx;
    struct hctx *h = ctx;
    struct trace *tr = h->tr;
    if (tr->n < 64) {
        tr->who[tr->n] = h->tag;
        tr->val[tr->n] = ((const ts_d0 *)msg->data)->id;
        tr->as[tr->n] = msg->schema;
        tr->type_id[tr->n] = msg->type_id;
    }
    tr->n++;
}

Test(receiver, dispatch_calls_the_handler_of_the_accepted_type)
{
    struct tp t;
    cosmosb_receiver_t *rx = tp_setup(&t, COSMOSB_TRUST_COPY, NULL);
    struct trace tr;
    memset(&tr, 0, sizeof tr);
    struct hctx h0 = {&tr, 'a'}, h2 = {&tr, 'c'};
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, h_d0, &h0), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d2_schema, h_d0, &h2), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d1_schema, NULL, NULL), COSMOSB_OK); /* no handler */
    uint64_t rng = 5;
    const cosmosb_schema_t *seq[] = {&ts_d0_schema, &ts_d3_schema, &ts_d1_schema, &ts_d2_schema, &ts_d8_schema,
                                     &ts_d0_schema};
    for (uint32_t i = 0; i < 6; i++) {
        _Alignas(8) uint8_t buf[512];
        ts_fill_valid(seq[i], buf, &rng);
        ((ts_d0 *)buf)->id = i;
        ASSERT_RC(cosmosb_typed_send(t.p, seq[i], buf, 0, 0), COSMOSB_OK);
    }
    cr_assert_eq(cosmosb_receiver_dispatch(rx, 4, 0), 4);
    cr_assert_eq(cosmosb_receiver_dispatch(rx, 100, 0), 2);
    ASSERT_RC(cosmosb_receiver_dispatch(rx, 100, 0), COSMOSB_EAGAIN);
    /* d1 had no handler: counted, released, not traced */
    cr_assert_eq(tr.n, 5u);
    const char want_who[5] = {'a', 'c', 'c', 'c', 'a'};
    const uint32_t want_val[5] = {0, 1, 3, 4, 5};
    const cosmosb_schema_t *want_as[5] = {&ts_d0_schema, &ts_d2_schema, &ts_d2_schema, &ts_d2_schema, &ts_d0_schema};
    for (uint32_t i = 0; i < 5; i++) {
        cr_assert_eq(tr.who[i], want_who[i], "call %u by %c", i, tr.who[i]);
        cr_assert_eq(tr.val[i], want_val[i]);
        cr_assert_eq(tr.as[i], want_as[i]);
    }
    cr_assert_eq(tr.type_id[1], cosmosb_schema_type_id(&ts_d3_schema));
    cr_assert_eq(tr.type_id[3], cosmosb_schema_type_id(&ts_d8_schema));
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_eq(st.delivered, 6u);
    /* replacing a handler */
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, h_d0, &h2), COSMOSB_OK);
    ts_d0 d = {77, 0};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &d, 0, 0), COSMOSB_OK);
    cr_assert_eq(cosmosb_receiver_dispatch(rx, 1, 0), 1);
    cr_assert_eq(tr.who[5], 'c');
    /* dispatch waits for the first message only */
    ASSERT_RC(cosmosb_receiver_dispatch(rx, 1, 1000000), COSMOSB_ETIMEDOUT);
    tp_close(&t);
}

/* Three pipes, each with a receiver; the pump serves them in the order added. */
struct pfx {
    struct tp t[3];
    cosmosb_receiver_t *rx[3];
    void *pmem;
    cosmosb_pump_t *pump;
    struct trace tr;
    struct hctx h[3];
};

static void pfx_init(struct pfx *f, uint32_t n)
{
    memset(f, 0, sizeof *f);
    size_t sz = cosmosb_pump_memsize(n);
    cr_assert_gt(sz, 0u);
    f->pmem = aligned_alloc(8, (sz + 7u) & ~(size_t)7u);
    ASSERT_RC(cosmosb_pump_init(f->pmem, sz, n, &f->pump), COSMOSB_OK);
    for (uint32_t i = 0; i < n; i++) {
        f->rx[i] = tp_setup(&f->t[i], COSMOSB_TRUST_COPY, NULL);
        f->h[i] = (struct hctx){&f->tr, (char)('0' + i)};
        ASSERT_RC(cosmosb_receiver_accept(f->rx[i], &ts_d0_schema, h_d0, &f->h[i]), COSMOSB_OK);
        ASSERT_RC(cosmosb_pump_add(f->pump, f->rx[i]), COSMOSB_OK);
    }
}

static void pfx_free(struct pfx *f, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        tp_close(&f->t[i]);
    free(f->pmem);
}

static void psend(struct pfx *f, int i, uint32_t id, uint32_t flags)
{
    ts_d0 d = {id, 0};
    ASSERT_RC(cosmosb_typed_send(f->t[i].p, &ts_d0_schema, &d, flags, 0), COSMOSB_OK);
}

Test(pump, arguments)
{
    cr_assert_eq(cosmosb_pump_memsize(0), 0u);
    cr_assert_eq(cosmosb_pump_memsize(257), 0u);
    cr_assert_gt(cosmosb_pump_memsize(256), 0u);
    size_t sz = cosmosb_pump_memsize(2);
    uint64_t *mem = malloc(sz + 16);
    cosmosb_pump_t *pump;
    ASSERT_RC(cosmosb_pump_init(NULL, sz, 2, &pump), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pump_init(mem, sz - 1, 2, &pump), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pump_init((char *)mem + 4, sz, 2, &pump), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pump_init(mem, sz, 2, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pump_init(mem, sz, 2, &pump), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_run(pump, 1, 0), COSMOSB_EINVAL); /* no receivers */
    ASSERT_RC(cosmosb_pump_run(NULL, 1, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pump_set_wait(NULL, NULL, NULL), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pump_add(pump, NULL), COSMOSB_EINVAL);
    struct tp t[3];
    cosmosb_receiver_t *rx[3];
    for (int i = 0; i < 3; i++)
        rx[i] = tp_setup(&t[i], COSMOSB_TRUST_COPY, NULL);
    ASSERT_RC(cosmosb_pump_add(pump, rx[0]), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_add(pump, rx[0]), COSMOSB_EBUSY);
    ASSERT_RC(cosmosb_pump_add(pump, rx[1]), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_add(pump, rx[2]), COSMOSB_ENOMEM);
    ASSERT_RC(cosmosb_pump_run(pump, 0, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pump_run(pump, 1, 0), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_pump_run(pump, 1, 2000000), COSMOSB_ETIMEDOUT); /* two receivers, no hook: polls */
    for (int i = 0; i < 3; i++)
        tp_close(&t[i]);
    free(mem);
}

Test(pump, priority_order_urgent_lanes_first)
{
    struct pfx f;
    pfx_init(&f, 3);
    /* normal messages on every receiver, urgent ones on the last two */
    psend(&f, 0, 1, 0);
    psend(&f, 1, 11, 0);
    psend(&f, 2, 21, 0);
    psend(&f, 0, 2, 0);
    psend(&f, 2, 22, 0);
    psend(&f, 2, 91, COSMOSB_MSG_URGENT);
    psend(&f, 1, 81, COSMOSB_MSG_URGENT);
    psend(&f, 2, 92, COSMOSB_MSG_URGENT);
    /* one message per call, so the order is the pump's choice at each step */
    for (int i = 0; i < 8; i++)
        cr_assert_eq(cosmosb_pump_run(f.pump, 1, 0), 1);
    ASSERT_RC(cosmosb_pump_run(f.pump, 1, 0), COSMOSB_EAGAIN);
    static const uint32_t want[8] = {81, 91, 92, 1, 2, 11, 21, 22};
    static const char want_who[8] = {'1', '2', '2', '0', '0', '1', '2', '2'};
    cr_assert_eq(f.tr.n, 8u);
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(f.tr.val[i], want[i], "step %d handled %u, expected %u", i, f.tr.val[i], want[i]);
        cr_assert_eq(f.tr.who[i], want_who[i]);
    }
    /* an urgent message arriving later still overtakes queued normal ones of earlier receivers */
    psend(&f, 0, 3, 0);
    psend(&f, 0, 4, 0);
    cr_assert_eq(cosmosb_pump_run(f.pump, 1, 0), 1);
    psend(&f, 2, 93, COSMOSB_MSG_URGENT);
    cr_assert_eq(cosmosb_pump_run(f.pump, 5, 0), 2);
    cr_assert_eq(f.tr.val[8], 3u);
    cr_assert_eq(f.tr.val[9], 93u);
    cr_assert_eq(f.tr.val[10], 4u);
    pfx_free(&f, 3);
}

Test(pump, handler_of_the_most_derived_known_type)
{
    struct pfx f;
    pfx_init(&f, 2);
    struct hctx hd2 = {&f.tr, 'D'};
    ASSERT_RC(cosmosb_receiver_accept(f.rx[1], &ts_d2_schema, h_d0, &hd2), COSMOSB_OK);
    uint64_t rng = 9;
    _Alignas(8) uint8_t buf[512];
    ts_fill_valid(&ts_d4_schema, buf, &rng);
    ((ts_d0 *)buf)->id = 400;
    ASSERT_RC(cosmosb_typed_send(f.t[1].p, &ts_d4_schema, buf, 0, 0), COSMOSB_OK);
    ts_fill_valid(&ts_d1_schema, buf, &rng);
    ((ts_d0 *)buf)->id = 100;
    ASSERT_RC(cosmosb_typed_send(f.t[1].p, &ts_d1_schema, buf, 0, 0), COSMOSB_OK);
    ts_fill_valid(&ts_d4_schema, buf, &rng);
    ((ts_d0 *)buf)->id = 401;
    ASSERT_RC(cosmosb_typed_send(f.t[0].p, &ts_d4_schema, buf, 0, 0), COSMOSB_OK);
    cr_assert_eq(cosmosb_pump_run(f.pump, 10, 0), 3);
    cr_assert_eq(f.tr.n, 3u);
    cr_assert_eq(f.tr.val[0], 401u);
    cr_assert_eq(f.tr.who[0], '0'); /* receiver 0 knows only d0 */
    cr_assert_eq(f.tr.as[0], &ts_d0_schema);
    cr_assert_eq(f.tr.val[1], 400u);
    cr_assert_eq(f.tr.who[1], 'D');
    cr_assert_eq(f.tr.as[1], &ts_d2_schema);
    cr_assert_eq(f.tr.type_id[1], cosmosb_schema_type_id(&ts_d4_schema));
    cr_assert_eq(f.tr.val[2], 100u);
    cr_assert_eq(f.tr.who[2], '1');
    cr_assert_eq(f.tr.as[2], &ts_d0_schema);
    pfx_free(&f, 2);
}

static int rejects_then_times_out_calls;
static int counting_wait(void *ctx, uint64_t timeout_ns)
{
    (void)ctx;
    (void)timeout_ns;
    rejects_then_times_out_calls++;
    return COSMOSB_ETIMEDOUT;
}

Test(pump, invalid_messages_never_reach_handlers_and_wait_hook_is_used)
{
    struct pfx f;
    pfx_init(&f, 2);
    ts_d0 bad = {5, 3};
    ASSERT_RC(cosmosb_typed_send(f.t[0].p, &ts_d0_schema, &bad, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(f.t[1].p, &ts_d0_schema, &bad, 0, 0), COSMOSB_OK);
    psend(&f, 1, 6, 0);
    cr_assert_eq(cosmosb_pump_run(f.pump, 10, 0), 1);
    cr_assert_eq(f.tr.n, 1u);
    cr_assert_eq(f.tr.val[0], 6u);
    cr_assert_eq(rstats(f.rx[0]).rejected[COSMOSB_REJECT_BOOL], 1u);
    cr_assert_eq(rstats(f.rx[1]).rejected[COSMOSB_REJECT_BOOL], 1u);
    /* nothing queued: the hook is asked to wait, and the pump gives up at its deadline */
    rejects_then_times_out_calls = 0;
    ASSERT_RC(cosmosb_pump_set_wait(f.pump, counting_wait, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_run(f.pump, 1, 5000000), COSMOSB_ETIMEDOUT);
    cr_assert_gt(rejects_then_times_out_calls, 0);
    pfx_free(&f, 2);
}

/* ------------------------------------------------------------------------- */
/* Adding and removing receivers from a handler or callback of the run       */
/* ------------------------------------------------------------------------- */

/* Like pfx_init, with an on_reject callback on every receiver; only the first `added` join the pump. */
static void pfx_init_cb(struct pfx *f, uint32_t n, uint32_t added, cosmosb_reject_fn fn)
{
    memset(f, 0, sizeof *f);
    size_t sz = cosmosb_pump_memsize(n);
    cr_assert_gt(sz, 0u);
    f->pmem = aligned_alloc(8, (sz + 7u) & ~(size_t)7u);
    ASSERT_RC(cosmosb_pump_init(f->pmem, sz, n, &f->pump), COSMOSB_OK);
    for (uint32_t i = 0; i < n; i++) {
        tp_open(&f->t[i], 64, 512, 0);
        tp_producer(&f->t[i]);
        cosmosb_receiver_config_t cfg;
        ASSERT_RC(cosmosb_receiver_config_init(&cfg), COSMOSB_OK);
        cfg.trust = COSMOSB_TRUST_COPY;
        cfg.max_types = 32;
        cfg.on_reject = fn;
        f->rx[i] = tp_receiver(&f->t[i], &cfg);
        f->h[i] = (struct hctx){&f->tr, (char)('0' + i)};
        ASSERT_RC(cosmosb_receiver_accept(f->rx[i], &ts_d0_schema, h_d0, &f->h[i]), COSMOSB_OK);
        if (i < added)
            ASSERT_RC(cosmosb_pump_add(f->pump, f->rx[i]), COSMOSB_OK);
    }
}

/* What a handler or an on_reject callback does to its pump (the first time only). */
static struct {
    struct pfx *f;
    int remove[3]; /* indexes of receivers to remove, in this order (-1: none) */
    int add[3];    /* then to add */
    int free0;     /* after the removals, close receiver 0 and its pipe (it must be removed) */
    int calls;
    int rc[6];
} edit;

static void edit_reset(struct pfx *f)
{
    memset(&edit, 0, sizeof edit);
    edit.f = f;
    for (int i = 0; i < 3; i++)
        edit.remove[i] = edit.add[i] = -1;
}

static void do_edit(void)
{
    if (edit.calls++)
        return;
    struct pfx *f = edit.f;
    int k = 0;
    for (int i = 0; i < 3; i++)
        if (edit.remove[i] >= 0)
            edit.rc[k++] = cosmosb_pump_remove(f->pump, f->rx[edit.remove[i]]);
    if (edit.free0) {
        tp_close(&f->t[0]);
        memset(&f->t[0], 0, sizeof f->t[0]);
        f->rx[0] = NULL;
    }
    for (int i = 0; i < 3; i++)
        if (edit.add[i] >= 0)
            edit.rc[k++] = cosmosb_pump_add(f->pump, f->rx[edit.add[i]]);
    for (int i = 0; i < k; i++)
        cr_assert_eq(edit.rc[i], COSMOSB_OK, "edit %d: %s", i, cosmosb_strerror(edit.rc[i]));
}

static void h_edit(void *ctx, cosmosb_receiver_t *rx, const cosmosb_typed_msg_t *msg)
{
    h_d0(ctx, rx, msg);
    do_edit();
}

static void rej_edit(void *ctx, cosmosb_receiver_t *rx, const cosmosb_reject_info_t *info)
{
    (void)ctx;
    (void)rx;
    (void)info;
    do_edit();
}

static void send_bad(struct pfx *f, int i, uint32_t flags)
{
    ts_d0 bad = {5, 3}; /* a bool of 3: rejected */
    ASSERT_RC(cosmosb_typed_send(f->t[i].p, &ts_d0_schema, &bad, flags, 0), COSMOSB_OK);
}

/* The message still queued on a receiver the pump no longer serves. */
static uint32_t left_on(struct pfx *f, int i)
{
    cosmosb_typed_msg_t m;
    ASSERT_RC(cosmosb_receiver_recv(f->rx[i], &m, COSMOSB_TIMEOUT_NONE), COSMOSB_OK);
    uint32_t id = ((const ts_d0 *)m.data)->id;
    ASSERT_RC(cosmosb_receiver_release(f->rx[i], &m), COSMOSB_OK);
    return id;
}

static void expect_trace(const struct pfx *f, uint32_t n, const uint32_t *val, const char *who)
{
    cr_assert_eq(f->tr.n, n, "%u messages handled, expected %u", f->tr.n, n);
    for (uint32_t i = 0; i < n; i++) {
        cr_assert_eq(f->tr.val[i], val[i], "message %u: %u, expected %u", i, f->tr.val[i], val[i]);
        cr_assert_eq(f->tr.who[i], who[i], "message %u by %c, expected %c", i, f->tr.who[i], who[i]);
    }
}

Test(pump, a_handler_may_remove_receivers_and_the_run_goes_on_with_the_others)
{
    struct pfx f;
    pfx_init(&f, 3);
    edit_reset(&f);
    edit.remove[0] = 1; /* another receiver, then its own */
    edit.remove[1] = 0;
    ASSERT_RC(cosmosb_receiver_accept(f.rx[0], &ts_d0_schema, h_edit, &f.h[0]), COSMOSB_OK);
    psend(&f, 0, 1, 0);
    psend(&f, 0, 2, 0);
    psend(&f, 1, 11, 0);
    psend(&f, 2, 21, 0);
    psend(&f, 2, 22, 0);
    cr_assert_eq(cosmosb_pump_run(f.pump, 10, 0), 3);
    expect_trace(&f, 3, (const uint32_t[]){1, 21, 22}, "022");
    cr_assert_eq(cosmosb_pump_count(f.pump), 1u);
    /* the removed receivers' messages were not handled by the run: still queued */
    cr_assert_eq(left_on(&f, 0), 2u);
    cr_assert_eq(left_on(&f, 1), 11u);
    ASSERT_RC(cosmosb_pump_run(f.pump, 10, 0), COSMOSB_EAGAIN);

    /* A handler that removes every receiver: the run ends and returns what it handled. */
    ASSERT_RC(cosmosb_pump_remove(f.pump, f.rx[2]), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_add(f.pump, f.rx[0]), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_add(f.pump, f.rx[2]), COSMOSB_OK);
    edit_reset(&f);
    edit.remove[0] = 2;
    edit.remove[1] = 0;
    psend(&f, 0, 3, 0);
    psend(&f, 0, 4, 0);
    psend(&f, 2, 23, 0);
    cr_assert_eq(cosmosb_pump_run(f.pump, 10, 2000000000ull), 1);
    cr_assert_eq(cosmosb_pump_count(f.pump), 0u);
    ASSERT_RC(cosmosb_pump_run(f.pump, 10, 0), COSMOSB_EINVAL);
    cr_assert_eq(left_on(&f, 0), 4u);
    cr_assert_eq(left_on(&f, 2), 23u);
    pfx_free(&f, 3);
}

Test(pump, a_receiver_added_by_a_handler_is_served_from_the_next_step)
{
    struct pfx f;
    pfx_init(&f, 3);
    ASSERT_RC(cosmosb_pump_remove(f.pump, f.rx[2]), COSMOSB_OK);
    edit_reset(&f);
    edit.add[0] = 2;
    ASSERT_RC(cosmosb_receiver_accept(f.rx[0], &ts_d0_schema, h_edit, &f.h[0]), COSMOSB_OK);
    psend(&f, 0, 1, 0);
    psend(&f, 0, 2, 0);
    psend(&f, 1, 11, 0);
    psend(&f, 2, 21, 0);
    psend(&f, 2, 91, COSMOSB_MSG_URGENT);
    /* added last (lowest priority), but its urgent message goes first from the next step */
    cr_assert_eq(cosmosb_pump_run(f.pump, 10, 0), 5);
    expect_trace(&f, 5, (const uint32_t[]){1, 91, 2, 11, 21}, "02012");
    cr_assert_eq(cosmosb_pump_count(f.pump), 3u);
    pfx_free(&f, 3);
}

/* Before: the step went on with the next index of the shifted list, so the receiver after the removed
 * one was skipped (its urgent message handled after a lower-priority one's). */
Test(pump, an_on_reject_callback_may_remove_its_receiver_and_the_order_holds)
{
    struct pfx f;
    pfx_init_cb(&f, 3, 3, rej_edit);
    edit_reset(&f);
    edit.remove[0] = 0;
    send_bad(&f, 0, COSMOSB_MSG_URGENT);
    psend(&f, 0, 2, 0);
    psend(&f, 1, 11, COSMOSB_MSG_URGENT);
    psend(&f, 1, 12, 0);
    psend(&f, 2, 21, COSMOSB_MSG_URGENT);
    cr_assert_eq(cosmosb_pump_run(f.pump, 1, 0), 1);
    cr_assert_eq(edit.calls, 1);
    cr_assert_eq(cosmosb_pump_run(f.pump, 10, 0), 2);
    expect_trace(&f, 3, (const uint32_t[]){11, 21, 12}, "121");
    cr_assert_eq(left_on(&f, 0), 2u); /* taken by no one */
    pfx_free(&f, 3);
}

/* Before: the receive went on after the callback and took the next message; the step handed it to the
 * receiver now at that index (another one: wrong handler, not released), and the removed receiver kept
 * it outstanding (every later receive on it: EBUSY). */
Test(pump, a_receive_ends_when_its_on_reject_callback_removes_the_receiver)
{
    struct pfx f;
    pfx_init_cb(&f, 2, 2, rej_edit);
    edit_reset(&f);
    edit.remove[0] = 0;
    send_bad(&f, 0, 0);
    psend(&f, 0, 2, 0);
    ASSERT_RC(cosmosb_pump_run(f.pump, 4, 0), COSMOSB_EAGAIN);
    cr_assert_eq(f.tr.n, 0u);
    cr_assert_eq(rstats(f.rx[0]).rejected_total, 1u);
    cr_assert_eq(rstats(f.rx[0]).delivered, 0u);
    cr_assert_eq(left_on(&f, 0), 2u);
    pfx_free(&f, 2);
}

/* Before: the removed receiver's next message was still taken and handled, or (without one) the run
 * polled an empty list until its deadline. */
Test(pump, a_run_whose_receivers_are_all_removed_by_callbacks_ends, .timeout = 30)
{
    struct pfx f;
    pfx_init_cb(&f, 1, 1, rej_edit);
    edit_reset(&f);
    edit.remove[0] = 0;
    send_bad(&f, 0, 0);
    psend(&f, 0, 2, 0);
    uint64_t t0 = tu_now_ns();
    cr_assert_eq(cosmosb_pump_run(f.pump, 4, 5000000000ull), 0);
    cr_assert_lt(tu_now_ns() - t0, 2000000000ull, "the run waited on an empty pump");
    cr_assert_eq(f.tr.n, 0u);
    cr_assert_eq(cosmosb_pump_count(f.pump), 0u);
    cr_assert_eq(left_on(&f, 0), 2u);
    pfx_free(&f, 1);
}

static void *send_bad_later(void *arg)
{
    tu_sleep_ms(50); /* the pump sleeps in its lone receiver's receive by now (not required) */
    send_bad(arg, 0, 0);
    return NULL;
}

/* Before: the lone receiver's blocking receive went on after its callback added a receiver, so the
 * message queued on that one waited for the end of the timeout (the run returned ETIMEDOUT). */
Test(pump, a_receiver_added_by_a_callback_ends_the_lone_receivers_wait, .timeout = 30)
{
    struct pfx f;
    pfx_init_cb(&f, 2, 1, rej_edit);
    edit_reset(&f);
    edit.add[0] = 1;
    psend(&f, 1, 11, 0);
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, send_bad_later, &f), 0);
    uint64_t t0 = tu_now_ns();
    int rc = cosmosb_pump_run(f.pump, 4, 10000000000ull);
    uint64_t took = tu_now_ns() - t0;
    pthread_join(th, NULL);
    cr_assert_eq(rc, 1, "the run returned %d (%s)", rc, rc < 0 ? cosmosb_strerror(rc) : "");
    cr_assert_lt(took, 5000000000ull);
    expect_trace(&f, 1, (const uint32_t[]){11}, "1");
    cr_assert_eq(cosmosb_pump_count(f.pump), 2u);
    pfx_free(&f, 2);
}

/* Before: the run kept the first receiver's pipe as its clock for the whole run, and read it after a
 * callback had removed that receiver and closed its pipe (a use after free under ASan). */
Test(pump, a_callback_may_remove_and_close_the_first_receiver_whose_clock_the_run_used, .timeout = 30)
{
    struct pfx f;
    pfx_init_cb(&f, 3, 3, rej_edit); /* two left: the run polls and reads a clock */
    edit_reset(&f);
    edit.remove[0] = 0;
    edit.free0 = 1;
    send_bad(&f, 1, 0);
    ASSERT_RC(cosmosb_pump_run(f.pump, 4, 20000000u), COSMOSB_ETIMEDOUT);
    cr_assert_eq(edit.calls, 1);
    cr_assert_eq(cosmosb_pump_count(f.pump), 2u);
    psend(&f, 1, 12, 0);
    cr_assert_eq(cosmosb_pump_run(f.pump, 4, 20000000u), 1);
    expect_trace(&f, 1, (const uint32_t[]){12}, "1");
    pfx_free(&f, 3);
}

/* ------------------------------------------------------------------------- */
/* Many accepted types; several producers                                    */
/* ------------------------------------------------------------------------- */

#define MANY 4096
struct many {
    cosmosb_field_t f[2];
    cosmosb_schema_t s[MANY];
    char names[MANY][16];
};

Test(receiver, four_thousand_accepted_types, .timeout = 120)
{
    static struct many m;
    memset(&m, 0, sizeof m);
    m.f[0] = (cosmosb_field_t){"v", COSMOSB_FIELD_U32, 1, 4, 4, 0, 0, NULL, NULL, 0, 0};
    m.f[1] = (cosmosb_field_t){"b", COSMOSB_FIELD_BOOL, 1, 1, 1, 0, 0, NULL, NULL, 0, 0};
    for (int i = 0; i < MANY; i++) {
        snprintf(m.names[i], sizeof m.names[i], "many.T%04d", i);
        m.s[i] = (cosmosb_schema_t){m.names[i], 1, 8, 4, 2, m.f, NULL};
    }
    struct tp t;
    tp_open(&t, 64, 128, 0);
    tp_producer(&t);
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cfg.max_types = MANY;
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    for (int i = 0; i < MANY; i++)
        ASSERT_RC(cosmosb_receiver_accept(rx, &m.s[i], NULL, NULL), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_ENOMEM);
    cfg.max_types = MANY + 1;
    cr_assert_eq(cosmosb_receiver_memsize(&cfg), 0u);
    for (int i = 0; i < MANY; i++) {
        struct {
            uint32_t v;
            uint8_t b, pad[3];
        } body = {(uint32_t)i, (uint8_t)(i & 1), {0, 0, 0}};
        uint64_t id = cosmosb_schema_type_id(&m.s[i]);
        /* as itself, then as the ancestor of an unknown type, then invalid */
        ASSERT_RC(send_raw(t.p, id, COSMOSB_TYPED_MAGIC, 0, 1, NULL, 0, &body, sizeof body, 0), COSMOSB_OK);
        uint64_t unknown = id ^ 0x5555u;
        ASSERT_RC(send_raw(t.p, unknown, COSMOSB_TYPED_MAGIC, 1, 1, &id, 1, &body, sizeof body, 0), COSMOSB_OK);
        body.b = 2;
        ASSERT_RC(send_raw(t.p, id, COSMOSB_TYPED_MAGIC, 0, 1, NULL, 0, &body, sizeof body, 0), COSMOSB_OK);
        for (int k = 0; k < 2; k++) {
            cosmosb_typed_msg_t msg;
            ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
            cr_assert_eq(msg.schema, &m.s[i], "type %d delivered as %s", i, msg.schema->name);
            cr_assert_eq(msg.type_id, k ? unknown : id);
            cr_assert_eq(*(const uint32_t *)msg.data, (uint32_t)i);
            ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
        }
    }
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_EAGAIN);
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_eq(st.delivered, 2u * MANY);
    cr_assert_eq(st.delivered_as_ancestor, (uint64_t)MANY);
    cr_assert_eq(st.rejected[COSMOSB_REJECT_BOOL], (uint64_t)MANY);
    tp_close(&t);
}

Test(receiver, several_producers_are_told_apart)
{
    cosmosb_pipe_config_t cfg;
    ASSERT_RC(cosmosb_pipe_config_init(&cfg), COSMOSB_OK);
    cfg.mode = COSMOSB_PIPE_MPSC;
    cfg.max_producers = 3;
    cfg.capacity = 16;
    cfg.slot_size = 256;
    cosmosb_pipe_t *c = NULL, *p[3];
    ASSERT_RC(cosmosb_pipe_create(&cfg, &c), COSMOSB_OK);
    for (int i = 0; i < 3; i++)
        ASSERT_RC(cosmosb_pipe_attach(cosmosb_pipe_fd(c), cosmosb_pipe_eventfd(c), &p[i]), COSMOSB_OK);
    struct rejlog log;
    memset(&log, 0, sizeof log);
    cosmosb_receiver_config_t rcfg;
    cosmosb_receiver_config_init(&rcfg);
    rcfg.on_reject = on_reject;
    rcfg.reject_ctx = &log;
    size_t sz = cosmosb_receiver_memsize(&rcfg);
    void *mem = aligned_alloc(8, (sz + 7u) & ~(size_t)7u);
    cosmosb_receiver_t *rx;
    ASSERT_RC(cosmosb_receiver_init(mem, sz, c, &rcfg, &rx), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
    for (uint32_t i = 0; i < 3; i++) {
        ts_d0 good = {100 + i, 1}, bad = {200 + i, 4};
        ASSERT_RC(cosmosb_typed_send(p[i], &ts_d0_schema, &bad, 0, 0), COSMOSB_OK);
        ASSERT_RC(cosmosb_typed_send(p[i], &ts_d0_schema, &good, 0, 0), COSMOSB_OK);
    }
    uint32_t seen = 0, delivered_from = 0, rejected_from = 0;
    cosmosb_typed_msg_t msg;
    for (int k = 0; k < 3; k++) {
        ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
        uint32_t id = ((const ts_d0 *)msg.data)->id;
        cr_assert(id >= 100 && id < 103);
        cr_assert_lt(msg.info.producer, 3u);
        seen |= 1u << (id - 100);
        delivered_from |= 1u << msg.info.producer;
        ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    }
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_EAGAIN);
    cr_assert_eq(seen, 7u);
    cr_assert_eq(log.n, 3u);
    /* each producer's rejection names its producer slot: the same three slots the deliveries came from */
    for (int k = 0; k < 3; k++) {
        cr_assert_lt(log.info[k].producer, 3u);
        cr_assert_eq(log.info[k].err.reason, COSMOSB_REJECT_BOOL);
        rejected_from |= 1u << log.info[k].producer;
    }
    cr_assert_eq(delivered_from, 7u);
    cr_assert_eq(rejected_from, 7u);
    for (int i = 0; i < 3; i++)
        cosmosb_pipe_close(p[i]);
    cosmosb_pipe_close(c);
    free(mem);
}

/* ------------------------------------------------------------------------- */
/* The receive timeout covers the whole call                                 */
/* ------------------------------------------------------------------------- */

/*
 * A platform with a fake clock: whenever the consumer would sleep, 10 ms pass
 * and the "sender" puts one more invalid message in the pipe (a trickle of
 * garbage, each message before the previous wait's timeout). A receive with a
 * 50 ms timeout must give up after about 50 ms of that, not restart its timeout
 * after every rejected message. After 1000 messages the trickle stops (so a
 * receiver that restarts its timeout still ends, and the test reports it).
 */
struct fakeplat {
    uint64_t now;
    uint32_t injected;
    cosmosb_pipe_t *producer;
};

static uint64_t fake_now(void *ctx)
{
    return ((struct fakeplat *)ctx)->now;
}

static int fake_wait(void *ctx, const void *addr, uint32_t expected, uint64_t timeout_ns)
{
    (void)addr;
    (void)expected;
    struct fakeplat *f = ctx;
    uint64_t step = 10000000ull;
    if (f->injected < 1000 && f->producer) {
        ts_d0 bad = {f->injected, 7};
        if (cosmosb_typed_send(f->producer, &ts_d0_schema, &bad, 0, 0) == COSMOSB_OK)
            f->injected++;
    } else {
        step = 1000000000ull;
    }
    if (timeout_ns != COSMOSB_TIMEOUT_FOREVER && timeout_ns < step) {
        f->now += timeout_ns;
        return COSMOSB_ETIMEDOUT;
    }
    f->now += step;
    return 0;
}

Test(receiver, timeout_is_for_the_whole_call_despite_a_trickle_of_invalid_messages)
{
    struct fakeplat fp = {1000000000ull, 0, NULL};
    cosmosb_platform_t plat;
    memset(&plat, 0, sizeof plat);
    plat.ctx = &fp;
    plat.now_ns = fake_now;
    plat.wait32 = fake_wait;
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = 8;
    cfg.slot_size = 128;
    uint64_t size;
    ASSERT_RC(cosmosb_pipe_memsize(&cfg, &size), COSMOSB_OK);
    void *shm = aligned_alloc(COSMOSB_CACHELINE, (size_t)size);
    size_t chs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, 1), phs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    void *cmem = malloc(chs), *pmem = malloc(phs);
    cosmosb_pipe_t *c, *p;
    ASSERT_RC(cosmosb_pipe_open_consumer(cmem, chs, shm, size, &cfg, &plat, NULL, &c), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_open_producer(pmem, phs, shm, size, NULL, NULL, &p), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_set_spin_ns(c, 0), COSMOSB_OK);
    fp.producer = p;
    cosmosb_receiver_config_t rcfg;
    cosmosb_receiver_config_init(&rcfg);
    size_t sz = cosmosb_receiver_memsize(&rcfg);
    void *mem = aligned_alloc(8, (sz + 7u) & ~(size_t)7u);
    cosmosb_receiver_t *rx;
    ASSERT_RC(cosmosb_receiver_init(mem, sz, c, &rcfg, &rx), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    uint64_t start = fp.now;
    int rc = cosmosb_receiver_recv(rx, &msg, 50000000ull);
    uint64_t waited = fp.now - start;
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_log_info("receive with a 50 ms timeout: %s after %llu ms of fake time, %llu messages rejected on the way",
                cosmosb_err_name(rc), (unsigned long long)(waited / 1000000u), (unsigned long long)st.rejected_total);
    ASSERT_RC(rc, COSMOSB_ETIMEDOUT);
    cr_assert_leq(st.rejected_total, 6u, "the timeout restarted after each rejected message (%llu rejected)",
                  (unsigned long long)st.rejected_total);
    cr_assert_leq(waited, 60000000ull, "waited %llu ms for a 50 ms timeout", (unsigned long long)(waited / 1000000u));
    cosmosb_pipe_close_endpoint(p);
    cosmosb_pipe_close_endpoint(c);
    free(mem);
    free(cmem);
    free(pmem);
    free(shm);
}

Test(receiver, in_place_urgent_message_holds_its_slot_until_released)
{
    struct tp t;
    tp_open(&t, 2, 128, 0);
    tp_producer(&t);
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cfg.trust = COSMOSB_TRUST_IN_PLACE;
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
    ts_d0 u1 = {1, 1}, u2 = {2, 0}, n1 = {3, 1};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &n1, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &u1, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &u2, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &u2, COSMOSB_MSG_URGENT, 0), COSMOSB_EFULL);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv_urgent(rx, &msg), COSMOSB_OK);
    cr_assert_eq(msg.in_place, 1u);
    cr_assert_eq(((const ts_d0 *)msg.data)->id, 1u);
    cr_assert((const uint8_t *)msg.data >= t.shm && (const uint8_t *)msg.data < t.shm + t.size);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &u2, COSMOSB_MSG_URGENT, 0), COSMOSB_EFULL);
    ASSERT_RC(cosmosb_receiver_recv_urgent(rx, &msg), COSMOSB_EBUSY);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &u2, COSMOSB_MSG_URGENT, 0), COSMOSB_OK);
    /* urgent ones first, then the normal one */
    uint32_t want[3] = {2, 2, 3};
    for (int i = 0; i < 3; i++) {
        ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
        cr_assert_eq(((const ts_d0 *)msg.data)->id, want[i]);
        ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    }
    /* a consumer handle cannot send */
    ASSERT_RC(cosmosb_typed_send(t.c, &ts_d0_schema, &u1, 0, 0), COSMOSB_EROLE);
    tp_close(&t);
}

/* ------------------------------------------------------------------------- */
/* Review 20: callbacks cannot receive on the receiver that is calling them  */
/* ------------------------------------------------------------------------- */

/*
 * An on_reject callback that received on its own receiver got the next message while the receive that
 * called it went on: in copy mode the outer receive then copied the next (rejected) message over the one
 * just delivered (rx->buf); in place, the same message came out twice. Handlers (dispatch, pump) that
 * released their message and received again did the same. All such nested calls now return EBUSY.
 */
struct nest {
    cosmosb_pump_t *pump;
    uint32_t calls;
    int rc_recv, rc_urgent, rc_dispatch, rc_pump, rc_release;
};

static void nest_try(struct nest *n, cosmosb_receiver_t *rx)
{
    cosmosb_typed_msg_t m;
    n->calls++;
    n->rc_recv = cosmosb_receiver_recv(rx, &m, 0);
    n->rc_urgent = cosmosb_receiver_recv_urgent(rx, &m);
    n->rc_dispatch = cosmosb_receiver_dispatch(rx, 1, 0);
    if (n->pump)
        n->rc_pump = cosmosb_pump_run(n->pump, 1, 0);
}

static void nest_on_reject(void *ctx, cosmosb_receiver_t *rx, const cosmosb_reject_info_t *info)
{
    (void)info;
    struct nest *n = ctx;
    if (n->calls == 0)
        nest_try(n, rx);
}

static void nest_handler(void *ctx, cosmosb_receiver_t *rx, const cosmosb_typed_msg_t *msg)
{
    struct nest *n = ctx;
    if (n->calls == 0) {
        n->rc_release = cosmosb_receiver_release(rx, msg); /* even a released message is not done with */
        nest_try(n, rx);
    }
}

static void nest_expect_busy(const struct nest *n, int with_pump)
{
    cr_assert_eq(n->calls, 1u);
    ASSERT_RC(n->rc_recv, COSMOSB_EBUSY);
    ASSERT_RC(n->rc_urgent, COSMOSB_EBUSY);
    ASSERT_RC(n->rc_dispatch, COSMOSB_EBUSY);
    if (with_pump)
        ASSERT_RC(n->rc_pump, COSMOSB_EBUSY);
}

static void reject_callback_reentry(uint32_t trust)
{
    struct tp t;
    tp_open(&t, 8, 128, 0);
    tp_producer(&t);
    struct nest n;
    memset(&n, 0, sizeof n);
    cosmosb_receiver_config_t cfg;
    ASSERT_RC(cosmosb_receiver_config_init(&cfg), COSMOSB_OK);
    cfg.trust = trust;
    cfg.on_reject = nest_on_reject;
    cfg.reject_ctx = &n;
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
    ts_d0 bad1 = {1, 5}, good = {2, 1}, bad2 = {3, 9};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &bad1, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &good, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &bad2, 0, 0), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    nest_expect_busy(&n, 0);
    /* The outer receive delivers the valid message, intact, once. */
    cr_assert_eq(msg.in_place, trust == COSMOSB_TRUST_IN_PLACE ? 1u : 0u);
    cr_assert_eq(((const ts_d0 *)msg.data)->id, 2u);
    cr_assert_eq(((const ts_d0 *)msg.data)->ok, 1u);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_EAGAIN); /* bad2 rejected on the way */
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_eq(st.delivered, 1u);
    cr_assert_eq(st.rejected_total, 2u);
    tp_close(&t);
}

Test(receiver, a_reject_callback_cannot_receive_on_its_receiver_copy_mode)
{
    reject_callback_reentry(COSMOSB_TRUST_COPY);
}

Test(receiver, a_reject_callback_cannot_receive_on_its_receiver_in_place_mode)
{
    reject_callback_reentry(COSMOSB_TRUST_IN_PLACE);
}

static void handler_reentry(uint32_t trust, int through_pump)
{
    struct tp t;
    tp_open(&t, 8, 128, 0);
    tp_producer(&t);
    cosmosb_receiver_config_t cfg;
    ASSERT_RC(cosmosb_receiver_config_init(&cfg), COSMOSB_OK);
    cfg.trust = trust;
    cosmosb_receiver_t *rx = tp_receiver(&t, &cfg);
    struct nest n;
    memset(&n, 0, sizeof n);
    void *pmem = NULL;
    struct tp t2;
    if (through_pump) {
        /* A second receiver with a message queued: a nested run would have handled it. */
        size_t sz = cosmosb_pump_memsize(2);
        pmem = aligned_alloc(8, (sz + 7u) & ~(size_t)7u);
        ASSERT_RC(cosmosb_pump_init(pmem, sz, 2, &n.pump), COSMOSB_OK);
        ASSERT_RC(cosmosb_pump_add(n.pump, rx), COSMOSB_OK);
        cosmosb_receiver_t *rx2 = tp_setup(&t2, COSMOSB_TRUST_COPY, NULL);
        ASSERT_RC(cosmosb_receiver_accept(rx2, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
        ASSERT_RC(cosmosb_pump_add(n.pump, rx2), COSMOSB_OK);
        ts_d0 c = {3, 1};
        ASSERT_RC(cosmosb_typed_send(t2.p, &ts_d0_schema, &c, 0, 0), COSMOSB_OK);
    }
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, nest_handler, &n), COSMOSB_OK);
    ts_d0 a = {1, 1}, b = {2, 0};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &a, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &b, 0, 0), COSMOSB_OK);
    int rc = through_pump ? cosmosb_pump_run(n.pump, 1, 0) : cosmosb_receiver_dispatch(rx, 1, 0);
    cr_assert_eq(rc, 1);
    ASSERT_RC(n.rc_release, COSMOSB_OK);
    nest_expect_busy(&n, through_pump);
    /* The second message was not taken by the handler: it is handled next, once (and the pump's
     * other message, which the nested run did not take either). */
    rc = through_pump ? cosmosb_pump_run(n.pump, 8, 0) : cosmosb_receiver_dispatch(rx, 8, 0);
    cr_assert_eq(rc, through_pump ? 2 : 1);
    cosmosb_receiver_stats_t st = rstats(rx);
    cr_assert_eq(st.delivered, 2u);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_EAGAIN);
    if (through_pump)
        tp_close(&t2);
    free(pmem);
    tp_close(&t);
}

Test(receiver, a_handler_cannot_receive_on_its_receiver_copy_mode)
{
    handler_reentry(COSMOSB_TRUST_COPY, 0);
}

Test(receiver, a_handler_cannot_receive_on_its_receiver_in_place_mode)
{
    handler_reentry(COSMOSB_TRUST_IN_PLACE, 0);
}

Test(pump, a_handler_cannot_run_its_pump_or_receive_on_its_receiver)
{
    handler_reentry(COSMOSB_TRUST_COPY, 1);
}

/* Review 20: dispatch and the pump counted handled messages in an int up to a uint32_t max (signed
 * overflow past INT32_MAX). A max above INT32_MAX is refused, as cosmosb_pipe_recv_batch() refuses n. */
Test(receiver, dispatch_and_pump_refuse_a_max_above_int32_max)
{
    struct tp t;
    cosmosb_receiver_t *rx = tp_setup(&t, COSMOSB_TRUST_COPY, NULL);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
    size_t sz = cosmosb_pump_memsize(1);
    void *pmem = aligned_alloc(8, (sz + 7u) & ~(size_t)7u);
    cosmosb_pump_t *pump;
    ASSERT_RC(cosmosb_pump_init(pmem, sz, 1, &pump), COSMOSB_OK);
    ASSERT_RC(cosmosb_pump_add(pump, rx), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_dispatch(rx, UINT32_MAX, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_dispatch(rx, (uint32_t)INT32_MAX + 1u, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pump_run(pump, UINT32_MAX, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_pump_run(pump, (uint32_t)INT32_MAX + 1u, 0), COSMOSB_EINVAL);
    ASSERT_RC(cosmosb_receiver_dispatch(rx, INT32_MAX, 0), COSMOSB_EAGAIN);
    ASSERT_RC(cosmosb_pump_run(pump, INT32_MAX, 0), COSMOSB_EAGAIN);
    ts_d0 d = {1, 1};
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &d, 0, 0), COSMOSB_OK);
    ASSERT_RC(cosmosb_typed_send(t.p, &ts_d0_schema, &d, 0, 0), COSMOSB_OK);
    cr_assert_eq(cosmosb_receiver_dispatch(rx, INT32_MAX, 0), 2);
    free(pmem);
    tp_close(&t);
}

/* Review 20: cosmosb_typed_send_tagged() trusted the tag's sizes: a size of 0xFFFFFFF8 wrapped header + size
 * to 0 (it fit any slot) and the struct copy took 4 GiB. A tag whose sizes are not its schema's is refused. */
Test(receiver, a_tag_with_sizes_of_its_own_is_refused)
{
    struct tp t;
    cosmosb_receiver_t *rx = tp_setup(&t, COSMOSB_TRUST_COPY, NULL);
    ASSERT_RC(cosmosb_receiver_accept(rx, &ts_d0_schema, NULL, NULL), COSMOSB_OK);
    _Alignas(8) uint8_t big[64];
    memset(big, 0, sizeof big);
    cosmosb_typed_tag_t good, tag;
    ASSERT_RC(cosmosb_typed_tag_init(&ts_d0_schema, &good), COSMOSB_OK);
    tag = good;
    tag.size = ts_d0_schema.size + 8u; /* fits the slot, but is not the type's size */
    ASSERT_RC(cosmosb_typed_send_tagged(t.p, &tag, big, 0, 0), COSMOSB_EINVAL);
    tag.size = 0xFFFFFFF8u; /* 8 + size wraps to 0 */
    ASSERT_RC(cosmosb_typed_send_tagged(t.p, &tag, big, 0, 0), COSMOSB_EINVAL);
    tag.size = 0;
    ASSERT_RC(cosmosb_typed_send_tagged(t.p, &tag, big, 0, 0), COSMOSB_EINVAL);
    tag = good;
    tag.header_size = 4; /* shorter than a header */
    ASSERT_RC(cosmosb_typed_send_tagged(t.p, &tag, big, 0, 0), COSMOSB_EINVAL);
    tag.header_size = 12; /* not 8 + 16 per ancestor */
    ASSERT_RC(cosmosb_typed_send_tagged(t.p, &tag, big, 0, 0), COSMOSB_EINVAL);
    /* Nothing was reserved or sent: the tag as made still sends, and only its message comes. */
    ((ts_d0 *)big)->id = 5;
    ((ts_d0 *)big)->ok = 1;
    ASSERT_RC(cosmosb_typed_send_tagged(t.p, &good, big, 0, 0), COSMOSB_OK);
    cosmosb_typed_msg_t msg;
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_OK);
    cr_assert_eq(((const ts_d0 *)msg.data)->id, 5u);
    ASSERT_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
    ASSERT_RC(cosmosb_receiver_recv(rx, &msg, 0), COSMOSB_EAGAIN);
    cr_assert_eq(rstats(rx).rejected_total, 0u);
    tp_close(&t);
}

/* ---- review 26: callbacks that change the list on every reject, driven by a hostile sender */

static struct {
    struct pfx *f;
    int mode; /* 1: remove and re-add the rejecting receiver; 2: rx0's callback refreshes rx1; 3: as 1, both hostile */
    uint64_t t0, stop_after_ns;
    uint64_t calls;
    unsigned work_ms; /* the callback's own work after it changed the list (a sleep) */
} churn;

static void churn_on_reject(void *ctx, cosmosb_receiver_t *rx, const cosmosb_reject_info_t *info)
{
    (void)ctx;
    (void)info;
    churn.calls++;
    struct pfx *f = churn.f;
    if (churn.mode == 1 || churn.mode == 3) {
        cr_assert_eq(cosmosb_pump_remove(f->pump, rx), COSMOSB_OK);
        cr_assert_eq(cosmosb_pump_add(f->pump, rx), COSMOSB_OK);
        if (churn.work_ms)
            tu_sleep_ms(churn.work_ms);
    } else if (churn.mode == 2 && rx == f->rx[0]) {
        cr_assert_eq(cosmosb_pump_remove(f->pump, f->rx[1]), COSMOSB_OK);
        cr_assert_eq(cosmosb_pump_add(f->pump, f->rx[1]), COSMOSB_OK);
    }
    /* the hostile sender keeps an invalid message queued (until a wall-clock cap, so the test ends) */
    int k = rx == f->rx[0] ? 0 : 1;
    if (tu_now_ns() - churn.t0 < churn.stop_after_ns && (k == 0 || churn.mode == 3)) {
        ts_d0 bad = {7, 3};
        (void)cosmosb_typed_send(f->t[k].p, &ts_d0_schema, &bad, 0, 0);
    }
}

/* A callback that takes the rejecting receiver out of first place and back on every reject: the
 * run's time went uncounted from each change to the next tick, so a sender that kept rejects coming
 * stretched a 50 ms run to seconds (7.4 s, 150 times). The bound below is generous: the run ends
 * within its timeout here, in about 50 ms. */
static void churn_timeout(uint32_t n, int mode, unsigned work_ms)
{
    struct pfx f;
    pfx_init_cb(&f, n, n, churn_on_reject);
    memset(&churn, 0, sizeof churn);
    churn.f = &f;
    churn.mode = mode;
    churn.work_ms = work_ms;
    churn.stop_after_ns = 10000000000ull; /* 10 s */
    send_bad(&f, 0, 0);
    if (mode == 3)
        send_bad(&f, 1, 0);
    churn.t0 = tu_now_ns();
    int rc = cosmosb_pump_run(f.pump, 4, 50000000ull);
    uint64_t took = tu_now_ns() - churn.t0;
    cr_log_info("n=%u mode=%d: %s after %llu ms, %llu rejects", n, mode, cosmosb_err_name(rc),
                (unsigned long long)(took / 1000000u), (unsigned long long)churn.calls);
    cr_expect_eq(rc, COSMOSB_ETIMEDOUT);
    cr_expect_lt(took, 1000000000ull, "a 50 ms run took %llu ms", (unsigned long long)(took / 1000000u));
    pfx_free(&f, n);
}

Test(pump, callbacks_that_change_the_first_receiver_cannot_stretch_the_timeout_lone, .timeout = 60)
{
    churn_timeout(1, 1, 0);
}

/* Two hostile receivers: a removal hands first place to the other, whose clock must count from the
 * removal on, or the callbacks' own work after it (2 ms a reject here) goes uncounted. */
Test(pump, callbacks_that_change_the_first_receiver_cannot_stretch_the_timeout_two, .timeout = 60)
{
    churn_timeout(2, 3, 2);
}

/* rx0's callback changes the list on every reject; rx1 has a valid message. Each restart of the step
 * rejected rx0's next message, and rx1 was never looked at: a try-once run said EAGAIN, a 100 ms run
 * timed out, with rx1's message queued. */
Test(pump, a_callback_that_changes_the_list_on_every_reject_does_not_starve_the_others, .timeout = 60)
{
    struct pfx f;
    pfx_init_cb(&f, 2, 2, churn_on_reject);
    memset(&churn, 0, sizeof churn);
    churn.f = &f;
    churn.mode = 2;
    churn.stop_after_ns = 10000000000ull;
    send_bad(&f, 0, 0);
    psend(&f, 1, 11, 0);
    churn.t0 = tu_now_ns();
    int rc = cosmosb_pump_run(f.pump, 1, 0);
    cr_expect_eq(rc, 1, "try-once run: %d", rc);
    cr_expect_eq(f.tr.n, 1u, "rx1's valid message was not handled");
    pfx_free(&f, 2);
}
