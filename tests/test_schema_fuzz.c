/*
 * test_schema_fuzz.c - property test of the single point of entry.
 *
 * Random messages (pure noise; valid messages of every declared type with
 * random byte mutations; random lengths, shorter and longer than the type;
 * damaged headers: magic, depth, ancestor ids; unknown types that list a
 * known ancestor; random REF and WINDOW values) go through real pipes to a
 * copy-mode receiver (no hooks) and an in-place receiver (with REF / WINDOW
 * hooks), and straight to cosmosb_schema_validate() over buffers of exactly
 * the type's size. Properties: nothing crashes (ASan/UBSan builds run it
 * too); every delivered message re-validates; each receiver's verdict, reason,
 * field and offset equal an oracle built from the documented rules and
 * cosmosb_schema_validate(); delivered + rejected == sent, per reason.
 *
 * 300000 messages per receiver and 400000 direct validations in the default run (a tenth with
 * COSMOSB_TEST_QUICK=1).
 */
#include <criterion/criterion.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"
#include "test_schema_types.h"

#define SLOT 1024u

/* What the receivers accept: some of each chain, so that others arrive as ancestors. */
static const cosmosb_schema_t *const fz_accepted[] = {
    &ts_scalars_schema, &ts_point_schema, &ts_misc_schema, &ts_mix_schema, &demo_order_schema,
    &ts_d0_schema,      &ts_d2_schema,    &ts_d5_schema,   &ts_n0_schema,  &ts_n1_schema,
    &ts_n4_schema,      &ts_n8_schema,    &ts_evo2_schema, &ts_zbad2_schema, &ts_many16_schema,
    &ts_many20_schema,  &ts_holder_schema,
};
#define FZ_NACC (sizeof fz_accepted / sizeof fz_accepted[0])

/* What is sent: every declared type, plus a few that only their ancestors make known. */
static const cosmosb_schema_t *const fz_sent[] = {
    &ts_scalars_schema, &ts_point_schema, &ts_misc_schema, &ts_mix_schema, &demo_order_schema,
    &demo_limit_order_schema, &ts_d0_schema, &ts_d1_schema, &ts_d2_schema, &ts_d3_schema,
    &ts_d4_schema, &ts_d5_schema, &ts_d6_schema, &ts_d7_schema, &ts_d8_schema,
    &ts_n0_schema, &ts_n1_schema, &ts_n4_schema, &ts_n8_schema, &ts_n2_schema,
    &ts_evo1_schema, &ts_evo2_schema, &ts_zbad1_schema, &ts_zbad2_schema, &ts_many16_schema, &ts_many20_schema,
    &ts_holder_schema,
};
#define FZ_NSENT (sizeof fz_sent / sizeof fz_sent[0])

static int fz_ref_hook(void *ctx, const cosmosb_ref_t *r, uint64_t target)
{
    (void)ctx;
    return ((r->object ^ (uint32_t)target) & 1u) ? COSMOSB_EPERM : COSMOSB_OK;
}

static int fz_window_hook(void *ctx, const cosmosb_window_t *w, uint32_t rights)
{
    (void)ctx;
    return ((w->length + rights) & 1u) ? COSMOSB_ESTALE : COSMOSB_OK;
}

static const cosmosb_validate_hooks_t fz_hooks = {fz_ref_hook, NULL, fz_window_hook, NULL};

/* ------------------------------------------------------------------------- */
/* The oracle                                                                */
/* ------------------------------------------------------------------------- */

static const cosmosb_schema_t *fz_lookup(uint64_t id)
{
    for (size_t k = 0; k < FZ_NACC; k++)
        if (cosmosb_schema_type_id(fz_accepted[k]) == id)
            return fz_accepted[k];
    return NULL;
}

struct verdict {
    const cosmosb_schema_t *as; /* delivered as (NULL: rejected) */
    cosmosb_validate_error_t err;
    uint32_t body;
};

