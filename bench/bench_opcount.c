/*
 * bench_opcount.c: instructions per send and per receive, counted by
 * valgrind --tool=callgrind (exact and stable on a noisy machine, unlike
 * time). cosmosb-bench runs itself under callgrind as
 * `cosmosb-bench --opcount-child MECH CYCLES`, once per phase, with
 * --toggle-collect selecting that phase's function, and divides the
 * instructions collected by the operations done. Everything runs in one
 * process (the ring is filled, then drained), so no operation ever waits:
 * these are the costs of the fast path of a send and of a receive of one
 * 64-byte message, including the copy in or out and the phase loop
 * (a few instructions per operation, the same for every system).
 */
#include "bench_internal.h"
#include "bench_peers.h"

#include <cosmosb/cosmosb.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define OPC_N 512u /* operations per phase; the rings hold 1024 */
#define OPC_TYPE UINT64_C(0xb0b0000000000003)

/* ---- the ideal ring (a bare Lamport ring in this process) ------------------- */

struct opc_ring {
    _Alignas(64) _Atomic uint64_t tail;
    _Alignas(64) _Atomic uint64_t head;
    _Alignas(64) unsigned char slots[1024 * 64];
};

__attribute__((noinline)) void bench_opc_ideal_send(struct opc_ring *r, unsigned n);
__attribute__((noinline)) void bench_opc_ideal_recv(struct opc_ring *r, unsigned n);

void bench_opc_ideal_send(struct opc_ring *r, unsigned n)
{
    unsigned char m[64];
    memset(m, 0x5a, sizeof m);
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    for (unsigned i = 0; i < n; i++) {
        /* Acquire: the consumer's reads of the slot are done. */
        if (t - atomic_load_explicit(&r->head, memory_order_acquire) >= 1024)
            abort();
        memcpy(m, &i, sizeof i);
        memcpy(r->slots + (t & 1023) * 64, m, 64);
        /* Release: the slot before the index. */
        atomic_store_explicit(&r->tail, ++t, memory_order_release);
    }
}

void bench_opc_ideal_recv(struct opc_ring *r, unsigned n)
{
    unsigned char m[64];
    uint64_t h = atomic_load_explicit(&r->head, memory_order_relaxed);
    for (unsigned i = 0; i < n; i++) {
        /* Acquire: pairs with the producer's release of tail. */
        if (atomic_load_explicit(&r->tail, memory_order_acquire) == h)
            abort();
        memcpy(m, r->slots + (h & 1023) * 64, 64);
        __asm__ __volatile__("" : : "r"(m) : "memory");
        atomic_store_explicit(&r->head, ++h, memory_order_release);
    }
}

/* ---- libcosmosb --------------------------------------------------------------- */

__attribute__((noinline)) void bench_opc_cosmosb_send(cosmosb_pipe_t *tx, unsigned n);
__attribute__((noinline)) void bench_opc_cosmosb_recv(cosmosb_pipe_t *rx, unsigned n);
__attribute__((noinline)) void bench_opc_cosmosb_send32(cosmosb_pipe_t *tx, unsigned n);
__attribute__((noinline)) void bench_opc_cosmosb_recv32(cosmosb_pipe_t *rx, unsigned n);

void bench_opc_cosmosb_send(cosmosb_pipe_t *tx, unsigned n)
{
    unsigned char m[64];
    memset(m, 0x5a, sizeof m);
    for (unsigned i = 0; i < n; i++) {
        memcpy(m, &i, sizeof i);
        if (cosmosb_pipe_send(tx, OPC_TYPE, m, sizeof m, 0, 0) != COSMOSB_OK)
            abort();
    }
}

void bench_opc_cosmosb_recv(cosmosb_pipe_t *rx, unsigned n)
{
    unsigned char m[64];
    cosmosb_msg_info_t info;
    for (unsigned i = 0; i < n; i++) {
        if (cosmosb_pipe_recv(rx, m, sizeof m, &info, 0) != COSMOSB_OK)
            abort();
        __asm__ __volatile__("" : : "r"(m) : "memory");
    }
}

void bench_opc_cosmosb_send32(cosmosb_pipe_t *tx, unsigned n)
{
    static unsigned char m[32][64];
    cosmosb_send_item_t items[32];
    for (unsigned j = 0; j < 32; j++)
        items[j] = (cosmosb_send_item_t){ .type_id = OPC_TYPE, .data = m[j], .len = 64 };
    for (unsigned i = 0; i < n; i += 32) {
        memcpy(m[0], &i, sizeof i);
        if (cosmosb_pipe_send_batch(tx, items, 32, 0, 0) != 32)
            abort();
    }
}

