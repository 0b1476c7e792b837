/*
 * test_liveness.c - liveness locks (lib/os/linux/liveness.c): a peer whose
 * pid lives on but who can no longer use the shared memory (it called
 * exec(), or its pid now names another process) is dead to the survivors,
 * and nobody alive is taken for dead: a participant whose forked child
 * execs, or that closes one of two handles, keeps its lock; one killed
 * while a forked child holds a copy of its descriptor is still dead.
 *
 * Each child that execs runs `sleep` and is checked to be still running
 * when the survivor has declared it dead, so a failed exec cannot pass.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <sched.h>
#include <sys/prctl.h>
#include <sys/socket.h>

#include "cosmosb/cosmosb.h"
#include "test_util.h"

#define OBJ_TYPE 0x11feu

static void say(int fd)
{
    char c = 1;
    if (write(fd, &c, 1) != 1)
        _exit(4);
}

/* Waits for one byte (or EOF) on fd. */
static int hear(int fd)
{
    char c;
    ssize_t n;
    do
        n = read(fd, &c, 1);
    while (n < 0 && errno == EINTR);
    return n == 1;
}

static void exec_sleep(void)
{
    execlp("sleep", "sleep", "30", (char *)NULL);
    _exit(5);
}

/* Is pid still running (not exited, not a zombie we could reap)? */
static int running(pid_t pid)
{
    int st;
    return waitpid(pid, &st, WNOHANG) == 0;
}