/* The documented rules: header, type or nearest accepted ancestor, minimum size, then the fields. */
static void oracle(uint64_t type_id, const uint8_t *msg, uint32_t len, const cosmosb_validate_hooks_t *hooks,
                   struct verdict *v)
{
    memset(v, 0, sizeof *v);
    cosmosb_typed_header_t h;
    if (len < sizeof h) {
        v->err.reason = COSMOSB_REJECT_HEADER;
        return;
    }
    memcpy(&h, msg, sizeof h);
    if (h.magic != COSMOSB_TYPED_MAGIC || h.depth > COSMOSB_SCHEMA_MAX_DEPTH || len < 8u + 16u * h.depth) {
        v->err.reason = COSMOSB_REJECT_HEADER;
        return;
    }
    uint32_t body = len - 8u - 16u * h.depth;
    uint32_t present = body; /* as the real type: the whole body; as an ancestor: the sender's size of it */
    const cosmosb_schema_t *as = fz_lookup(type_id);
    for (uint32_t i = 0; !as && i < h.depth; i++) {
        cosmosb_typed_ancestor_t anc;
        memcpy(&anc, msg + 8 + 16 * i, sizeof anc);
        as = fz_lookup(anc.type_id);
        if (as && anc.size > body) {
            v->err.reason = COSMOSB_REJECT_HEADER;
            v->err.offset = 8u + 16u * i;
            return;
        }
        present = anc.size;
    }
    if (!as) {
        v->err.reason = COSMOSB_REJECT_TYPE;
        return;
    }
    v->body = body;
    if (present < cosmosb_schema_min_size(as)) {
        v->err.reason = COSMOSB_REJECT_SHORT;
        v->err.offset = present;
        return;
    }
    _Alignas(8) uint8_t copy[SLOT];
    memset(copy, 0, as->size);
    memcpy(copy, msg + 8 + 16 * h.depth, present < as->size ? present : as->size);
    if (cosmosb_schema_validate(as, copy, present, hooks, &v->err) == COSMOSB_OK)
        v->as = as;
}

/* ------------------------------------------------------------------------- */
/* Message generator                                                         */
/* ------------------------------------------------------------------------- */

/* Random values in the REF and WINDOW fields of a type's own level and its bases (half the time each). */
static void fz_refs(const cosmosb_schema_t *s, uint8_t *p, uint64_t *rng)
{
    for (const cosmosb_schema_t *b = s; b; b = b->base) {
        for (uint32_t i = 0; i < cosmosb_schema_field_count(b); i++) {
            cosmosb_field_info_t fi;
            cosmosb_schema_field(b, i, &fi);
            if ((fi.kind == COSMOSB_FIELD_REF || fi.kind == COSMOSB_FIELD_WINDOW) && (tu_rand(rng) & 1)) {
                for (uint32_t k = 0; k < fi.size; k++)
                    p[fi.offset + k] = (uint8_t)tu_rand(rng);
                if (tu_rand(rng) & 1)
                    memset(p + fi.offset, 0, fi.size - 4u); /* mostly zero, still not null */
            }
        }
    }
}

struct gen {
    uint64_t type_id;
    uint32_t len;
    uint32_t flags;
    _Alignas(8) uint8_t buf[SLOT];
};