void bench_opc_cosmosb_recv32(cosmosb_pipe_t *rx, unsigned n)
{
    static unsigned char m[32][64];
    cosmosb_recv_item_t items[32];
    memset(items, 0, sizeof items);
    for (unsigned j = 0; j < 32; j++) {
        items[j].buf = m[j];
        items[j].buf_size = 64;
    }
    for (unsigned i = 0; i < n; i += 32) {
        if (cosmosb_pipe_recv_batch(rx, items, 32, 0, 0) != 32)
            abort();
        __asm__ __volatile__("" : : "r"(m) : "memory");
    }
}

/* ---- the child: fill and drain `cycles` times --------------------------------- */

int bench_opcount_child(const char *mech, long cycles)
{
    if (strcmp(mech, "ideal") == 0) {
        struct opc_ring *r = aligned_alloc(64, sizeof *r);
        if (!r)
            return 1;
        memset(r, 0, sizeof *r);
        for (long c = 0; c < cycles; c++) {
            bench_opc_ideal_send(r, OPC_N);
            bench_opc_ideal_recv(r, OPC_N);
        }
        free(r);
        return 0;
    }
    if (strcmp(mech, "cosmosb") == 0 || strcmp(mech, "cosmosb32") == 0) {
        cosmosb_pipe_config_t cfg;
        cosmosb_pipe_t *rx = NULL, *tx = NULL;
        cosmosb_pipe_config_init(&cfg);
        cfg.capacity = 1024;
        cfg.slot_size = 64;
        int rc = cosmosb_pipe_create(&cfg, &rx);
        if (rc == COSMOSB_OK)
            rc = cosmosb_pipe_attach(cosmosb_pipe_fd(rx), cosmosb_pipe_eventfd(rx), &tx);
        if (rc != COSMOSB_OK) {
            fprintf(stderr, "opcount: %s\n", cosmosb_strerror(rc));
            return 1;
        }
        bool b32 = strcmp(mech, "cosmosb32") == 0;
        for (long c = 0; c < cycles; c++) {
            if (b32) {
                bench_opc_cosmosb_send32(tx, OPC_N);
                bench_opc_cosmosb_recv32(rx, OPC_N);
            } else {
                bench_opc_cosmosb_send(tx, OPC_N);
                bench_opc_cosmosb_recv(rx, OPC_N);
            }
        }
        cosmosb_pipe_close(tx);
        cosmosb_pipe_close(rx);
        return 0;
    }
#ifdef COSMOSB_BENCH_HAVE_CK
    if (strcmp(mech, "ck") == 0) {
        void *r = bench_opc_ck_new();
        if (!r)
            return 1;
        for (long c = 0; c < cycles; c++) {
            bench_opc_ck_send(r, OPC_N);
            bench_opc_ck_recv(r, OPC_N);
        }
        return 0;
    }
#endif
#ifdef COSMOSB_BENCH_HAVE_DPDK
    if (strcmp(mech, "rte") == 0 || strcmp(mech, "rte32") == 0) {
        void *r = bench_opc_rte_new();
        if (!r)
            return 1;
        bool b32 = strcmp(mech, "rte32") == 0;
        for (long c = 0; c < cycles; c++) {
            if (b32) {
                bench_opc_rte_send32(r, OPC_N);
                bench_opc_rte_recv32(r, OPC_N);
            } else {
                bench_opc_rte_send(r, OPC_N);
                bench_opc_rte_recv(r, OPC_N);
            }
        }
        return 0;
    }
#endif
    fprintf(stderr, "opcount: unknown mechanism %s\n", mech);
    return 2;
}

/* ---- the report: run the child under callgrind -------------------------------- */

/* Runs callgrind on `self --opcount-child mech cycles`, collecting only in `fn`;
 * returns the instructions collected, or -1. */
