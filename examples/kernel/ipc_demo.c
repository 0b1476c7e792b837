/*
 * ipc_demo.c - four kernel tasks talking through libcosmosb's freestanding core.
 *
 *   sensor --SPSC pipe "readings"--> rx      500 readings, then a frozen arena
 *                                            object (a table) by reference and a
 *                                            read-only window onto a buffer slice
 *   rx     --SPSC pipe "acks"------> sensor  the checksums rx computed
 *   logA  \
 *          >-MPSC pipe "events"----> rx      200 events each, some on the urgent lane
 *   logB  /
 *
 * rx waits on both of its pipes at once (cosmosb_pipe_wait_prepare() and the
 * kernel's k_wait_any). Every message is typed: its type is declared once
 * with COSMOSB_SCHEMA (the struct and its descriptor), sent with
 * cosmosb_typed_send_tagged(), and received through a cosmosb_receiver_t
 * that copies it to rx's private memory and validates it there before rx
 * sees it: field rules (BOOL, ENUM range, NUL in CHARS), and through the
 * arena and buffer hooks, that a reference or window names a live object
 * given to rx. Urgent events are "kernel.Alarm", derived from "kernel.Event";
 * rx accepts only the base type and gets alarms as events. The sensor and
 * logB each send one bad message (a forged reference, a string without NUL):
 * rx must never see them, only count them.
 *
 * Everything the tasks share is memory from k_alloc(), handed to the core
 * API: pipes (cosmosb_pipe_open_consumer / _producer), the arena
 * (cosmosb_arena_format / _join) and the buffer manager views
 * (cosmosb_bufmgr_open / _add_buffer). Each "check:" line printed at the end
 * is verified by tests/kernel (examples/kernel/run-qemu.sh).
 */
#include "kernel.h"

#include <stdatomic.h>

/* ----------------------------------------------------------- message types */

#define K_READING_FIELDS(F) F(U32, seq) F(U32, sensor) F(U64, value)
COSMOSB_SCHEMA(k_reading, "kernel.Reading", 1, K_READING_FIELDS)

#define K_EVENT_FIELDS(F) F(U32, producer) F(U32, seq) F(BOOL, urgent) F(ENUM, level, 0, 3) F(CHARS, text, 16)
COSMOSB_SCHEMA(k_event, "kernel.Event", 1, K_EVENT_FIELDS)

#define K_ALARM_FIELDS(F) F(U32, code)
COSMOSB_SCHEMA_DERIVED(k_alarm, "kernel.Alarm", 1, k_event, K_ALARM_FIELDS)

#define K_TABLE_REF_FIELDS(F) F(REF, table, "kernel.Table") F(U32, entries) F(U32, checksum)
COSMOSB_SCHEMA(k_table_ref, "kernel.TableRef", 1, K_TABLE_REF_FIELDS)

#define K_WINDOW_MSG_FIELDS(F) F(WINDOW, window, COSMOSB_WIN_READ) F(U32, checksum) F(U32, reserved)
COSMOSB_SCHEMA(k_window_msg, "kernel.WindowMsg", 1, K_WINDOW_MSG_FIELDS)

#define K_DONE_FIELDS(F) F(U32, producer) F(U32, normal) F(U32, urgent) F(U32, reserved)
COSMOSB_SCHEMA(k_done, "kernel.Done", 1, K_DONE_FIELDS)

#define K_ACK_FIELDS(F) F(U32, table_checksum) F(U32, window_checksum) F(U32, readings) F(U32, reserved)
COSMOSB_SCHEMA(k_ack, "kernel.Ack", 1, K_ACK_FIELDS)

/* The arena object type the TableRef's REF field names. */
#define T_TABLE UINT64_C(0xb5150d939534f0d6) /* FNV-1a("kernel.Table") */

struct table_entry {
    uint32_t key;
    uint32_t value;
};
_Static_assert(sizeof(k_reading) == 16 && sizeof(k_event) == 32 && sizeof(k_alarm) == 36, "fixed layout");
_Static_assert(sizeof(k_table_ref) == 24 && sizeof(k_window_msg) == 48 && sizeof(k_done) == 16, "fixed layout");

#define N_READINGS 500u
#define N_EVENTS 200u      /* per logger */
#define URGENT_EVERY 10u   /* every 10th event goes on the urgent lane */
#define TABLE_ENTRIES 64u
#define BUF_ID 0xB0Fu
#define BUF_SIZE (64u * 1024u)
#define SLICE_LEN 4096u
#define WIN_OFF 512u       /* the window given to rx: [WIN_OFF, WIN_OFF + WIN_LEN) of the slice */
#define WIN_LEN 1024u
#define ARENA_ID 0xC05B0Au

static uint64_t reading_value(uint32_t seq) { return (uint64_t)seq * UINT64_C(1000003) + UINT64_C(0x100000000); }
static uint32_t table_value(uint32_t key) { return key * key + 7u; }
static uint8_t buffer_byte(uint64_t off) { return (uint8_t)(off * 13u + 5u); }

