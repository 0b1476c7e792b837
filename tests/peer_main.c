/*
 * peer_main.c - cosmosb_test_peer, a producer exec'd by test_pipe_process.
 *
 * usage: cosmosb_test_peer MODE FD COUNT
 *   socket  FD is a connected UNIX socket: receive the pipe with
 *           cosmosb_pipe_attach_socket(), check the sender is our parent and
 *           runs as our user, send an acknowledgement (an fd, tag = our pid)
 *           so the parent can check our credentials, then send COUNT
 *           messages and close.
 *   die     as socket, but SIGKILL ourselves after the last message.
 *   inherit FD is the pipe's region fd, inherited across exec: attach with
 *           cosmosb_pipe_attach() and send COUNT messages, then close.
 * Message i: type id i, payload tu_fill(producer 7, seq i), length tu_len(i, 64).
 * Exit status: 0 success, 2 usage, 3 a check failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

int main(int argc, char **argv)
{
    if (argc != 4) {
        fprintf(stderr, "usage: %s socket|die|inherit FD COUNT\n", argv[0]);
        return 2;
    }
    const char *mode = argv[1];
    int fd = atoi(argv[2]);
    uint64_t count = strtoull(argv[3], NULL, 10);
    alarm(300); /* hang guard */
    cosmosb_pipe_t *p = NULL;
    if (strcmp(mode, "socket") == 0 || strcmp(mode, "die") == 0) {
        cosmosb_peer_cred_t cred;
        memset(&cred, 0, sizeof cred);
        CHILD_CHECK_RC(cosmosb_pipe_attach_socket(fd, &p, &cred), COSMOSB_OK);
        CHILD_CHECK(cred.pid == (int32_t)getppid());
        CHILD_CHECK(cred.uid == (uint32_t)getuid());
        CHILD_CHECK(cred.gid == (uint32_t)getgid());
        CHILD_CHECK(cosmosb_pipe_role(p) == COSMOSB_ROLE_PRODUCER);
        int ack = cosmosb_pipe_fd(p);
        CHILD_CHECK(ack >= 0);
        CHILD_CHECK_RC(cosmosb_fd_send(fd, &ack, 1, (uint32_t)getpid()), COSMOSB_OK);
    } else if (strcmp(mode, "inherit") == 0) {
        CHILD_CHECK_RC(cosmosb_pipe_attach(fd, -1, &p), COSMOSB_OK);
    } else {
        fprintf(stderr, "%s: unknown mode %s\n", argv[0], mode);
        return 2;
    }
    uint8_t msg[64];
    for (uint64_t i = 0; i < count; i++) {
        uint32_t len = tu_len(i, 64);
        tu_fill(msg, len, 7, i);
        CHILD_CHECK_RC(cosmosb_pipe_send(p, i, msg, len, 0, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK);
    }
    if (strcmp(mode, "die") == 0)
        raise(SIGKILL);
    cosmosb_pipe_close(p);
    return 0;
}