static void stop(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static cosmosb_arena_t *new_arena(void)
{
    cosmosb_arena_config_t cfg;
    ASSERT_RC(cosmosb_arena_config_init(&cfg), COSMOSB_OK);
    cfg.data_size = 1u << 20;
    cfg.block_size = 64u << 10;
    cfg.max_participants = 8;
    cfg.max_transfers = 16;
    cosmosb_arena_t *a = NULL;
    ASSERT_RC(cosmosb_arena_create(&cfg, &a), COSMOSB_OK);
    return a;
}

static cosmosb_arena_stats_t arena_stats(cosmosb_arena_t *a)
{
    cosmosb_arena_stats_t st;
    ASSERT_RC(cosmosb_arena_stats(a, &st), COSMOSB_OK);
    return st;
}

/* In a child: joins the inherited arena, allocates and freezes n objects and keeps them. */
static cosmosb_arena_t *child_join_and_hold(cosmosb_arena_t *parent, uint32_t n)
{
    cosmosb_arena_t *me = NULL;
    CHILD_CHECK_RC(cosmosb_arena_fork_join(parent, &me), COSMOSB_OK);
    cosmosb_arena_forget(parent);
    for (uint32_t i = 0; i < n; i++) {
        cosmosb_ref_t r;
        void *d;
        CHILD_CHECK_RC(cosmosb_arena_alloc(me, OBJ_TYPE, 100, 0, &r, &d), COSMOSB_OK);
        memset(d, 0x5a, 100);
        CHILD_CHECK_RC(cosmosb_arena_freeze(me, &r), COSMOSB_OK);
    }
    return me;
}

/* Polls a for up to ms milliseconds; returns the participants reaped. */
static uint32_t poll_for(cosmosb_arena_t *a, unsigned ms, uint32_t want)
{
    uint32_t total = 0;
    uint64_t end = tu_now_ns() + (uint64_t)ms * 1000000u;
    do {
        uint32_t n = 0;
        ASSERT_RC(cosmosb_arena_poll(a, &n), COSMOSB_OK);
        total += n;
        if (total >= want)
            break;
        tu_sleep_ms(5);
    } while (tu_now_ns() < end);
    return total;
}

/* ---- arenas ------------------------------------------------------------- */

Test(liveness, an_arena_participant_that_calls_exec_is_reaped)
{
    cosmosb_arena_t *a = new_arena();
    cosmosb_arena_stats_t base = arena_stats(a);
    int ready[2], go[2];
    cr_assert(pipe(ready) == 0 && pipe(go) == 0);
    pid_t c = fork();
    cr_assert(c >= 0);
    if (c == 0) {
        (void)child_join_and_hold(a, 10);
        say(ready[1]);
        hear(go[0]);
        exec_sleep();
    }
    cr_assert(hear(ready[0]), "the child failed before it held its objects");
    cosmosb_arena_stats_t held = arena_stats(a);
    cr_assert_eq(held.live_objects, base.live_objects + 10);
    cr_assert_eq(poll_for(a, 100, 1), 0, "a live participant was reaped");
    say(go[1]);
    uint32_t reaped = poll_for(a, 5000, 1);
    int alive = running(c);
    stop(c);
    cr_assert(alive, "the child did not exec (it exited): the test proves nothing");
    cr_assert_eq(reaped, 1, "a participant that called exec() was not reaped (its pid lives on)");
    cosmosb_arena_stats_t after = arena_stats(a);
    cr_assert_eq(after.live_objects, base.live_objects);
    cr_assert_eq(after.bytes_in_use, base.bytes_in_use);
    cr_assert_eq(after.participants, base.participants);
    cosmosb_arena_close(a);
}

Test(liveness, a_participant_killed_while_a_forked_child_keeps_its_descriptors_is_reaped)
{
    /* The child inherits the participant's open file description, lock included: the lock then
     * outlives the participant, and only its dead pid tells. */
    cosmosb_arena_t *a = new_arena();
    cosmosb_arena_stats_t base = arena_stats(a);
    int ready[2];
    cr_assert(pipe(ready) == 0);
    pid_t c = fork();
    cr_assert(c >= 0);
    if (c == 0) {
        (void)child_join_and_hold(a, 5);
        pid_t k = fork();
        CHILD_CHECK(k >= 0);
        if (k == 0) {
            pause();
            _exit(0);
        }
        CHILD_CHECK(write(ready[1], &k, sizeof k) == (ssize_t)sizeof k); /* the grandchild's pid */
        pause();
        _exit(0);
    }
    pid_t k = 0;
    cr_assert(read(ready[0], &k, sizeof k) == (ssize_t)sizeof k && k > 0, "the child failed");
    cr_assert_eq(poll_for(a, 100, 1), 0, "a live participant was reaped");
    stop(c);
    uint32_t reaped = poll_for(a, 5000, 1);
    int kid = kill(k, 0) == 0;
    kill(k, SIGKILL);
    cr_assert(kid, "the grandchild is gone: the test proves nothing");
    cr_assert_eq(reaped, 1, "a killed participant whose forked child lives on was not reaped");
    cr_assert_eq(arena_stats(a).live_objects, base.live_objects);
    cosmosb_arena_close(a);
}

enum stay { FORKED_CHILD_EXECS, OTHER_HANDLE_CLOSED };

/*
 * A child joins and holds objects, then does what `how` says (which must not
 * cost it its lock), and the survivor polls for 300 ms: nobody is reaped.
 */
static void check_stays_alive(enum stay how, const char *what)
{
    cosmosb_arena_t *a = new_arena();
    int ready[2], go[2];
    cr_assert(pipe(ready) == 0 && pipe(go) == 0);
    pid_t c = fork();
    cr_assert(c >= 0);
    if (c == 0) {
        pid_t k = -1;
        cosmosb_arena_t *second = NULL;
        if (how == OTHER_HANDLE_CLOSED)
            CHILD_CHECK_RC(cosmosb_arena_fork_join(a, &second), COSMOSB_OK);
        cosmosb_arena_t *me = child_join_and_hold(a, 3);
        if (how == OTHER_HANDLE_CLOSED) {
            cosmosb_arena_close(second); /* its lock goes; the same byte stays locked by me's */
        } else {
            k = fork(); /* the grandchild's exec closes its copy of me's lock descriptor */
            CHILD_CHECK(k >= 0);
            if (k == 0)
                exec_sleep();
            tu_sleep_ms(100); /* let it exec */
            CHILD_CHECK(waitpid(k, NULL, WNOHANG) == 0);
        }
        say(ready[1]);
        hear(go[0]);
        if (k > 0)
            stop(k);
        cosmosb_arena_close(me);
        _exit(0);
    }
    cr_assert(hear(ready[0]), "the child failed");
    uint32_t before = arena_stats(a).participants;
    uint32_t reaped = poll_for(a, 300, 1);
    say(go[1]);
    int status = 0;
    waitpid(c, &status, 0);
    cr_assert_eq(before, 2);
    cr_assert_eq(reaped, 0, "a live participant was reaped after %s", what);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %d", status);
    cosmosb_arena_close(a);
}

Test(liveness, a_participant_whose_forked_child_execs_stays_alive)
{
    /* A process-wide POSIX lock would go with the grandchild's close-on-exec. */
    check_stays_alive(FORKED_CHILD_EXECS, "its forked child called exec()");
}

Test(liveness, a_process_that_closes_one_of_two_handles_stays_alive)
{
    /* A POSIX lock would go with the first close of any descriptor of the file. */
    check_stays_alive(OTHER_HANDLE_CLOSED, "it closed its other handle");
}

Test(liveness, a_pid_is_found_whatever_the_liveness_flag)
{
    cosmosb_arena_t *a = new_arena();
    cosmosb_arena_participant_stats_t ps;
    ASSERT_RC(cosmosb_arena_participant_stats(a, cosmosb_arena_participant(a), &ps), COSMOSB_OK);
    cr_assert_eq(ps.self_id & 0x3fffffffu, (uint32_t)getpid());
    cr_assert(ps.self_id & 0x40000000u, "no liveness lock was taken (is /proc mounted?)");
    uint32_t p = 99;
    ASSERT_RC(cosmosb_arena_find_participant(a, (uint32_t)getpid(), &p), COSMOSB_OK);
    cr_assert_eq(p, cosmosb_arena_participant(a));
    cosmosb_arena_close(a);
}

/* ---- pipes -------------------------------------------------------------- */

static cosmosb_pipe_t *new_pipe(void)
{
    cosmosb_pipe_config_t cfg;
    ASSERT_RC(cosmosb_pipe_config_init(&cfg), COSMOSB_OK);
    cfg.capacity = 8;
    cosmosb_pipe_t *p = NULL;
    ASSERT_RC(cosmosb_pipe_create(&cfg, &p), COSMOSB_OK);
    return p;
}

Test(liveness, a_producer_that_calls_exec_is_reported_dead)
{
    cosmosb_pipe_t *cons = new_pipe();
    int go[2];
    cr_assert(pipe(go) == 0);
    pid_t c = fork();
    cr_assert(c >= 0);
    if (c == 0) {
        cosmosb_pipe_t *prod = NULL;
        CHILD_CHECK_RC(cosmosb_pipe_attach(cosmosb_pipe_fd(cons), -1, &prod), COSMOSB_OK);
        uint64_t v = 42;
        CHILD_CHECK_RC(cosmosb_pipe_send(prod, 1, &v, sizeof v, 0, COSMOSB_TIMEOUT_FOREVER), COSMOSB_OK);
        hear(go[0]);
        exec_sleep();
    }
    uint64_t v = 0;
    cosmosb_msg_info_t info;
    ASSERT_RC(cosmosb_pipe_recv(cons, &v, sizeof v, &info, 5000000000ull), COSMOSB_OK);
    cr_assert_eq(v, 42);
    ASSERT_RC(cosmosb_pipe_recv(cons, &v, sizeof v, &info, 300000000ull), COSMOSB_ETIMEDOUT);
    say(go[1]);
    int rc = cosmosb_pipe_recv(cons, &v, sizeof v, &info, 5000000000ull);
    int alive = running(c);
    stop(c);
    cr_assert(alive, "the child did not exec (it exited): the test proves nothing");
    cr_assert_eq(rc, COSMOSB_EPEERDEAD, "recv returned %s, expected EPEERDEAD (the producer called exec())",
                 cosmosb_err_name(rc));
    cosmosb_pipe_close(cons);
}

Test(liveness, a_consumer_that_calls_exec_is_reported_dead)
{
    int sv[2], go[2];
    cr_assert(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0 && pipe(go) == 0);
    pid_t c = fork();
    cr_assert(c >= 0);
    if (c == 0) {
        cosmosb_pipe_config_t cfg;
        CHILD_CHECK_RC(cosmosb_pipe_config_init(&cfg), COSMOSB_OK);
        cfg.capacity = 8;
        cosmosb_pipe_t *cons = NULL;
        CHILD_CHECK_RC(cosmosb_pipe_create(&cfg, &cons), COSMOSB_OK);
        CHILD_CHECK_RC(cosmosb_pipe_share(cons, sv[1]), COSMOSB_OK);
        hear(go[0]);
        exec_sleep();
    }
    cosmosb_pipe_t *prod = NULL;
    ASSERT_RC(cosmosb_pipe_attach_socket(sv[0], &prod, NULL), COSMOSB_OK);
    uint64_t v = 7;
    int rc;
    while ((rc = cosmosb_pipe_send(prod, 1, &v, sizeof v, 0, 0)) == COSMOSB_OK) {
    }
    ASSERT_RC(rc, COSMOSB_EFULL);
    ASSERT_RC(cosmosb_pipe_send(prod, 1, &v, sizeof v, 0, 300000000ull), COSMOSB_ETIMEDOUT);
    say(go[1]);
    rc = cosmosb_pipe_send(prod, 1, &v, sizeof v, 0, 5000000000ull);
    int alive = running(c);
    stop(c);
    cr_assert(alive, "the child did not exec (it exited): the test proves nothing");
    cr_assert_eq(rc, COSMOSB_EPEERDEAD, "send returned %s, expected EPEERDEAD (the consumer called exec())",
                 cosmosb_err_name(rc));
    cosmosb_pipe_close(prod);
}

/*
 * A producer in another pid namespace (its pid is 1 there; ours is init).
 * Asked by pid, the consumer took it for alive after its death, for ever,
 * and the producer took the live consumer for dead (its pid names nobody
 * in the producer's namespace). Needs CAP_SYS_ADMIN for
 * unshare(CLONE_NEWPID); skipped without it.
 */
struct ns_pipe {
    cosmosb_pipe_t *cons;
    int wr;
};

static void report(int fd, char what, int32_t v)
{
    uint8_t msg[5] = {(uint8_t)what};
    memcpy(msg + 1, &v, 4);
    CHILD_CHECK(write(fd, msg, sizeof msg) == (ssize_t)sizeof msg);
}

static int ns_producer(struct ns_pipe *arg)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0)
        return 1;
    cosmosb_pipe_t *prod = NULL;
    CHILD_CHECK_RC(cosmosb_pipe_attach(cosmosb_pipe_fd(arg->cons), -1, &prod), COSMOSB_OK);
    uint64_t v = 1;
    int rc;
    while ((rc = cosmosb_pipe_send(prod, 1, &v, sizeof v, 0, 0)) == COSMOSB_OK)
        v++;
    CHILD_CHECK_RC(rc, COSMOSB_EFULL);
    /* The consumer lives: the wait ends at its deadline, not with EPEERDEAD. */
    report(arg->wr, 'r', cosmosb_pipe_send(prod, 1, &v, sizeof v, 0, 400000000ull));
    for (;;)
        pause();
}