static double callgrind_ir(const char *self, const char *mech, long cycles, const char *fn)
{
    char out[128], toggle[160], cyc[32], log[128];
    snprintf(out, sizeof out, "/tmp/cosmosb-bench-callgrind-%ld.out", (long)getpid());
    snprintf(log, sizeof log, "/tmp/cosmosb-bench-callgrind-%ld.log", (long)getpid());
    snprintf(toggle, sizeof toggle, "--toggle-collect=%s", fn);
    snprintf(cyc, sizeof cyc, "%ld", cycles);
    char outarg[160], logarg[160];
    snprintf(outarg, sizeof outarg, "--callgrind-out-file=%s", out);
    snprintf(logarg, sizeof logarg, "--log-file=%s", log);
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execlp("valgrind", "valgrind", "--tool=callgrind", toggle, outarg, logarg, self, "--opcount-child", mech,
               cyc, (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
        unlink(log);
        unlink(out);
        return -1;
    }
    double ir = -1;
    FILE *f = fopen(out, "r");
    if (f) {
        char line[512];
        while (fgets(line, sizeof line, f)) {
            unsigned long long v;
            if (sscanf(line, "summary: %llu", &v) == 1 || sscanf(line, "totals: %llu", &v) == 1)
                ir = (double)v;
        }
        fclose(f);
    }
    unlink(out);
    unlink(log);
    return ir;
}

static void fmt_count(char *buf, size_t len, double v)
{
    if (v < 0)
        snprintf(buf, len, "error");
    else
        snprintf(buf, len, "%.1f", v);
}

int bench_opcount_report(const bench_peers_opts_t *o)
{
    static const struct {
        const char *mech, *name, *send_fn, *recv_fn;
    } cases[] = {
        { "ideal", "ideal bare SPSC ring (inline code, no function calls)", "bench_opc_ideal_send",
          "bench_opc_ideal_recv" },
        { "cosmosb", "**libcosmosb** cosmosb_pipe_send / cosmosb_pipe_recv", "bench_opc_cosmosb_send",
          "bench_opc_cosmosb_recv" },
        { "cosmosb32", "**libcosmosb** send_batch / recv_batch of 32, per message", "bench_opc_cosmosb_send32",
          "bench_opc_cosmosb_recv32" },
#ifdef COSMOSB_BENCH_HAVE_CK
        { "ck", "Concurrency Kit ck_ring_enqueue_spsc / dequeue_spsc (typed, by value)", "bench_opc_ck_send",
          "bench_opc_ck_recv" },
#endif
#ifdef COSMOSB_BENCH_HAVE_DPDK
        { "rte", "DPDK rte_ring_enqueue_elem / dequeue_elem (SP/SC)", "bench_opc_rte_send", "bench_opc_rte_recv" },
        { "rte32", "DPDK rte_ring burst of 32, per message", "bench_opc_rte_send32", "bench_opc_rte_recv32" },
#endif
    };
    long cycles = o->quick ? 4 : 40;
    int fails = 0;
    if (!o->self_exe) {
        fprintf(stderr, "cosmosb-bench: opcount needs the path of this program\n");
        return 1;
    }
    printf("### Instructions per operation (valgrind --tool=callgrind), 64-byte messages\n\n");
    double res[sizeof cases / sizeof cases[0]][2];
    bool have_valgrind = system("valgrind --version >/dev/null 2>&1") == 0;
    if (!have_valgrind) {
        printf("valgrind is not installed (apt-get install valgrind): instruction counts left out.\n\n");
        return 0;
    }
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int op = 0; op < 2; op++) {
            const char *fn = op ? cases[i].recv_fn : cases[i].send_fn;
            bench_progress("[peers: callgrind] %-40s ", fn);
            double ir = callgrind_ir(o->self_exe, cases[i].mech, cycles, fn);
            res[i][op] = ir < 0 ? -1 : ir / ((double)cycles * OPC_N);
            if (ir < 0) {
                bench_progress("FAILED\n");
                fprintf(stderr, "cosmosb-bench: callgrind of %s failed\n", fn);
                fails++;
            } else {
                bench_progress("%8.1f instructions per operation\n", res[i][op]);
            }
        }
    }
    printf("%ld cycles of %u sends then %u receives in one process (no waiting); the count includes copying the "
           "64-byte message in or out and the loop around the call (the same few instructions for every row). "
           "Exact and repeatable: this machine's noise does not change it.\n\n",
           cycles, OPC_N, OPC_N);
    printf("| operation | send | receive | send + receive | vs libcosmosb |\n|---|---:|---:|---:|---:|\n");
    double ref = res[1][0] > 0 && res[1][1] > 0 ? res[1][0] + res[1][1] : -1;
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char a[32], b[32], c[32], d[32];
        double sum = res[i][0] > 0 && res[i][1] > 0 ? res[i][0] + res[i][1] : -1;
        fmt_count(a, sizeof a, res[i][0]);
        fmt_count(b, sizeof b, res[i][1]);
        fmt_count(c, sizeof c, sum);
        if (i == 1 || sum < 0 || ref < 0)
            snprintf(d, sizeof d, "%s", i == 1 ? "1.00x" : "n/a");
        else
            snprintf(d, sizeof d, "%.2fx", sum / ref);
        printf("| %s | %s | %s | %s | %s |\n", cases[i].name, a, b, c, d);
    }
    printf("\n\"vs libcosmosb\": the system's send + receive divided by libcosmosb's single send + receive "
           "(below 1.00x the system executes fewer instructions).\n\n");
    return fails;
}