static void fz_generate(struct gen *g, uint64_t *rng)
{
    uint64_t r = tu_rand(rng);
    unsigned strategy = (unsigned)(r % 8u);
    g->flags = (r >> 8) % 5u == 0 ? COSMOSB_MSG_URGENT : 0u;
    if (strategy == 0) {
        /* noise, with a type id that may or may not be known */
        g->len = (uint32_t)(tu_rand(rng) % (SLOT + 1u));
        for (uint32_t k = 0; k < g->len; k++)
            g->buf[k] = (uint8_t)tu_rand(rng);
        g->type_id = (tu_rand(rng) & 1) ? cosmosb_schema_type_id(fz_sent[tu_rand(rng) % FZ_NSENT]) : tu_rand(rng);
        if (g->len >= 2 && (tu_rand(rng) & 1)) { /* a valid magic now and then */
            uint16_t m = COSMOSB_TYPED_MAGIC;
            memcpy(g->buf, &m, 2);
        }
        return;
    }
    const cosmosb_schema_t *t = fz_sent[tu_rand(rng) % FZ_NSENT];
    cosmosb_typed_tag_t tag;
    cr_assert_eq(cosmosb_typed_tag_init(t, &tag), COSMOSB_OK);
    g->type_id = tag.type_id;
    memcpy(g->buf, tag.header, tag.header_size);
    uint8_t *body = g->buf + tag.header_size;
    ts_fill_valid(t, body, rng);
    if (tu_rand(rng) % 3u == 0)
        fz_refs(t, body, rng);
    uint32_t blen = t->size;
    switch (strategy) {
    case 1:
    case 2: /* a few random bytes of the body changed */
    {
        unsigned k = (unsigned)(tu_rand(rng) % 4u);
        for (unsigned i = 0; i < k; i++)
            body[tu_rand(rng) % t->size] = (uint8_t)tu_rand(rng);
        break;
    }
    case 3: /* another length: shorter or longer */
        blen = (uint32_t)(tu_rand(rng) % (t->size + 33u));
        for (uint32_t k = t->size; k < blen; k++)
            body[k] = (uint8_t)tu_rand(rng);
        break;
    case 4: /* a damaged header (magic, depth, version or an ancestor id) */
    {
        uint32_t at = (uint32_t)(tu_rand(rng) % tag.header_size);
        g->buf[at] ^= (uint8_t)(1u << (tu_rand(rng) % 8u));
        break;
    }
    case 5: /* an unknown type that names this one (and its ancestors) as ancestors, with a longer body */
    {
        uint32_t depth = (tag.header_size - 8u) / 16u;
        if (depth < COSMOSB_SCHEMA_MAX_DEPTH) {
            memmove(g->buf + 24, g->buf + 8, 16u * depth + t->size);
            cosmosb_typed_ancestor_t self = {tag.type_id, t->size, t->version};
            memcpy(g->buf + 8, &self, sizeof self);
            cosmosb_typed_header_t h;
            memcpy(&h, g->buf, sizeof h);
            h.depth = (uint16_t)(depth + 1u);
            memcpy(g->buf, &h, sizeof h);
            body = g->buf + 8 + 16u * h.depth;
            g->type_id = tu_rand(rng);
            uint32_t extra = (uint32_t)(tu_rand(rng) % 24u);
            for (uint32_t k = 0; k < extra; k++)
                body[t->size + k] = (uint8_t)tu_rand(rng);
            g->len = 8u + 16u * h.depth + t->size + extra;
            return;
        }
        break;
    }
    case 6: /* the slot's type id of another type (a lie about the type) */
        g->type_id = cosmosb_schema_type_id(fz_sent[tu_rand(rng) % FZ_NSENT]);
        break;
    default: /* valid */
        break;
    }
    g->len = tag.header_size + blen;
}

/* ------------------------------------------------------------------------- */
/* Through real pipes                                                        */
/* ------------------------------------------------------------------------- */

struct lastrej {
    uint32_t calls;
    cosmosb_reject_info_t info;
};

static void fz_on_reject(void *ctx, cosmosb_receiver_t *rx, const cosmosb_reject_info_t *info)
{
    (void)rx;
    struct lastrej *l = ctx;
    l->calls++;
    l->info = *info;
}

struct side {
    cosmosb_pipe_t *c, *p;
    void *mem;
    cosmosb_receiver_t *rx;
    struct lastrej rej;
    const cosmosb_validate_hooks_t *hooks;
    uint64_t sent, delivered, rejected[COSMOSB_REJECT_COUNT], as_ancestor;
};

static void side_open(struct side *s, uint32_t trust, const cosmosb_validate_hooks_t *hooks)
{
    memset(s, 0, sizeof *s);
    cosmosb_pipe_config_t pcfg;
    cosmosb_pipe_config_init(&pcfg);
    pcfg.capacity = 8;
    pcfg.slot_size = SLOT;
    ASSERT_RC(cosmosb_pipe_create(&pcfg, &s->c), COSMOSB_OK);
    ASSERT_RC(cosmosb_pipe_attach(cosmosb_pipe_fd(s->c), cosmosb_pipe_eventfd(s->c), &s->p), COSMOSB_OK);
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cfg.trust = trust;
    cfg.max_types = 32;
    if (hooks)
        cfg.hooks = *hooks;
    cfg.on_reject = fz_on_reject;
    cfg.reject_ctx = &s->rej;
    s->hooks = hooks;
    size_t sz = cosmosb_receiver_memsize(&cfg);
    s->mem = aligned_alloc(8, (sz + 7u) & ~(size_t)7u);
    ASSERT_RC(cosmosb_receiver_init(s->mem, sz, s->c, &cfg, &s->rx), COSMOSB_OK);
    for (size_t k = 0; k < FZ_NACC; k++)
        ASSERT_RC(cosmosb_receiver_accept(s->rx, fz_accepted[k], NULL, NULL), COSMOSB_OK);
}

