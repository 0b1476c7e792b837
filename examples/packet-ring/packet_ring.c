/*
 * cosmosb-packet-ring: a "driver" receives synthetic TCP/IPv4/Ethernet
 * frames into ring buffers and hands one receiver process the headers only
 * and another the payloads only, as windows.
 *
 *   cosmosb-packet-ring [--frames N]
 *
 * Like a NIC with header-data split, the driver puts each frame's 54 bytes
 * of headers (Ethernet 14 + IPv4 20 + TCP 20) in a slice of a **header
 * ring** and its payload in a 2 KiB slice of a **payload ring** (an RX
 * buffer of MTU size), then narrows each window to the bytes that are
 * really there and gives it, read-only, to its receiver:
 *
 *   - the header receiver gets the header ring's memfd only, parses and
 *     checks every header (IPv4 checksum, TCP sequence numbers per flow)
 *     and adds up the payload lengths the headers announce;
 *   - the payload receiver gets the payload ring's memfd only and checksums
 *     the payload bytes (FNV-1a 64) in arrival order.
 *
 * Then it shows the boundaries: each receiver is handed a window from the
 * other ring (it does not resolve: that buffer is not mapped in it), tries
 * to widen its own window past its slice (refused) and to write through it
 * (refused). Finally it shows why the rings are separate buffers: with one
 * buffer for whole frames, a receiver that widens its narrowed header
 * window within the frame's slice reads the payload; narrowing limits what
 * a window names, the mapping is what limits what a process can read.
 *
 * The driver compares both receivers' totals with its own and exits 0 only
 * if every frame arrived, in order, with the right bytes, and every
 * boundary held.
 */
#define _GNU_SOURCE
#include <cosmosb/cosmosb.h>

#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HDR_LEN 54u       /* Ethernet 14 + IPv4 20 + TCP 20 */
#define RX_BUF 2048u      /* payload slice per frame, like a NIC RX buffer */
#define MSS 1460u         /* largest TCP payload in a 1500-byte IP packet */
#define FLOWS 4u
#define MSG_WINDOW UINT64_C(0x7072670000000001) /* a frame's window */
#define MSG_PROBE UINT64_C(0x7072670000000002)  /* a window the receiver must not be able to read */
#define MSG_LEAK UINT64_C(0x7072670000000003)   /* single-buffer demonstration: a narrowed header window */
#define MSG_END UINT64_C(0x7072670000000004)
#define TIMEOUT_NS (UINT64_C(10) * 1000000000u)

enum role { HEADER_RX = 1, PAYLOAD_RX = 2 };

/* What a receiver reports back over its socket. */
struct report {
    uint64_t frames;
    uint64_t payload_bytes; /* header receiver: announced by the headers; payload receiver: received */
    uint64_t fnv;           /* payload receiver: FNV-1a 64 of every payload byte in order */
    uint32_t bad;           /* frames that failed a check */
    uint32_t probe_refused; /* the other ring's window did not resolve */
    uint32_t widen_refused; /* widening past the slice was refused */
    uint32_t write_refused; /* writing through the window was refused */
    uint32_t leak_read;     /* single buffer: widening inside the frame's slice reached the payload */
    uint32_t reserved;
};

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int fail(const char *who, const char *what, int rc)
{
    fprintf(stderr, "[%s] %s: %s\n", who, what, rc < 0 ? cosmosb_strerror(rc) : strerror(rc));
    return 1;
}

