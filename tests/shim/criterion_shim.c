/*
 * criterion_shim.c - the runner of the Criterion stand-in (see
 * shim/criterion/criterion.h for why it exists).
 *
 * Runs every registered test, sorted by suite and name, each in a forked
 * process of its own (its own process group, so a timeout kills the test's
 * children too). Accepts and ignores Criterion's usual options (--jobs N,
 * -jN, --short-filename, -S, --ascii, --verbose[=N]); supports
 * --filter 'suite/name' with shell wildcards, --timeout S, and --list.
 * Prints Criterion-like lines and a "Synthesis" line; exits 1 if any test
 * failed, crashed or timed out.
 */
#include <errno.h>
#include <fnmatch.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "criterion/criterion.h"

static struct cr_shim_test *tests;
static int in_test;      /* set in the forked test process */
static int expect_failed; /* a cr_expect* failed in this test process */

void cr_shim_register(struct cr_shim_test *t)
{
    t->next = tests;
    tests = t;
}

void cr_shim_fail(int fatal, const char *file, int line, const char *expr, const char *fmt, ...)
{
    const char *base = strrchr(file, '/');
    fprintf(stderr, "[----] %s:%d: %s\n", base ? base + 1 : file, line,
            fatal ? "Assertion Failed" : "Expectation Failed");
    fprintf(stderr, "[----]   The expression %s is false.\n", expr);
    if (fmt && fmt[0]) {
        va_list ap;
        va_start(ap, fmt);
        fputs("[----]   ", stderr);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    fflush(stderr);
    if (!in_test)
        return;
    if (fatal)
        _exit(1);
    expect_failed = 1;
}

void cr_shim_skip(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("[SKIP] ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
    if (in_test)
        _exit(expect_failed ? 1 : 0); /* no skip verdict in the shim: passed, with the reason printed */
}

void cr_shim_log(const char *level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[%s] ", level);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    fflush(stderr);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_tests(const void *a, const void *b)
{
    const struct cr_shim_test *x = *(const struct cr_shim_test *const *)a;
    const struct cr_shim_test *y = *(const struct cr_shim_test *const *)b;
    int c = strcmp(x->suite_name, y->suite_name);
    return c ? c : strcmp(x->test_name, y->test_name);
}

/* Runs one test; returns 0 pass, 1 fail, 2 crash, 3 timeout. */
static int run_one(const struct cr_shim_test *t, double timeout, double *elapsed)
{
    fflush(NULL);
    double t0 = now_s();
    pid_t pid = fork();
    if (pid < 0) {
        perror("fork");
        return 2;
    }
    if (pid == 0) {
        setpgid(0, 0);
        in_test = 1;
        t->test_fn();
        fflush(NULL);
        _exit(expect_failed ? 1 : 0);
    }
    setpgid(pid, pid);
    int st = 0, timed_out = 0;
    for (;;) {
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid)
            break;
        if (r < 0 && errno != EINTR) {
            perror("waitpid");
            return 2;
        }
        if (timeout > 0 && now_s() - t0 > timeout) {
            kill(-pid, SIGKILL);
            kill(pid, SIGKILL);
            timed_out = 1;
            while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
            }
            break;
        }
        struct timespec ts = {0, 5000000};
        nanosleep(&ts, NULL);
    }
    /* whatever the test left behind in its group goes too */
    kill(-pid, SIGKILL);
    *elapsed = now_s() - t0;
    if (timed_out)
        return 3;
    if (WIFSIGNALED(st))
        return 2;
    return WEXITSTATUS(st) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *filter = NULL;
    double global_timeout = 0;
    int list = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--filter") == 0 && i + 1 < argc)
            filter = argv[++i];
        else if (strncmp(a, "--filter=", 9) == 0)
            filter = a + 9;
        else if (strcmp(a, "--timeout") == 0 && i + 1 < argc)
            global_timeout = atof(argv[++i]);
        else if (strcmp(a, "--jobs") == 0 && i + 1 < argc)
            i++;
        else if (strcmp(a, "--list") == 0 || strcmp(a, "-l") == 0)
            list = 1;
        /* everything else (-jN, -S, --ascii, --verbose...) is accepted and ignored */
    }
    size_t n = 0;
    for (struct cr_shim_test *t = tests; t; t = t->next)
        n++;
    struct cr_shim_test **v = calloc(n ? n : 1, sizeof *v);
    if (!v)
        return 2;
    size_t k = 0;
    for (struct cr_shim_test *t = tests; t; t = t->next)
        v[k++] = t;
    qsort(v, n, sizeof *v, cmp_tests);

    int tested = 0, passing = 0, failing = 0, crashing = 0;
    fprintf(stderr, "[----] Criterion shim (tests/shim): fork-per-test runner\n");
    for (size_t i = 0; i < n; i++) {
        char full[512];
        snprintf(full, sizeof full, "%s/%s", v[i]->suite_name, v[i]->test_name);
        if (filter && fnmatch(filter, full, 0) != 0)
            continue;
        if (list) {
            printf("%s::%s\n", v[i]->suite_name, v[i]->test_name);
            continue;
        }
        double timeout = v[i]->timeout > 0 ? v[i]->timeout : global_timeout;
        fprintf(stderr, "[RUN ] %s::%s\n", v[i]->suite_name, v[i]->test_name);
        double el = 0;
        int r = run_one(v[i], timeout, &el);
        tested++;
        switch (r) {
        case 0:
            passing++;
            fprintf(stderr, "[PASS] %s::%s: (%.2fs)\n", v[i]->suite_name, v[i]->test_name, el);
            break;
        case 1:
            failing++;
            fprintf(stderr, "[FAIL] %s::%s: (%.2fs)\n", v[i]->suite_name, v[i]->test_name, el);
            break;
        case 3:
            failing++;
            fprintf(stderr, "[FAIL] %s::%s: Timed out. (%.2fs)\n", v[i]->suite_name, v[i]->test_name, el);
            break;
        default:
            crashing++;
            failing++;
            fprintf(stderr, "[FAIL] %s::%s: CRASH! (%.2fs)\n", v[i]->suite_name, v[i]->test_name, el);
        }
    }
    free(v);
    if (!list)
        fprintf(stderr, "[====] Synthesis: Tested: %d | Passing: %d | Failing: %d | Crashing: %d \n",
                tested, passing, failing, crashing);
    return failing ? 1 : 0;
}