static void side_close(struct side *s)
{
    cosmosb_pipe_close(s->p);
    cosmosb_pipe_close(s->c);
    free(s->mem);
}

/* Sends one message to this side and checks what its receiver made of it. */
static void side_run(struct side *s, const struct gen *g, uint64_t n)
{
    struct verdict want;
    oracle(g->type_id, g->buf, g->len, s->hooks, &want);
    ASSERT_RC(cosmosb_pipe_send(s->p, g->type_id, g->buf, g->len, g->flags, 0), COSMOSB_OK);
    s->sent++;
    cosmosb_typed_msg_t msg;
    uint32_t calls = s->rej.calls;
    int rc = g->flags ? cosmosb_receiver_recv_urgent(s->rx, &msg) : cosmosb_receiver_recv(s->rx, &msg, 0);
    if (rc == COSMOSB_OK) {
        s->delivered++;
        cr_assert_not_null(want.as, "message %llu delivered (as %s), the oracle rejects it: %s at %u (%s)",
                           (unsigned long long)n, msg.schema->name, cosmosb_reject_reason_name(want.err.reason),
                           want.err.offset, want.err.field ? want.err.field : "-");
        cr_assert_eq(msg.schema, want.as, "message %llu delivered as %s, the oracle says %s", (unsigned long long)n,
                     msg.schema->name, want.as->name);
        cr_assert_eq(msg.type_id, g->type_id);
        cr_assert_eq(msg.len, want.body);
        cr_assert_eq(msg.info.len, g->len);
        cr_assert_eq(s->rej.calls, calls);
        /* the delivered message is valid as delivered */
        cosmosb_validate_error_t err;
        int vrc = cosmosb_schema_validate(msg.schema, msg.data, msg.schema->size, s->hooks, &err);
        cr_assert_eq(vrc, COSMOSB_OK, "message %llu delivered as %s does not re-validate: %s at %u (%s)",
                     (unsigned long long)n, msg.schema->name, cosmosb_reject_reason_name(err.reason), err.offset,
                     err.field ? err.field : "-");
        if (msg.len < msg.schema->size) {
            cr_assert_eq(msg.in_place, 0u);
            for (uint32_t k = msg.len; k < msg.schema->size; k++)
                cr_assert_eq(((const uint8_t *)msg.data)[k], 0u, "absent byte %u not zero", k);
        }
        s->as_ancestor += msg.type_id != cosmosb_schema_type_id(msg.schema);
        ASSERT_RC(cosmosb_receiver_release(s->rx, &msg), COSMOSB_OK);
    } else {
        ASSERT_RC(rc, COSMOSB_EAGAIN);
        cr_assert_null(want.as, "message %llu (%u bytes, type 0x%llx) rejected (%s at %u), the oracle delivers it as %s",
                       (unsigned long long)n, g->len, (unsigned long long)g->type_id,
                       cosmosb_reject_reason_name(s->rej.info.err.reason), s->rej.info.err.offset, want.as->name);
        cr_assert_eq(s->rej.calls, calls + 1u, "the reject callback was not called once");
        const cosmosb_reject_info_t *ri = &s->rej.info;
        cr_assert_eq(ri->err.reason, want.err.reason, "message %llu: reason %s, the oracle says %s",
                     (unsigned long long)n, cosmosb_reject_reason_name(ri->err.reason),
                     cosmosb_reject_reason_name(want.err.reason));
        if (want.err.reason >= COSMOSB_REJECT_SHORT) {
            cr_assert_eq(ri->err.offset, want.err.offset, "message %llu (%s): offset %u, the oracle says %u",
                         (unsigned long long)n, cosmosb_reject_reason_name(want.err.reason), ri->err.offset,
                         want.err.offset);
            cr_assert_eq(ri->err.field, want.err.field, "message %llu: field %s, the oracle says %s",
                         (unsigned long long)n, ri->err.field ? ri->err.field : "-",
                         want.err.field ? want.err.field : "-");
            cr_assert_eq(ri->err.hook_error, want.err.hook_error);
        }
        cr_assert_eq(ri->type_id, g->type_id);
        cr_assert_eq(ri->len, g->len);
        s->rejected[ri->err.reason]++;
    }
}

