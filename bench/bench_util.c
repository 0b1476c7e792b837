/* bench_util.c: clocks, pinning, shared memory, fork/wait and percentiles for the benchmarks. */
#include "bench.h"

#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

bool bench_quiet = false;

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

int bench_pin(int cpu)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (cpu < 0) {
        /* Free again: every online CPU. */
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        for (long i = 0; i < n && i < CPU_SETSIZE; i++)
            CPU_SET((int)i, &set);
    } else {
        CPU_SET(cpu, &set);
    }
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        return -errno;
    return 0;
}

int bench_ncpus(void)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof set, &set) != 0)
        return 1;
    return CPU_COUNT(&set);
}

void *bench_shared_alloc(size_t size)
{
    void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, 0, size); /* fault the pages in before anything is timed */
    return p;
}

void bench_shared_free(void *p, size_t size)
{
    if (p)
        munmap(p, size);
}

int bench_fork(int cpu, int (*fn)(void *arg), void *arg)
{
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* Die with the measuring process, whatever happens to it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(99);
        if (bench_pin(cpu) != 0)
            _exit(98);
        _exit(fn(arg) & 0xff);
    }
    return (int)pid;
}

int bench_wait(int pid)
{
    int st;
    for (;;) {
        if (waitpid(pid, &st, 0) < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        break;
    }
    if (WIFEXITED(st))
        return WEXITSTATUS(st);
    if (WIFSIGNALED(st))
        return 128 + WTERMSIG(st);
    return -1;
}

void bench_cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ __volatile__("yield" ::: "memory");
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

void bench_percentiles(uint64_t *samples, size_t n, double *median, double *p99)
{
    if (n == 0) {
        *median = *p99 = 0;
        return;
    }
    qsort(samples, n, sizeof *samples, cmp_u64);
    *median = (double)samples[n / 2];
    size_t i = (size_t)((double)n * 0.99);
    if (i >= n)
        i = n - 1;
    *p99 = (double)samples[i];
}

double bench_quantile_sorted(const uint64_t *samples, size_t n, double q)
{
    if (n == 0)
        return 0;
    size_t i = (size_t)((double)n * q);
    if (i >= n)
        i = n - 1;
    return (double)samples[i];
}

void bench_progress(const char *fmt, ...)
{
    if (bench_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fflush(stderr);
}