static uint32_t checksum(const void *p, uint64_t n)
{
    const uint8_t *b = p;
    uint32_t h = 2166136261u; /* FNV-1a 32 */
    for (uint64_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 16777619u;
    return h;
}

/* -------------------------------------------------------- shared kernel state */

struct shm_pipe {
    void *mem;
    uint64_t size;
};

static struct {
    struct shm_pipe readings, events, acks;
    void *meta, *data;
    uint64_t meta_size, data_size;
    size_t arena_hsize;
    uint8_t *buffer;
    uint32_t rx_id;
    cosmosb_typed_tag_t t_reading, t_event, t_alarm, t_table_ref, t_window, t_done, t_ack;
    /* Relaxed: set by rx before it first yields; one CPU, and the context switch orders it. */
    _Atomic uint32_t ready, acks_ready;
} g;

/* Results, reported by k_ipc_demo_report() after every task ended. */
static struct {
    uint32_t readings, events[2], urgent[2], done_loggers, tables, windows;
    uint32_t table_checksum, window_checksum;
    int closed_readings, closed_events, acked, stale_after_release, arena_empty, slices_empty;
    int table_eperm, table_twice, window_eperm, window_forged, unexpected;
    cosmosb_pipe_stats_t rx_readings, rx_events;
    cosmosb_receiver_stats_t v_readings, v_events;
} r;

static void wait_ready(_Atomic uint32_t *flag)
{
    /* Relaxed: see g.ready. */
    while (!atomic_load_explicit(flag, memory_order_relaxed))
        k_yield();
}

static struct shm_pipe shm_pipe(const cosmosb_pipe_config_t *cfg)
{
    struct shm_pipe p = {0, 0};
    if (K_RC(cosmosb_pipe_memsize(cfg, &p.size), COSMOSB_OK, "cosmosb_pipe_memsize"))
        p.mem = k_alloc(p.size, COSMOSB_CACHELINE);
    return p;
}

static cosmosb_pipe_t *open_consumer(struct shm_pipe *p, const cosmosb_pipe_config_t *cfg)
{
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, cfg->max_producers);
    cosmosb_pipe_t *h = NULL;
    if (!K_RC(cosmosb_pipe_open_consumer(k_alloc(hs, 8), hs, p->mem, p->size, cfg, &k_platform, NULL, &h),
              COSMOSB_OK, "cosmosb_pipe_open_consumer"))
        return NULL;
    /* One CPU: spinning cannot make the peer progress, so sleep at once. */
    cosmosb_pipe_set_spin_ns(h, 0);
    return h;
}

static cosmosb_pipe_t *open_producer(struct shm_pipe *p)
{
    size_t hs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    cosmosb_pipe_t *h = NULL;
    if (!K_RC(cosmosb_pipe_open_producer(k_alloc(hs, 8), hs, p->mem, p->size, &k_platform, NULL, &h), COSMOSB_OK,
              "cosmosb_pipe_open_producer"))
        return NULL;
    cosmosb_pipe_set_spin_ns(h, 0);
    return h;
}

static cosmosb_arena_t *join_arena(int writer)
{
    cosmosb_arena_t *a = NULL;
    if (!K_RC(cosmosb_arena_join(k_alloc(g.arena_hsize, 8), g.arena_hsize, g.meta, g.meta_size, g.data,
                                 writer ? g.data : NULL, g.data_size, &k_platform, &a),
              COSMOSB_OK, "cosmosb_arena_join"))
        return NULL;
    return a;
}

static cosmosb_bufmgr_t *open_bufmgr(cosmosb_arena_t *a, int owner)
{
    uint32_t max_slices = owner ? 16u : 0u;
    size_t sz = cosmosb_bufmgr_handle_memsize(max_slices);
    cosmosb_bufmgr_t *m = NULL;
    if (!K_RC(cosmosb_bufmgr_open(k_alloc(sz, 8), sz, a, max_slices, &m), COSMOSB_OK, "cosmosb_bufmgr_open"))
        return NULL;
    K_RC(cosmosb_bufmgr_add_buffer(m, BUF_ID, g.buffer, owner ? g.buffer : NULL, BUF_SIZE, COSMOSB_BUFFER_RING, 0),
         COSMOSB_OK, "cosmosb_bufmgr_add_buffer");
    return m;
}

static cosmosb_receiver_t *open_receiver(cosmosb_pipe_t *pipe, cosmosb_arena_t *a, cosmosb_bufmgr_t *mgr)
{
    cosmosb_receiver_config_t cfg;
    cosmosb_receiver_config_init(&cfg);
    cfg.trust = COSMOSB_TRUST_COPY; /* validate a private copy: a sender cannot change it afterwards */
    cfg.max_types = 8;
    cfg.max_size = 256;
    cfg.hooks.check_ref = cosmosb_arena_check_ref; /* REF fields: a live kernel.Table given to rx */
    cfg.hooks.ref_ctx = a;
    cfg.hooks.check_window = cosmosb_bufmgr_check_window; /* WINDOW fields: a live slice given to rx */
    cfg.hooks.window_ctx = mgr;
    size_t sz = cosmosb_receiver_memsize(&cfg);
    cosmosb_receiver_t *rx = NULL;
    if (!K_RC(cosmosb_receiver_init(k_alloc(sz, 8), sz, pipe, &cfg, &rx), COSMOSB_OK, "cosmosb_receiver_init"))
        return NULL;
    return rx;
}