Test(fuzz, random_messages_through_both_trust_modes, .timeout = 240)
{
    const uint64_t n = tu_scale(300000);
    struct side copy, inplace;
    side_open(&copy, COSMOSB_TRUST_COPY, NULL);
    side_open(&inplace, COSMOSB_TRUST_IN_PLACE, &fz_hooks);
    uint64_t rng = 0xf022f022f022ull;
    struct gen g;
    for (uint64_t i = 0; i < n; i++) {
        fz_generate(&g, &rng);
        side_run(&copy, &g, i);
        side_run(&inplace, &g, i);
    }
    struct side *sides[2] = {&copy, &inplace};
    for (int k = 0; k < 2; k++) {
        struct side *s = sides[k];
        cosmosb_receiver_stats_t st;
        ASSERT_RC(cosmosb_receiver_stats(s->rx, &st), COSMOSB_OK);
        uint64_t rej = 0;
        for (uint32_t r = 0; r < COSMOSB_REJECT_COUNT; r++) {
            cr_assert_eq(st.rejected[r], s->rejected[r], "reason %s: %llu counted, %llu seen",
                         cosmosb_reject_reason_name(r), (unsigned long long)st.rejected[r],
                         (unsigned long long)s->rejected[r]);
            rej += st.rejected[r];
        }
        cr_assert_eq(st.rejected_total, rej);
        cr_assert_eq(st.delivered, s->delivered);
        cr_assert_eq(st.delivered + st.rejected_total, s->sent, "delivered + rejected != sent");
        cr_assert_eq(st.delivered_as_ancestor, s->as_ancestor);
        cr_log_info("%s: sent %llu, delivered %llu (as ancestor %llu), rejected: type %llu header %llu short %llu "
                    "truncated %llu bool %llu enum %llu string %llu ref %llu window %llu",
                    k ? "in place" : "copy", (unsigned long long)s->sent, (unsigned long long)st.delivered,
                    (unsigned long long)st.delivered_as_ancestor,
                    (unsigned long long)st.rejected[COSMOSB_REJECT_TYPE],
                    (unsigned long long)st.rejected[COSMOSB_REJECT_HEADER],
                    (unsigned long long)st.rejected[COSMOSB_REJECT_SHORT],
                    (unsigned long long)st.rejected[COSMOSB_REJECT_TRUNCATED],
                    (unsigned long long)st.rejected[COSMOSB_REJECT_BOOL],
                    (unsigned long long)st.rejected[COSMOSB_REJECT_ENUM],
                    (unsigned long long)st.rejected[COSMOSB_REJECT_STRING],
                    (unsigned long long)st.rejected[COSMOSB_REJECT_REF],
                    (unsigned long long)st.rejected[COSMOSB_REJECT_WINDOW]);
        /* the generator reaches every outcome (so the properties above were exercised) */
        cr_assert_gt(st.delivered, n / 10u);
        cr_assert_gt(st.delivered_as_ancestor, 0u);
        for (uint32_t r = COSMOSB_REJECT_TYPE; r < COSMOSB_REJECT_COUNT; r++)
            cr_assert_gt(st.rejected[r], 0u, "no %s rejection was generated", cosmosb_reject_reason_name(r));
    }
    side_close(&copy);
    side_close(&inplace);
}

/* ------------------------------------------------------------------------- */
/* cosmosb_schema_validate() straight on random bytes                        */
/* ------------------------------------------------------------------------- */

