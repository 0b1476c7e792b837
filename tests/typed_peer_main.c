/*
 * typed_peer_main.c - cosmosb_test_typed_peer, exec'd by test_typed_process.
 *
 * usage: cosmosb_test_typed_peer send|recv FD COUNT [copy|inplace]
 *   send  FD is a connected UNIX socket: receive the pipe with
 *         cosmosb_pipe_attach_socket() (the sender must be our parent), send
 *         messages 0..COUNT-1 of the typed stream (test_typed_stream.h) and close.
 *   recv  create a pipe, share it over FD, receive COUNT messages of the
 *         stream with a receiver that accepts only the base types (in the
 *         given trust mode), check each one and the counters.
 * Exit status: 0 success, 2 usage, 3 a check failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"
#include "test_typed_stream.h"

static int do_send(int fd, uint64_t count)
{
    cosmosb_pipe_t *p = NULL;
    cosmosb_peer_cred_t cred;
    memset(&cred, 0, sizeof cred);
    CHILD_CHECK_RC(cosmosb_pipe_attach_socket(fd, &p, &cred), COSMOSB_OK);
    CHILD_CHECK(cred.pid == (int32_t)getppid());
    _Alignas(8) uint8_t buf[1024];
    for (uint64_t i = 0; i < count; i++) {
        tstream_fill(i, buf);
        CHILD_CHECK_RC(cosmosb_typed_send(p, tstream_type(i), buf, 0, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK);
    }
    cosmosb_pipe_close(p);
    return 0;
}

static int do_recv(int fd, uint64_t count, uint32_t trust)
{
    cosmosb_pipe_config_t pcfg;
    CHILD_CHECK_RC(cosmosb_pipe_config_init(&pcfg), COSMOSB_OK);
    pcfg.capacity = 64;
    pcfg.slot_size = 512;
    cosmosb_pipe_t *c = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_create(&pcfg, &c), COSMOSB_OK);
    CHILD_CHECK_RC(cosmosb_pipe_share(c, fd), COSMOSB_OK);
    cosmosb_receiver_config_t cfg;
    CHILD_CHECK_RC(cosmosb_receiver_config_init(&cfg), COSMOSB_OK);
    cfg.trust = trust;
    size_t sz = cosmosb_receiver_memsize(&cfg);
    void *mem = aligned_alloc(8, (sz + 7u) & ~(size_t)7u);
    cosmosb_receiver_t *rx = NULL;
    CHILD_CHECK_RC(cosmosb_receiver_init(mem, sz, c, &cfg, &rx), COSMOSB_OK);
    for (size_t k = 0; k < TSTREAM_NACCEPTED; k++)
        CHILD_CHECK_RC(cosmosb_receiver_accept(rx, tstream_accepted[k], NULL, NULL), COSMOSB_OK);
    uint64_t i = 0;
    cosmosb_receiver_stats_t st;
    for (;;) {
        CHILD_CHECK_RC(cosmosb_receiver_stats(rx, &st), COSMOSB_OK);
        if (st.delivered + st.rejected_total >= count)
            break;
        cosmosb_typed_msg_t msg;
        int rc = cosmosb_receiver_recv(rx, &msg, 10000000000ull);
        if (rc == COSMOSB_ECLOSED)
            break;
        CHILD_CHECK_RC(rc, COSMOSB_OK);
        while (tstream_bad(i))
            i++; /* rejected on the way */
        int line = tstream_check(i, &msg);
        if (line) {
            fprintf(stderr, "typed peer: message %llu wrong (test_typed_stream.h:%d)\n", (unsigned long long)i, line);
            _exit(3);
        }
        CHILD_CHECK(msg.in_place == ((trust == COSMOSB_TRUST_IN_PLACE && msg.len >= msg.schema->size) ? 1u : 0u));
        CHILD_CHECK_RC(cosmosb_receiver_release(rx, &msg), COSMOSB_OK);
        i++;
    }
    uint64_t anc, bad;
    tstream_expect(count, &anc, &bad);
    CHILD_CHECK_RC(cosmosb_receiver_stats(rx, &st), COSMOSB_OK);
    CHILD_CHECK(st.delivered == count - bad);
    CHILD_CHECK(st.rejected_total == bad);
    CHILD_CHECK(st.rejected[COSMOSB_REJECT_BOOL] == bad);
    CHILD_CHECK(st.delivered_as_ancestor == anc);
    cosmosb_pipe_close(c);
    free(mem);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s send|recv FD COUNT [copy|inplace]\n", argv[0]);
        return 2;
    }
    alarm(300); /* hang guard */
    int fd = atoi(argv[2]);
    uint64_t count = strtoull(argv[3], NULL, 10);
    if (strcmp(argv[1], "send") == 0)
        return do_send(fd, count);
    if (strcmp(argv[1], "recv") == 0) {
        uint32_t trust = argc > 4 && strcmp(argv[4], "inplace") == 0 ? COSMOSB_TRUST_IN_PLACE : COSMOSB_TRUST_COPY;
        return do_recv(fd, count, trust);
    }
    fprintf(stderr, "%s: unknown mode %s\n", argv[0], argv[1]);
    return 2;
}