static void make_tags(void)
{
    static const struct {
        const cosmosb_schema_t *schema;
        cosmosb_typed_tag_t *tag;
    } t[] = {{&k_reading_schema, &g.t_reading}, {&k_event_schema, &g.t_event},   {&k_alarm_schema, &g.t_alarm},
             {&k_table_ref_schema, &g.t_table_ref}, {&k_window_msg_schema, &g.t_window},
             {&k_done_schema, &g.t_done},       {&k_ack_schema, &g.t_ack}};
    for (uint32_t i = 0; i < sizeof t / sizeof t[0]; i++) {
        K_RC(cosmosb_schema_check(t[i].schema), COSMOSB_OK, t[i].schema->name);
        K_RC(cosmosb_typed_tag_init(t[i].schema, t[i].tag), COSMOSB_OK, "cosmosb_typed_tag_init");
    }
}

/* ------------------------------------------------------------------- rx */

static void rx_table(cosmosb_arena_t *a, const k_table_ref *m)
{
    const void *p;
    uint32_t size;
    void *w;
    r.tables++;
    if (!K_RC(cosmosb_arena_accept(a, &m->table), COSMOSB_OK, "cosmosb_arena_accept"))
        return;
    if (K_RC(cosmosb_arena_resolve(a, &m->table, T_TABLE, &p, &size), COSMOSB_OK, "cosmosb_arena_resolve")) {
        K_CHECK(size == m->entries * sizeof(struct table_entry) && m->entries == TABLE_ENTRIES, "size %u", size);
        const struct table_entry *e = p;
        for (uint32_t i = 0; i < TABLE_ENTRIES && size >= TABLE_ENTRIES * sizeof *e; i++)
            K_CHECK(e[i].key == i && e[i].value == table_value(i), "entry %u", i);
        r.table_checksum = checksum(p, size);
        K_CHECK(r.table_checksum == m->checksum, "checksum %x != %x", r.table_checksum, m->checksum);
    }
    /* The object is frozen and rx joined receive-only: no write access. */
    r.table_eperm = K_RC(cosmosb_arena_writable(a, &m->table, &w, NULL), COSMOSB_EPERM, "arena_writable by a reader");
    /* A transfer is taken once. */
    r.table_twice = K_RC(cosmosb_arena_accept(a, &m->table), COSMOSB_ESTALE, "second cosmosb_arena_accept");
    K_RC(cosmosb_arena_release(a, &m->table), COSMOSB_OK, "cosmosb_arena_release");
}

static void rx_window(cosmosb_bufmgr_t *mgr, const k_window_msg *m)
{
    const void *p;
    void *w;
    r.windows++;
    if (!K_RC(cosmosb_window_accept(mgr, &m->window), COSMOSB_OK, "cosmosb_window_accept"))
        return;
    K_CHECK(m->window.length == WIN_LEN && m->window.rights == COSMOSB_WIN_READ, "window length %lu rights %x",
            (unsigned long)m->window.length, m->window.rights);
    if (K_RC(cosmosb_window_resolve(mgr, &m->window, &p), COSMOSB_OK, "cosmosb_window_resolve")) {
        const uint8_t *b = p;
        uint32_t bad = 0;
        for (uint64_t i = 0; i < m->window.length; i++)
            bad += b[i] != buffer_byte(m->window.offset + i);
        K_CHECK(bad == 0, "%u bytes differ", bad);
        r.window_checksum = checksum(p, m->window.length);
        K_CHECK(r.window_checksum == m->checksum, "checksum %x != %x", r.window_checksum, m->checksum);
    }
    r.window_eperm = K_RC(cosmosb_window_resolve_writable(mgr, &m->window, &w), COSMOSB_EPERM,
                          "window_resolve_writable by a reader");
    cosmosb_window_t forged = m->window;
    forged.length += SLICE_LEN; /* wider than the slice it lies in */
    r.window_forged = K_RC(cosmosb_window_resolve(mgr, &forged, &p), COSMOSB_ERANGE, "resolve of a widened window");
    K_RC(cosmosb_window_release(mgr, &m->window), COSMOSB_OK, "cosmosb_window_release");
}