Test(fuzz, validate_random_bytes_every_type, .timeout = 240)
{
    const uint64_t n = tu_scale(400000);
    uint64_t rng = 0xabad1dea;
    uint64_t ok = 0, bad[COSMOSB_REJECT_COUNT] = {0};
    const size_t ntypes = FZ_NSENT + 2u;
    for (uint64_t i = 0; i < n; i++) {
        const cosmosb_schema_t *t = i % ntypes < FZ_NSENT ? fz_sent[i % ntypes]
                                                          : (i % ntypes == FZ_NSENT ? &ts_n8_schema : &ts_d8_schema);
        /* exactly the readable bytes the contract asks for: min(present, size) */
        uint32_t present = (uint32_t)(tu_rand(&rng) % (t->size + 65u));
        uint32_t readable = present < t->size ? present : t->size;
        uint8_t *data = malloc(readable ? readable : 1u);
        unsigned mode = (unsigned)(tu_rand(&rng) % 3u);
        if (mode == 0) {
            for (uint32_t k = 0; k < readable; k++)
                data[k] = (uint8_t)tu_rand(&rng);
        } else {
            _Alignas(8) uint8_t full[SLOT];
            ts_fill_valid(t, full, &rng);
            if (mode == 2) {
                fz_refs(t, full, &rng);
                for (unsigned k = (unsigned)(tu_rand(&rng) % 3u); k > 0; k--)
                    full[tu_rand(&rng) % t->size] = (uint8_t)tu_rand(&rng);
            }
            memcpy(data, full, readable);
        }
        cosmosb_validate_error_t err;
        memset(&err, 0x5a, sizeof err);
        const cosmosb_validate_hooks_t *hooks = (i & 1) ? &fz_hooks : NULL;
        int rc = cosmosb_schema_validate(t, data, present, hooks, &err);
        if (rc == COSMOSB_OK) {
            ok++;
            cr_assert_eq(err.reason, COSMOSB_REJECT_NONE);
            cr_assert_geq(present, cosmosb_schema_min_size(t));
            /* a valid full-size message stays valid when re-validated */
            if (present >= t->size)
                ASSERT_RC(cosmosb_schema_validate(t, data, t->size, hooks, NULL), COSMOSB_OK);
        } else {
            ASSERT_RC(rc, COSMOSB_EBADMSG);
            cr_assert(err.reason >= COSMOSB_REJECT_SHORT && err.reason <= COSMOSB_REJECT_WINDOW, "%s: reason %u",
                      t->name, err.reason);
            if (err.reason == COSMOSB_REJECT_SHORT) {
                cr_assert_lt(present, cosmosb_schema_min_size(t));
                cr_assert_eq(err.offset, present);
            } else {
                cr_assert_lt(err.offset, t->size, "%s: %s at %u", t->name, cosmosb_reject_reason_name(err.reason),
                             err.offset);
                cr_assert_not_null(err.field);
            }
            cr_assert_eq(err.hook_error != 0,
                         err.reason == COSMOSB_REJECT_REF || err.reason == COSMOSB_REJECT_WINDOW);
            bad[err.reason]++;
            /* the same verdict again (validation reads, never writes) */
            cosmosb_validate_error_t again;
            ASSERT_RC(cosmosb_schema_validate(t, data, present, hooks, &again), COSMOSB_EBADMSG);
            cr_assert_eq(again.reason, err.reason);
            cr_assert_eq(again.offset, err.offset);
        }
        free(data);
    }
    cr_log_info("validate: %llu ok, short %llu truncated %llu bool %llu enum %llu string %llu ref %llu window %llu",
                (unsigned long long)ok, (unsigned long long)bad[COSMOSB_REJECT_SHORT],
                (unsigned long long)bad[COSMOSB_REJECT_TRUNCATED], (unsigned long long)bad[COSMOSB_REJECT_BOOL],
                (unsigned long long)bad[COSMOSB_REJECT_ENUM], (unsigned long long)bad[COSMOSB_REJECT_STRING],
                (unsigned long long)bad[COSMOSB_REJECT_REF], (unsigned long long)bad[COSMOSB_REJECT_WINDOW]);
    cr_assert_gt(ok, n / 20u);
    for (uint32_t r = COSMOSB_REJECT_SHORT; r < COSMOSB_REJECT_COUNT; r++)
        cr_assert_gt(bad[r], 0u, "no %s verdict was generated", cosmosb_reject_reason_name(r));
}