static int ns_parent(void *argp)
{
    struct ns_pipe *arg = argp;
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() == 1)
        return 1;
    if (unshare(CLONE_NEWPID) != 0) {
        report(arg->wr, 's', 0); /* not permitted here: the test is skipped */
        return 0;
    }
    fflush(NULL);
    pid_t g = fork(); /* pid 1 of the new namespace */
    if (g == 0)
        _exit(ns_producer(arg));
    report(arg->wr, 'g', (int32_t)g);
    int st = tu_wait(g);
    return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL ? 0 : 1;
}

Test(liveness, pipe_peers_in_another_pid_namespace_are_judged_by_their_locks, .timeout = 60)
{
    cosmosb_pipe_t *cons = new_pipe();
    int pp[2];
    cr_assert(pipe(pp) == 0);
    struct ns_pipe arg = {cons, pp[1]};
    pid_t c = tu_fork(ns_parent, &arg, 30);
    close(pp[1]);
    int32_t g = 0, sent_rc = 1;
    for (int k = 0; k < 2; k++) {
        uint8_t msg[5];
        cr_assert(read(pp[0], msg, sizeof msg) == (ssize_t)sizeof msg, "a child failed before it reported");
        if (msg[0] == 's') {
            tu_wait(c);
            cosmosb_pipe_close(cons);
            cr_skip_test("unshare(CLONE_NEWPID) is not permitted here");
        }
        cr_assert(msg[0] == 'g' || msg[0] == 'r', "unexpected message '%c'", msg[0]);
        memcpy(msg[0] == 'g' ? &g : &sent_rc, msg + 1, 4);
    }
    cr_assert_eq(sent_rc, COSMOSB_ETIMEDOUT, "the producer's blocked send returned %s: it took the live consumer for dead",
                 cosmosb_err_name(sent_rc));
    uint64_t v = 0;
    cosmosb_msg_info_t info;
    for (uint64_t i = 1; i <= 8; i++) {
        ASSERT_RC(cosmosb_pipe_recv(cons, &v, sizeof v, &info, 0), COSMOSB_OK);
        cr_assert_eq(v, i);
    }
    ASSERT_RC(cosmosb_pipe_recv(cons, &v, sizeof v, &info, 300000000ull), COSMOSB_ETIMEDOUT);
    kill((pid_t)g, SIGKILL);
    cr_assert_eq(tu_wait(c), 0);
    int rc = cosmosb_pipe_recv(cons, &v, sizeof v, &info, 5000000000ull);
    cr_assert_eq(rc, COSMOSB_EPEERDEAD, "recv returned %s, expected EPEERDEAD (the producer was killed)",
                 cosmosb_err_name(rc));
    cosmosb_pipe_close(cons);
}