static void rx_send_ack(void)
{
    wait_ready(&g.acks_ready);
    cosmosb_pipe_t *tx = open_producer(&g.acks);
    if (!tx)
        return;
    k_ack ack = {r.table_checksum, r.window_checksum, r.readings, 0};
    K_RC(cosmosb_typed_send_tagged(tx, &g.t_ack, &ack, 0, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK, "send ack");
    cosmosb_pipe_close_endpoint(tx);
}

/* Handles one validated message of the readings pipe; returns 1 after its last one. */
static int rx_on_reading(cosmosb_arena_t *a, cosmosb_bufmgr_t *mgr, const cosmosb_typed_msg_t *msg)
{
    if (msg->schema == &k_reading_schema) {
        const k_reading *m = msg->data;
        K_CHECK(m->seq == r.readings && m->sensor == 2 && m->value == reading_value(m->seq),
                "reading %u (expected %u)", m->seq, r.readings);
        r.readings++;
    } else if (msg->schema == &k_table_ref_schema) {
        rx_table(a, msg->data);
    } else if (msg->schema == &k_window_msg_schema) {
        rx_window(mgr, msg->data);
        rx_send_ack(); /* the table came first: both checksums are known */
    } else if (msg->schema == &k_done_schema) {
        const k_done *m = msg->data;
        K_CHECK(m->normal == N_READINGS && r.readings == N_READINGS, "sensor sent %u, rx got %u", m->normal,
                r.readings);
        return 1;
    } else {
        r.unexpected++;
        K_CHECK(0, "readings: unexpected type %s", msg->schema->name);
    }
    return 0;
}

static int rx_on_event(const cosmosb_typed_msg_t *msg)
{
    if (msg->schema == &k_event_schema) {
        /* Alarms (derived) arrive as their base type; their real type id stays visible. */
        const k_event *m = msg->data;
        uint32_t k = m->producer == 'A' ? 0 : m->producer == 'B' ? 1 : 2;
        if (k == 2) {
            K_CHECK(0, "event from unknown producer %u", m->producer);
            return 0;
        }
        int urgent = (msg->info.flags & COSMOSB_MSG_URGENT) != 0;
        K_CHECK(urgent == (m->urgent != 0), "lane flag");
        K_CHECK(urgent == (msg->type_id == g.t_alarm.type_id), "urgent events are alarms");
        uint32_t *expect = urgent ? &r.urgent[k] : &r.events[k];
        K_CHECK(m->seq == *expect, "%c %s seq %u expected %u", (char)m->producer, urgent ? "urgent" : "normal",
                m->seq, *expect);
        K_CHECK(m->text[0] == 'e' && m->text[4] == (char)m->producer, "text");
        (*expect)++;
    } else if (msg->schema == &k_done_schema) {
        const k_done *m = msg->data;
        uint32_t k = m->producer == 'A' ? 0 : 1;
        K_CHECK(m->normal == r.events[k] && m->urgent == r.urgent[k], "%c: sent %u+%u, got %u+%u",
                (char)m->producer, m->normal, m->urgent, r.events[k], r.urgent[k]);
        r.done_loggers++;
        return r.done_loggers == 2;
    } else {
        r.unexpected++;
        K_CHECK(0, "events: unexpected type %s", msg->schema->name);
    }
    return 0;
}

static void rx_task(void)
{
    cosmosb_pipe_config_t rc_cfg = {.mode = COSMOSB_PIPE_SPSC, .capacity = 8, .slot_size = 64, .max_producers = 1};
    cosmosb_pipe_config_t ev_cfg = {
        .mode = COSMOSB_PIPE_MPSC, .capacity = 8, .urgent_capacity = 4, .slot_size = 64, .max_producers = 2};
    cosmosb_arena_config_t acfg;
    g.rx_id = k_self();
    make_tags();

    /* Create the pipes rx receives from, the arena and rx's buffer view. */
    g.readings = shm_pipe(&rc_cfg);
    g.events = shm_pipe(&ev_cfg);
    cosmosb_pipe_t *readings = open_consumer(&g.readings, &rc_cfg);
    cosmosb_pipe_t *events = open_consumer(&g.events, &ev_cfg);
    cosmosb_arena_config_init(&acfg);
    acfg.data_size = 64u * 1024u;
    acfg.block_size = 4096;
    acfg.objects_per_block = 32;
    acfg.max_participants = 4;
    acfg.max_transfers = 16;
    K_RC(cosmosb_arena_memsize(&acfg, &g.meta_size, &g.data_size), COSMOSB_OK, "cosmosb_arena_memsize");
    g.meta = k_alloc(g.meta_size, 64);
    g.data = k_alloc(g.data_size, 4096);
    K_RC(cosmosb_arena_format(g.meta, g.meta_size, g.data_size, &acfg, ARENA_ID), COSMOSB_OK, "cosmosb_arena_format");
    K_RC(cosmosb_arena_handle_memsize(g.meta, g.meta_size, &g.arena_hsize), COSMOSB_OK, "arena_handle_memsize");
    g.buffer = k_alloc(BUF_SIZE, 4096);
    cosmosb_arena_t *arena = join_arena(0);
    cosmosb_bufmgr_t *mgr = arena ? open_bufmgr(arena, 0) : NULL;
    /* The single point of entry: typed receivers that validate before rx sees anything. */
    cosmosb_receiver_t *rreadings = readings && mgr ? open_receiver(readings, arena, mgr) : NULL;
    cosmosb_receiver_t *revents = events && mgr ? open_receiver(events, arena, mgr) : NULL;
    if (!rreadings || !revents ||
        !K_RC(cosmosb_receiver_accept(rreadings, &k_reading_schema, NULL, NULL), COSMOSB_OK, "accept Reading") ||
        !K_RC(cosmosb_receiver_accept(rreadings, &k_table_ref_schema, NULL, NULL), COSMOSB_OK, "accept TableRef") ||
        !K_RC(cosmosb_receiver_accept(rreadings, &k_window_msg_schema, NULL, NULL), COSMOSB_OK, "accept WindowMsg") ||
        !K_RC(cosmosb_receiver_accept(rreadings, &k_done_schema, NULL, NULL), COSMOSB_OK, "accept Done") ||
        !K_RC(cosmosb_receiver_accept(revents, &k_event_schema, NULL, NULL), COSMOSB_OK, "accept Event") ||
        !K_RC(cosmosb_receiver_accept(revents, &k_done_schema, NULL, NULL), COSMOSB_OK, "accept Done")) {
        K_CHECK(0, "rx: setup failed");
        atomic_store_explicit(&g.ready, 2, memory_order_relaxed); /* Relaxed: see g.ready. */
        return;
    }
    k_printf("rx: pipes readings (%lu B) and events (%lu B), arena %lu + %lu B, buffer %u B ready\n",
             (unsigned long)g.readings.size, (unsigned long)g.events.size, (unsigned long)g.meta_size,
             (unsigned long)g.data_size, BUF_SIZE);
    atomic_store_explicit(&g.ready, 1, memory_order_relaxed); /* Relaxed: see g.ready. */

    /* Receive from both pipes; sleep on both doorbells when both are empty. */
    cosmosb_typed_msg_t msg;
    int readings_done = 0, events_done = 0, rc;
    while (!(readings_done && events_done)) {
        while (!readings_done && (rc = cosmosb_receiver_recv(rreadings, &msg, 0)) == COSMOSB_OK) {
            readings_done = rx_on_reading(arena, mgr, &msg);
            K_RC(cosmosb_receiver_release(rreadings, &msg), COSMOSB_OK, "cosmosb_receiver_release");
        }
        while (!events_done && (rc = cosmosb_receiver_recv(revents, &msg, 0)) == COSMOSB_OK) {
            events_done = rx_on_event(&msg);
            K_RC(cosmosb_receiver_release(revents, &msg), COSMOSB_OK, "cosmosb_receiver_release");
        }
        if (readings_done && events_done)
            break;
        cosmosb_wait_token_t tok[2];
        const void *addr[2];
        uint32_t expect[2], n = 0;
        int again = 0;
        cosmosb_pipe_t *both[2] = {readings_done ? NULL : readings, events_done ? NULL : events};
        for (int i = 0; i < 2; i++) {
            if (!both[i])
                continue;
            rc = cosmosb_pipe_wait_prepare(both[i], &tok[n]);
            if (rc == COSMOSB_EAGAIN) {
                again = 1;
            } else if (K_RC(rc, COSMOSB_OK, "cosmosb_pipe_wait_prepare")) {
                addr[n] = tok[n].addr;
                expect[n] = tok[n].expected;
                n++;
            } else {
                readings_done = events_done = 1; /* give up: reported above */
            }
        }
        if (!again && n)
            k_wait_any(addr, expect, n);
    }

    /* The producers close after their last message: a blocking receive sees it. */
    r.closed_readings = K_RC(cosmosb_receiver_recv(rreadings, &msg, COSMOSB_TIMEOUT_FOREVER), COSMOSB_ECLOSED,
                             "recv on readings after the sensor closed");
    r.closed_events = K_RC(cosmosb_receiver_recv(revents, &msg, COSMOSB_TIMEOUT_FOREVER), COSMOSB_ECLOSED,
                           "recv on events after both loggers closed");
    cosmosb_pipe_stats(readings, &r.rx_readings);
    cosmosb_pipe_stats(events, &r.rx_events);
    cosmosb_receiver_stats(rreadings, &r.v_readings);
    cosmosb_receiver_stats(revents, &r.v_events);

    /* The sensor released and left: nothing is alive in the arena any more. */
    cosmosb_arena_stats_t st;
    if (K_RC(cosmosb_arena_stats(arena, &st), COSMOSB_OK, "cosmosb_arena_stats")) {
        r.arena_empty = st.live_objects == 0 && st.blocks_free == st.blocks_total && st.participants == 1;
        K_CHECK(r.arena_empty, "arena: %u live objects, %u/%u blocks free, %u participants", st.live_objects,
                st.blocks_free, st.blocks_total, st.participants);
    }
    cosmosb_arena_leave(arena);
    cosmosb_pipe_close_endpoint(readings);
    cosmosb_pipe_close_endpoint(events);
}

/* ---------------------------------------------------------------- sensor */

static void sensor_task(void)
{
    wait_ready(&g.ready);
    if (atomic_load_explicit(&g.ready, memory_order_relaxed) != 1) /* Relaxed: see g.ready. */
        return;
    /* The reply pipe is the sensor's: it formats it before it sends anything. */
    cosmosb_pipe_config_t ack_cfg = {.mode = COSMOSB_PIPE_SPSC, .capacity = 2, .slot_size = 32, .max_producers = 1};
    g.acks = shm_pipe(&ack_cfg);
    cosmosb_pipe_t *acks = open_consumer(&g.acks, &ack_cfg);
    atomic_store_explicit(&g.acks_ready, 1, memory_order_relaxed); /* Relaxed: see g.ready. */
    cosmosb_pipe_t *tx = open_producer(&g.readings);
    cosmosb_arena_t *arena = join_arena(1);
    cosmosb_bufmgr_t *mgr = arena ? open_bufmgr(arena, 1) : NULL;
    cosmosb_receiver_t *racks = acks && mgr ? open_receiver(acks, arena, mgr) : NULL;
    uint32_t rx_part = 0;
    if (!racks || !tx ||
        !K_RC(cosmosb_receiver_accept(racks, &k_ack_schema, NULL, NULL), COSMOSB_OK, "accept Ack") ||
        !K_RC(cosmosb_arena_find_participant(arena, g.rx_id, &rx_part), COSMOSB_OK, "find rx in the arena"))
        return;

    for (uint32_t i = 0; i < N_READINGS; i++) {
        k_reading m = {i, k_self(), reading_value(i)};
        if (!K_RC(cosmosb_typed_send_tagged(tx, &g.t_reading, &m, 0, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK,
                  "send reading"))
            break;
    }

    /* A table in the arena: built, frozen, given to rx; only a reference travels. */
    cosmosb_ref_t table, given;
    void *p;
    uint32_t table_sum = 0, window_sum = 0;
    if (K_RC(cosmosb_arena_alloc(arena, T_TABLE, TABLE_ENTRIES * sizeof(struct table_entry), 0, &table, &p),
             COSMOSB_OK, "cosmosb_arena_alloc")) {
        struct table_entry *e = p;
        for (uint32_t i = 0; i < TABLE_ENTRIES; i++)
            e[i] = (struct table_entry){i, table_value(i)};
        table_sum = checksum(e, TABLE_ENTRIES * sizeof *e);
        K_RC(cosmosb_arena_freeze(arena, &table), COSMOSB_OK, "cosmosb_arena_freeze");
        if (K_RC(cosmosb_arena_give(arena, &table, rx_part, &given), COSMOSB_OK, "cosmosb_arena_give")) {
            /* First a forged reference (wrong generation): the receiver must drop it. */
            k_table_ref bad = {given, TABLE_ENTRIES, table_sum};
            bad.table.generation ^= 0x10u;
            K_RC(cosmosb_typed_send_tagged(tx, &g.t_table_ref, &bad, 0, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK,
                 "send forged table ref");
            k_table_ref m = {given, TABLE_ENTRIES, table_sum};
            K_RC(cosmosb_typed_send_tagged(tx, &g.t_table_ref, &m, 0, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK,
                 "send table ref");
        }
    }

    /* A slice of the buffer, filled, and a narrower read-only window on it given to rx. */
    cosmosb_window_t slice, part, wgiven;
    if (K_RC(cosmosb_buffer_alloc(mgr, BUF_ID, SLICE_LEN, &slice, &p), COSMOSB_OK, "cosmosb_buffer_alloc")) {
        uint8_t *b = p;
        for (uint32_t i = 0; i < SLICE_LEN; i++)
            b[i] = buffer_byte(slice.offset + i);
        if (K_RC(cosmosb_window_narrow(&slice, WIN_OFF, WIN_LEN, COSMOSB_WIN_READ, &part), COSMOSB_OK,
                 "cosmosb_window_narrow") &&
            K_RC(cosmosb_window_give(mgr, &part, rx_part, &wgiven), COSMOSB_OK, "cosmosb_window_give")) {
            window_sum = checksum(b + WIN_OFF, WIN_LEN);
            k_window_msg m = {wgiven, window_sum, 0};
            K_RC(cosmosb_typed_send_tagged(tx, &g.t_window, &m, 0, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK,
                 "send window");
        }
    }

    /* rx answers with what it computed from the shared bytes. */
    cosmosb_typed_msg_t msg;
    if (K_RC(cosmosb_receiver_recv(racks, &msg, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK, "recv ack")) {
        const k_ack *ack = msg.data;
        r.acked = ack->table_checksum == table_sum && ack->window_checksum == window_sum &&
                  ack->readings == N_READINGS;
        K_CHECK(r.acked, "ack %x/%x/%u, expected %x/%x/%u", ack->table_checksum, ack->window_checksum,
                ack->readings, table_sum, window_sum, N_READINGS);
        cosmosb_receiver_release(racks, &msg);
    }

    /* Both sides released: the table is gone, the slice's bytes come back. */
    K_RC(cosmosb_arena_release(arena, &table), COSMOSB_OK, "release table");
    K_RC(cosmosb_window_release(mgr, &slice), COSMOSB_OK, "release slice");
    K_RC(cosmosb_arena_reclaim(arena), COSMOSB_OK, "cosmosb_arena_reclaim");
    const void *q;
    r.stale_after_release = K_RC(cosmosb_arena_resolve(arena, &table, T_TABLE, &q, NULL), COSMOSB_ESTALE,
                                 "resolve of the released table");
    cosmosb_buffer_stats_t bs;
    if (K_RC(cosmosb_buffer_stats(mgr, BUF_ID, &bs), COSMOSB_OK, "cosmosb_buffer_stats")) {
        r.slices_empty = bs.slices == 0 && bs.bytes_in_use == 0;
        K_CHECK(r.slices_empty, "buffer: %u slices, %lu bytes in use", bs.slices, (unsigned long)bs.bytes_in_use);
    }
    cosmosb_arena_leave(arena);

    k_done done = {'S', N_READINGS, 0, 0};
    K_RC(cosmosb_typed_send_tagged(tx, &g.t_done, &done, 0, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK, "send done");
    cosmosb_pipe_close_endpoint(tx);
    cosmosb_pipe_close_endpoint(acks);
}

/* --------------------------------------------------------------- loggers */

static void logger(uint32_t tag)
{
    wait_ready(&g.ready);
    if (atomic_load_explicit(&g.ready, memory_order_relaxed) != 1) /* Relaxed: see g.ready. */
        return;
    cosmosb_pipe_t *tx = open_producer(&g.events);
    if (!tx)
        return;
    uint32_t normal = 0, urgent = 0;
    for (uint32_t i = 0; i < N_EVENTS; i++) {
        int is_urgent = (i % URGENT_EVERY) == URGENT_EVERY - 1;
        k_alarm m = {{tag, is_urgent ? urgent : normal, (uint8_t)is_urgent, (int32_t)(i % 4u), "evt ?"}, 0xA1u};
        m.base.text[4] = (char)tag;
        int rc = is_urgent ? cosmosb_typed_send_tagged(tx, &g.t_alarm, &m, COSMOSB_MSG_URGENT, COSMOSB_TIMEOUT_FOREVER)
                           : cosmosb_typed_send_tagged(tx, &g.t_event, &m.base, 0, COSMOSB_TIMEOUT_FOREVER);
        if (!K_RC(rc, COSMOSB_OK, "send event"))
            break;
        if (is_urgent)
            urgent++;
        else
            normal++;
        if (tag == 'B' && i == N_EVENTS / 2) {
            /* A buggy driver: a string without its NUL. Validation drops it. */
            k_event bad = {tag, 9999, 0, 0, "evt B"};
            memset(bad.text, 'x', sizeof bad.text);
            K_RC(cosmosb_typed_send_tagged(tx, &g.t_event, &bad, 0, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK,
                 "send malformed event");
        }
    }
    k_done done = {tag, normal, urgent, 0};
    K_RC(cosmosb_typed_send_tagged(tx, &g.t_done, &done, 0, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK, "send done");
    cosmosb_pipe_close_endpoint(tx);
}

static void log_a_task(void) { logger('A'); }
static void log_b_task(void) { logger('B'); }

/* ---------------------------------------------------------------- entry */

/* Before any task exists: the default hook table (spin, virtual clock) in a
 * kernel with no scheduler. One context sends and receives on its own pipe;
 * a receive on the empty pipe must time out on the library's virtual clock. */
static int default_platform_ok;

static void default_platform_check(void)
{
    cosmosb_pipe_config_t cfg = {.mode = COSMOSB_PIPE_SPSC, .capacity = 4, .slot_size = 16, .max_producers = 1};
    struct shm_pipe p = shm_pipe(&cfg);
    size_t cs = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_CONSUMER, 1);
    size_t ps = cosmosb_pipe_handle_memsize(COSMOSB_ROLE_PRODUCER, 0);
    cosmosb_pipe_t *c = NULL, *t = NULL;
    cosmosb_msg_info_t info;
    uint32_t v = 0, n = 0;
    if (!p.mem ||
        !K_RC(cosmosb_pipe_open_consumer(k_alloc(cs, 8), cs, p.mem, p.size, &cfg, cosmosb_platform_default(), NULL,
                                         &c), COSMOSB_OK, "open_consumer (default platform)") ||
        !K_RC(cosmosb_pipe_open_producer(k_alloc(ps, 8), ps, p.mem, p.size, NULL, NULL, &t), COSMOSB_OK,
              "open_producer (default platform)"))
        return;
    for (uint32_t i = 1; i <= 4; i++)
        n += K_RC(cosmosb_pipe_send(t, 7, &i, sizeof i, 0, COSMOSB_TIMEOUT_NONE), COSMOSB_OK, "send");
    n += K_RC(cosmosb_pipe_send(t, 7, &v, sizeof v, 0, 1000000), COSMOSB_ETIMEDOUT, "send on a full pipe, 1 ms");
    for (uint32_t i = 1; i <= 4; i++)
        n += K_RC(cosmosb_pipe_recv(c, &v, sizeof v, &info, 1000000), COSMOSB_OK, "recv") && v == i;
    n += K_RC(cosmosb_pipe_recv(c, &v, sizeof v, &info, 1000000), COSMOSB_ETIMEDOUT, "recv on an empty pipe, 1 ms");
    cosmosb_pipe_close_endpoint(t);
    cosmosb_pipe_close_endpoint(c);
    default_platform_ok = n == 10;
}

/* Preempting kernels only: two tasks that never yield nor sleep (timeout 0,
 * retried at once) exchange N_SPIN messages through a 4-slot pipe. On one CPU
 * they move only when the timer preempts one of them, so finishing proves
 * the preemption, and the messages arriving intact and in order proves that
 * being interrupted at any instruction of a send or a receive is harmless. */
#define N_SPIN 1000u
static struct shm_pipe spin_pipe;
static _Atomic uint32_t spin_ready;
static uint32_t spin_received, spin_bad;

static void spin_rx_task(void)
{
    cosmosb_pipe_config_t cfg = {.mode = COSMOSB_PIPE_SPSC, .capacity = 4, .slot_size = 16, .max_producers = 1};
    spin_pipe = shm_pipe(&cfg);
    cosmosb_pipe_t *c = open_consumer(&spin_pipe, &cfg);
    atomic_store_explicit(&spin_ready, c ? 1 : 2, memory_order_relaxed); /* Relaxed: see g.ready. */
    if (!c)
        return;
    while (spin_received < N_SPIN) {
        uint32_t v;
        cosmosb_msg_info_t info;
        int rc = cosmosb_pipe_recv(c, &v, sizeof v, &info, COSMOSB_TIMEOUT_NONE);
        if (rc == COSMOSB_EAGAIN)
            continue; /* spin: only a preemption lets the sender run */
        if (!K_RC(rc, COSMOSB_OK, "spin recv"))
            break;
        spin_bad += v != spin_received || info.len != sizeof v;
        spin_received++;
    }
    cosmosb_pipe_close_endpoint(c);
}

static void spin_tx_task(void)
{
    wait_ready(&spin_ready);
    if (atomic_load_explicit(&spin_ready, memory_order_relaxed) != 1) /* Relaxed: see g.ready. */
        return;
    cosmosb_pipe_t *t = open_producer(&spin_pipe);
    if (!t)
        return;
    for (uint32_t i = 0; i < N_SPIN; i++) {
        int rc;
        while ((rc = cosmosb_pipe_send(t, 1, &i, sizeof i, 0, COSMOSB_TIMEOUT_NONE)) == COSMOSB_EFULL)
            ; /* spin: only a preemption lets the receiver run */
        if (!K_RC(rc, COSMOSB_OK, "spin send"))
            break;
    }
    cosmosb_pipe_close_endpoint(t);
}

void k_ipc_demo_start(void)
{
    default_platform_check();
    k_task_create("rx", rx_task); /* first: it creates what the others attach to */
    k_task_create("sensor", sensor_task);
    k_task_create("logA", log_a_task);
    k_task_create("logB", log_b_task);
    if (arch_preempts()) {
        k_task_create("spin-rx", spin_rx_task);
        k_task_create("spin-tx", spin_tx_task);
    }
}

void k_ipc_demo_report(void)
{
    uint32_t urgent_total = r.urgent[0] + r.urgent[1];
    if (r.readings == N_READINGS && r.unexpected == 0 && r.closed_readings)
        k_printf("check: spsc: %u typed readings received in order (%lu messages in all); ECLOSED after the "
                 "sensor closed\n",
                 r.readings, (unsigned long)r.rx_readings.received);
    if (r.events[0] + r.urgent[0] == N_EVENTS && r.events[1] + r.urgent[1] == N_EVENTS && r.done_loggers == 2 &&
        r.closed_events && urgent_total == 2 * (N_EVENTS / URGENT_EVERY))
        k_printf("check: mpsc: 2 producers x %u typed events, FIFO per producer and lane (%u urgent); "
                 "ECLOSED after both closed\n",
                 N_EVENTS, urgent_total);
    uint64_t delivered = r.v_readings.delivered + r.v_events.delivered;
    if (r.v_readings.rejected_total == 1 && r.v_readings.rejected[COSMOSB_REJECT_REF] == 1 &&
        r.v_events.rejected_total == 1 && r.v_events.rejected[COSMOSB_REJECT_STRING] == 1 &&
        r.v_events.delivered_as_ancestor == urgent_total && r.unexpected == 0 &&
        delivered == N_READINGS + 3u + 2u * N_EVENTS + 2u)
        k_printf("check: schema: %lu messages validated before delivery (copy mode); %u alarms delivered as their "
                 "base kernel.Event; a forged reference and a string without NUL rejected, never delivered\n",
                 (unsigned long)delivered, urgent_total);
    else
        K_CHECK(0, "receivers: delivered %lu+%lu (as ancestor %lu), rejected %lu (ref %lu) and %lu (string %lu)",
                (unsigned long)r.v_readings.delivered, (unsigned long)r.v_events.delivered,
                (unsigned long)r.v_events.delivered_as_ancestor, (unsigned long)r.v_readings.rejected_total,
                (unsigned long)r.v_readings.rejected[COSMOSB_REJECT_REF], (unsigned long)r.v_events.rejected_total,
                (unsigned long)r.v_events.rejected[COSMOSB_REJECT_STRING]);
    if (r.tables == 1 && r.table_eperm && r.table_twice && r.stale_after_release)
        k_printf("check: arena: frozen table of %u entries shared by reference, checksum %x; the reader cannot "
                 "write it (EPERM) nor accept it twice (ESTALE); stale (ESTALE) after both released\n",
                 TABLE_ENTRIES, r.table_checksum);
    if (r.windows == 1 && r.window_eperm && r.window_forged && r.slices_empty)
        k_printf("check: window: read-only %u-byte window of a %u-byte slice, bytes and checksum %x verified; "
                 "no write access (EPERM); widened forgery refused (ERANGE); slice reclaimed\n",
                 WIN_LEN, SLICE_LEN, r.window_checksum);
    if (r.acked)
        k_printf("check: ack: the sensor got back the checksums rx computed\n");
    if (r.arena_empty)
        k_printf("check: arena empty: no live object, every block back in the pool\n");
    if (arch_preempts() && spin_received == N_SPIN && spin_bad == 0)
        k_printf("check: preemption: two tasks that never yield exchanged %u messages in order through a 4-slot "
                 "pipe, moved only by %lu timer preemptions\n",
                 N_SPIN, (unsigned long)k_preemptions());
    else if (arch_preempts())
        K_CHECK(0, "spinning tasks: %u of %u messages, %u out of order", spin_received, N_SPIN, spin_bad);
    if (default_platform_ok)
        k_printf("check: default platform: with no scheduler (before any task ran), a pipe on "
                 "cosmosb_platform_default() sends, receives in order, and times out when full or empty\n");
}