static int write_all(int fd, const void *p, size_t n)
{
    const char *b = p;
    while (n > 0) {
        ssize_t k = write(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

static int read_all(int fd, void *p, size_t n)
{
    char *b = p;
    while (n > 0) {
        ssize_t k = read(fd, b, n);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return -1;
        b += k;
        n -= (size_t)k;
    }
    return 0;
}

static uint64_t fnv1a(uint64_t h, const unsigned char *p, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}
#define FNV_INIT UINT64_C(0xcbf29ce484222325)

/* ---- frames -------------------------------------------------------------- */

static void put16(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put32(unsigned char *p, uint32_t v)
{
    put16(p, v >> 16);
    put16(p + 2, v & 0xffff);
}

static uint32_t get16(const unsigned char *p)
{
    return (uint32_t)p[0] << 8 | p[1];
}

static uint32_t get32(const unsigned char *p)
{
    return get16(p) << 16 | get16(p + 2);
}

static uint32_t ip_checksum(const unsigned char *h)
{
    uint32_t s = 0;
    for (int i = 0; i < 20; i += 2)
        s += get16(h + i);
    while (s >> 16)
        s = (s & 0xffff) + (s >> 16);
    return ~s & 0xffff;
}

struct flow {
    uint32_t seq;
};

/* Writes the 54 header bytes of a frame of flow f with `len` payload bytes. */
static void build_headers(unsigned char *h, uint32_t f, uint32_t seq, uint32_t len, uint32_t ip_id)
{
    static const unsigned char dst[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };
    static const unsigned char src[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
    memcpy(h, dst, 6);
    memcpy(h + 6, src, 6);
    put16(h + 12, 0x0800); /* IPv4 */
    unsigned char *ip = h + 14;
    ip[0] = 0x45; /* version 4, 5 words */
    ip[1] = 0;
    put16(ip + 2, 40 + len); /* total length */
    put16(ip + 4, ip_id & 0xffff);
    put16(ip + 6, 0x4000); /* don't fragment */
    ip[8] = 64;            /* TTL */
    ip[9] = 6;             /* TCP */
    put16(ip + 10, 0);
    put32(ip + 12, 0x0a000001u + f); /* 10.0.0.1+f */
    put32(ip + 16, 0x0a000064u);     /* 10.0.0.100 */
    put16(ip + 10, ip_checksum(ip));
    unsigned char *tcp = ip + 20;
    put16(tcp, 40000 + f);
    put16(tcp + 2, 80);
    put32(tcp + 4, seq);
    put32(tcp + 8, 0);
    tcp[12] = 5 << 4; /* data offset: 5 words */
    tcp[13] = 0x18;   /* PSH, ACK */
    put16(tcp + 14, 65535);
    put32(tcp + 16, 0); /* checksum (not computed: no pseudo-header here), urgent pointer */
}

/* Deterministic pseudo-random stream (xorshift64*). */
static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* ===== receivers ========================================================== */

static int check_header(const unsigned char *h, uint64_t len, struct flow *flows, uint64_t *payload)
{
    if (len != HDR_LEN || get16(h + 12) != 0x0800)
        return -1;
    const unsigned char *ip = h + 14, *tcp = ip + 20;
    if (ip[0] != 0x45 || ip[9] != 6 || ip_checksum(ip) != 0 || (tcp[12] >> 4) != 5)
        return -1;
    uint32_t total = get16(ip + 2);
    uint32_t f = get16(tcp) - 40000u;
    if (total < 40 || total - 40 > MSS || f >= FLOWS || get16(tcp + 2) != 80)
        return -1;
    if (get32(tcp + 4) != flows[f].seq) /* in order, nothing lost */
        return -1;
    flows[f].seq += total - 40;
    *payload += total - 40;
    return 0;
}

static int receiver(enum role role, int sock)
{
    const char *who = role == HEADER_RX ? "headers " : "payloads";
    cosmosb_bufmgr_t *m = NULL;
    cosmosb_peer_cred_t cred;
    int rc = cosmosb_bufmgr_attach_socket(sock, &m, &cred);
    if (rc != 0)
        return fail(who, "cosmosb_bufmgr_attach_socket", rc);
    if ((pid_t)cred.pid != getppid()) {
        fprintf(stderr, "[%s] the buffers did not come from my parent\n", who);
        return 1;
    }
    uint32_t me = cosmosb_arena_participant(cosmosb_bufmgr_arena(m));
    if (write_all(sock, &me, sizeof me) != 0)
        return fail(who, "write", errno);
    cosmosb_pipe_config_t cfg;
    cosmosb_pipe_t *in = NULL;
    cosmosb_pipe_config_init(&cfg);
    cfg.capacity = 256;
    cfg.slot_size = sizeof(cosmosb_window_t);
    if ((rc = cosmosb_pipe_create(&cfg, &in)) != 0 || (rc = cosmosb_pipe_share(in, sock)) != 0)
        return fail(who, "cosmosb_pipe_create/share", rc);

    struct report rep;
    memset(&rep, 0, sizeof rep);
    rep.fnv = FNV_INIT;
    struct flow flows[FLOWS];
    memset(flows, 0, sizeof flows);
    for (;;) {
        cosmosb_window_t w;
        cosmosb_msg_info_t info;
        const void *d;
        if ((rc = cosmosb_pipe_recv(in, &w, sizeof w, &info, TIMEOUT_NS)) != 0)
            return fail(who, "cosmosb_pipe_recv", rc);
        if (info.type_id == MSG_END)
            break;
        if (info.len != sizeof w)
            return fail(who, "bad message", COSMOSB_ECORRUPT);
        if (info.type_id == MSG_PROBE) {
            /* A window on the other ring: that memfd was never sent to us. */
            rc = cosmosb_window_resolve(m, &w, &d);
            int mapped = cosmosb_buffer_fd(m, w.buffer_id) >= 0;
            printf("[%s] a %s window (buffer %08x) does not resolve here: %s; that buffer is %s\n", who,
                   role == HEADER_RX ? "payload" : "header", w.buffer_id, cosmosb_strerror(rc),
                   mapped ? "MAPPED" : "not mapped in this process at all");
            if (rc == COSMOSB_ERANGE && !mapped)
                rep.probe_refused = 1;
            (void)cosmosb_window_decline(m, &w); /* give the transfer back */
            continue;
        }
        if (info.type_id == MSG_LEAK) {
            /* Single-buffer demonstration: a header window narrowed out of a whole-frame slice. */
            if ((rc = cosmosb_window_accept(m, &w)) != 0)
                return fail(who, "accept (single buffer)", rc);
            cosmosb_window_t wide = w;
            wide.length = HDR_LEN + 16; /* a forged, wider window, still inside the frame's slice */
            rc = cosmosb_window_resolve(m, &wide, &d);
            if (rc == COSMOSB_OK) {
                rep.leak_read = 1;
                printf("[%s] single buffer: my narrowed %u-byte header window, widened by hand to %u bytes, "
                       "resolves (%s) and shows payload bytes: narrowing is not isolation inside one buffer\n",
                       who, HDR_LEN, HDR_LEN + 16, cosmosb_strerror(rc));
            } else {
                printf("[%s] single buffer: the widened window did not resolve (%s)\n", who, cosmosb_strerror(rc));
            }
            (void)cosmosb_window_release(m, &w);
            continue;
        }
        if (info.type_id != MSG_WINDOW)
            return fail(who, "bad message type", COSMOSB_ECORRUPT);
        if ((rc = cosmosb_window_accept(m, &w)) != 0 || (rc = cosmosb_window_resolve(m, &w, &d)) != 0)
            return fail(who, "accept/resolve", rc);
        if (rep.frames == 0) {
            /* Boundaries, shown on the first frame: no widening past the slice, no writing. */
            cosmosb_window_t wide = w;
            void *wp;
            wide.length = w.length + RX_BUF;
            int r1 = cosmosb_window_resolve(m, &wide, &d);
            int r2 = cosmosb_window_resolve_writable(m, &w, &wp);
            printf("[%s] first window: %" PRIu64 " bytes at offset %" PRIu64 " of buffer %08x, rights %#x; "
                   "widened past its slice: %s; written: %s\n",
                   who, w.length, w.offset, w.buffer_id, w.rights, cosmosb_strerror(r1), cosmosb_strerror(r2));
            rep.widen_refused = r1 == COSMOSB_ERANGE;
            rep.write_refused = r2 == COSMOSB_EPERM;
            if ((rc = cosmosb_window_resolve(m, &w, &d)) != 0)
                return fail(who, "resolve", rc);
        }
        if (role == HEADER_RX) {
            if (check_header(d, w.length, flows, &rep.payload_bytes) != 0)
                rep.bad++;
        } else {
            rep.fnv = fnv1a(rep.fnv, d, (size_t)w.length);
            rep.payload_bytes += w.length;
        }
        rep.frames++;
        if ((rc = cosmosb_window_release(m, &w)) != 0) /* the driver may reuse the RX buffer */
            return fail(who, "release", rc);
    }
    printf("[%s] pid %d: %" PRIu64 " frames, %" PRIu64 " payload bytes%s, %u bad\n", who, (int)getpid(), rep.frames,
           rep.payload_bytes, role == HEADER_RX ? " announced by the headers" : " received", rep.bad);
    if (write_all(sock, &rep, sizeof rep) != 0)
        return fail(who, "write", errno);
    cosmosb_pipe_close(in);
    cosmosb_bufmgr_close(m);
    return 0;
}

/* ===== the driver ========================================================= */

struct peer {
    const char *name;
    pid_t pid;
    int sock;
    uint32_t dest;
    cosmosb_pipe_t *tx;
};

static int start_receiver(const char *argv0, enum role role, struct peer *p, cosmosb_bufmgr_t *m,
                          const uint32_t *ids, uint32_t nids)
{
    int sv[2], rc;
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return fail("driver  ", "socketpair", errno);
    fflush(stdout);
    p->pid = fork();
    if (p->pid < 0)
        return fail("driver  ", "fork", errno);
    if (p->pid == 0) {
        char fdarg[16];
        int fd = dup(sv[1]); /* without close-on-exec: all the receiver inherits */
        snprintf(fdarg, sizeof fdarg, "%d", fd);
        execl("/proc/self/exe", argv0, role == HEADER_RX ? "--header-rx" : "--payload-rx", fdarg, (char *)NULL);
        _exit(127);
    }
    close(sv[1]);
    p->sock = sv[0];
    cosmosb_peer_cred_t cred;
    if ((rc = cosmosb_bufmgr_share_some(m, p->sock, ids, nids)) != 0) /* only the ring it may read */
        return fail("driver  ", "cosmosb_bufmgr_share_some", rc);
    if (read_all(p->sock, &p->dest, sizeof p->dest) != 0)
        return fail("driver  ", "receiver did not answer", EIO);
    if ((rc = cosmosb_pipe_attach_socket(p->sock, &p->tx, &cred)) != 0)
        return fail("driver  ", "cosmosb_pipe_attach_socket", rc);
    if ((pid_t)cred.pid != p->pid)
        return fail("driver  ", "the pipe did not come from my child", EPERM);
    return 0;
}

/* Allocates `len` bytes in a ring, waiting while the receivers still hold its oldest slices. */
static int ring_alloc(cosmosb_bufmgr_t *m, uint32_t id, uint64_t len, cosmosb_window_t *w, void **p, uint64_t *waits)
{
    int rc;
    while ((rc = cosmosb_buffer_alloc(m, id, len, w, p)) == COSMOSB_ENOMEM) {
        (*waits)++;
        sched_yield();
    }
    return rc;
}

static int give_send(cosmosb_bufmgr_t *m, const cosmosb_window_t *w, struct peer *p, uint64_t type)
{
    cosmosb_window_t t;
    int rc;
    while ((rc = cosmosb_window_give(m, w, p->dest, &t)) == COSMOSB_ENOMEM)
        cosmosb_arena_reclaim(cosmosb_bufmgr_arena(m)); /* every transfer slot in flight: drop settled ones */
    if (rc == 0)
        rc = cosmosb_pipe_send(p->tx, type, &t, sizeof t, 0, TIMEOUT_NS);
    return rc;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc == 3 && strcmp(argv[1], "--header-rx") == 0)
        return receiver(HEADER_RX, atoi(argv[2]));
    if (argc == 3 && strcmp(argv[1], "--payload-rx") == 0)
        return receiver(PAYLOAD_RX, atoi(argv[2]));
    uint64_t nframes = 20000;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--frames") == 0 && i + 1 < argc) {
            nframes = strtoull(argv[++i], NULL, 10);
        } else {
            fprintf(stderr, "usage: %s [--frames N]\n", argv[0]);
            return 2;
        }
    }
    if (nframes == 0)
        nframes = 1;

    cosmosb_bufmgr_t *m = NULL;
    uint32_t hdr_ring, pay_ring, frame_buf;
    int rc = cosmosb_bufmgr_create(NULL, 4096, &m);
    if (rc != 0 || (rc = cosmosb_buffer_create(m, 64u * 1024u, COSMOSB_BUFFER_RING, &hdr_ring)) != 0 ||
        (rc = cosmosb_buffer_create(m, 1024u * RX_BUF, COSMOSB_BUFFER_RING, &pay_ring)) != 0 ||
        (rc = cosmosb_buffer_create(m, 64u * 1024u, COSMOSB_BUFFER_RING, &frame_buf)) != 0)
        return fail("driver  ", "cosmosb_bufmgr_create/buffer_create", rc);
    printf("[driver  ] pid %d: header ring %08x (64 KiB, slices of 64 B), payload ring %08x (1024 RX buffers of "
           "2 KiB)\n",
           (int)getpid(), hdr_ring, pay_ring);

    struct peer hp = { "headers", -1, -1, 0, NULL }, pp = { "payloads", -1, -1, 0, NULL };
    uint32_t hdr_ids[2] = { hdr_ring, frame_buf };
    if (start_receiver(argv[0], HEADER_RX, &hp, m, hdr_ids, 2) != 0 ||
        start_receiver(argv[0], PAYLOAD_RX, &pp, m, &pay_ring, 1) != 0)
        return 1;
    printf("[driver  ] header receiver pid %d got the header ring only; payload receiver pid %d got the payload "
           "ring only\n",
           (int)hp.pid, (int)pp.pid);

    uint64_t seed = UINT64_C(0x9e3779b97f4a7c15), waits = 0, payload_total = 0, fnv = FNV_INIT;
    struct flow flows[FLOWS];
    memset(flows, 0, sizeof flows);
    cosmosb_window_t probe_hdr = { 0 }, probe_pay = { 0 };
    uint64_t t0 = now_ns();
    for (uint64_t i = 0; i < nframes; i++) {
        uint32_t f = (uint32_t)(rnd(&seed) % FLOWS);
        uint32_t len = 1u + (uint32_t)(rnd(&seed) % MSS);
        cosmosb_window_t hw, pw, hn, pn;
        void *hp_, *pp_;
        /* The "NIC": headers into the header ring, the payload into an RX buffer of the payload ring. */
        if ((rc = ring_alloc(m, hdr_ring, HDR_LEN, &hw, &hp_, &waits)) != 0 ||
            (rc = ring_alloc(m, pay_ring, RX_BUF, &pw, &pp_, &waits)) != 0)
            return fail("driver  ", "cosmosb_buffer_alloc", rc);
        build_headers(hp_, f, flows[f].seq, len, (uint32_t)i);
        unsigned char *pl = pp_;
        for (uint32_t k = 0; k < len; k++)
            pl[k] = (unsigned char)(rnd(&seed) >> 56);
        flows[f].seq += len;
        fnv = fnv1a(fnv, pl, len);
        payload_total += len;
        /* Narrowed, read-only windows: exactly the headers, exactly the payload. */
        if ((rc = cosmosb_window_narrow(&hw, 0, HDR_LEN, COSMOSB_WIN_READ, &hn)) != 0 ||
            (rc = cosmosb_window_narrow(&pw, 0, len, COSMOSB_WIN_READ, &pn)) != 0)
            return fail("driver  ", "cosmosb_window_narrow", rc);
        if ((rc = give_send(m, &hn, &hp, MSG_WINDOW)) != 0 || (rc = give_send(m, &pn, &pp, MSG_WINDOW)) != 0)
            return fail("driver  ", "give/send", rc);
        if (i == nframes - 1) {
            /* The last frame is kept for the boundary probes below (an older one would stop the ring). */
            probe_hdr = hn;
            probe_pay = pn;
        } else {
            (void)cosmosb_window_release(m, &hw);
            (void)cosmosb_window_release(m, &pw);
        }
    }
    uint64_t t1 = now_ns();

    /* Boundaries: each receiver is handed a window on the other ring. */
    if ((rc = give_send(m, &probe_pay, &hp, MSG_PROBE)) != 0 || (rc = give_send(m, &probe_hdr, &pp, MSG_PROBE)) != 0)
        return fail("driver  ", "probe", rc);
    /* Single buffer: a whole frame in one slice, the header receiver given a window narrowed to the headers. */
    cosmosb_window_t fw, fn;
    void *fp;
    if ((rc = cosmosb_buffer_alloc(m, frame_buf, HDR_LEN + 64, &fw, &fp)) != 0)
        return fail("driver  ", "alloc (single buffer)", rc);
    build_headers(fp, 0, 0, 64, 0);
    memset((unsigned char *)fp + HDR_LEN, 0xab, 64);
    if ((rc = cosmosb_window_narrow(&fw, 0, HDR_LEN, COSMOSB_WIN_READ, &fn)) != 0 ||
        (rc = give_send(m, &fn, &hp, MSG_LEAK)) != 0)
        return fail("driver  ", "single buffer", rc);
    (void)cosmosb_window_release(m, &fw);
    (void)cosmosb_window_release(m, &probe_hdr);
    (void)cosmosb_window_release(m, &probe_pay);

    struct report hr, pr;
    if ((rc = cosmosb_pipe_send(hp.tx, MSG_END, NULL, 0, 0, TIMEOUT_NS)) != 0 ||
        (rc = cosmosb_pipe_send(pp.tx, MSG_END, NULL, 0, 0, TIMEOUT_NS)) != 0)
        return fail("driver  ", "end", rc);
    if (read_all(hp.sock, &hr, sizeof hr) != 0 || read_all(pp.sock, &pr, sizeof pr) != 0)
        return fail("driver  ", "a receiver did not report", EIO);
    int hs = 0, ps = 0;
    waitpid(hp.pid, &hs, 0);
    waitpid(pp.pid, &ps, 0);
    double secs = (double)(t1 - t0) / 1e9;
    printf("[driver  ] %" PRIu64 " frames, %" PRIu64 " payload bytes in %.3f s (%.2f M frames/s, %.2f Gbit/s of "
           "payload); waited for a ring %" PRIu64 " times\n",
           nframes, payload_total, secs, (double)nframes / secs / 1e6, (double)payload_total * 8 / secs / 1e9, waits);

    cosmosb_arena_poll(cosmosb_bufmgr_arena(m), NULL);
    cosmosb_buffer_stats_t hs_st, ps_st;
    cosmosb_buffer_stats(m, hdr_ring, &hs_st);
    cosmosb_buffer_stats(m, pay_ring, &ps_st);

    int ok = 1;
#define CHECK(cond, text)                                                                                            \
    do {                                                                                                             \
        int c_ = (cond);                                                                                             \
        printf("check: %-72s %s\n", text, c_ ? "ok" : "FAILED");                                                     \
        ok &= c_;                                                                                                    \
    } while (0)
    CHECK(WIFEXITED(hs) && WEXITSTATUS(hs) == 0 && WIFEXITED(ps) && WEXITSTATUS(ps) == 0, "both receivers exited 0");
    CHECK(hr.frames == nframes && hr.bad == 0, "header receiver: every header valid, in order per flow");
    CHECK(hr.payload_bytes == payload_total, "header receiver: announced payload bytes = bytes sent");
    CHECK(pr.frames == nframes && pr.payload_bytes == payload_total, "payload receiver: every payload byte");
    CHECK(pr.fnv == fnv, "payload receiver: FNV-1a 64 of the payloads = the driver's");
    CHECK(hr.probe_refused, "header receiver cannot resolve a payload window (ring not mapped)");
    CHECK(pr.probe_refused, "payload receiver cannot resolve a header window (ring not mapped)");
    CHECK(hr.widen_refused && pr.widen_refused, "neither can widen a window past its slice");
    CHECK(hr.write_refused && pr.write_refused, "neither can write through a window");
    CHECK(hr.leak_read, "single buffer: a widened header window reaches the payload (hence the split)");
    CHECK(hs_st.slices == 0 && ps_st.slices == 0, "every RX buffer came back to the driver");
    printf("%s\n", ok ? "packet-ring: all checks passed" : "packet-ring: FAILED");
    cosmosb_pipe_close(hp.tx);
    cosmosb_pipe_close(pp.tx);
    cosmosb_bufmgr_close(m);
    return ok ? 0 : 1;
}
