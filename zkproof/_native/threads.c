/* Fork-join helper for the native kernel (see threads.h). */
#include "threads.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <unistd.h>

#define ZK_MAX_THREADS 64

static int g_nthreads = 0;

int zk_use_adx = 0;

int zk_cpu_init(void) {
#if defined(__x86_64__) && defined(__GNUC__)
    __builtin_cpu_init();
    const char *env = getenv("ZKPROOF_NO_ADX");
    zk_use_adx = __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("adx") && !(env && *env == '1');
#endif
    return zk_use_adx;
}

int zk_nthreads(void) {
    if (g_nthreads <= 0) {
        const char *env = getenv("ZKPROOF_THREADS");
        long n = env ? strtol(env, NULL, 10) : sysconf(_SC_NPROCESSORS_ONLN);
        if (n < 1) n = 1;
        if (n > ZK_MAX_THREADS) n = ZK_MAX_THREADS;
        g_nthreads = (int)n;
    }
    return g_nthreads;
}

void zk_set_nthreads(int n) {
    g_nthreads = n < 1 ? 0 : (n > ZK_MAX_THREADS ? ZK_MAX_THREADS : n);
}

typedef struct {
    atomic_size_t next;
    size_t ntasks;
    zk_task_fn fn;
    void *ctx;
} job_t;

static void *worker(void *arg) {
    job_t *job = arg;
    for (;;) {
        size_t t = atomic_fetch_add(&job->next, 1);
        if (t >= job->ntasks) break;
        job->fn(job->ctx, t);
    }
    return NULL;
}

void zk_parallel(size_t ntasks, zk_task_fn fn, void *ctx) {
    job_t job;
    atomic_init(&job.next, 0);
    job.ntasks = ntasks;
    job.fn = fn;
    job.ctx = ctx;
    size_t nt = (size_t)zk_nthreads();
    if (nt > ntasks) nt = ntasks;
    pthread_t th[ZK_MAX_THREADS];
    size_t started = 0;
    for (size_t i = 1; i < nt; i++) {
        if (pthread_create(&th[started], NULL, worker, &job) != 0) break;
        started++;
    }
    worker(&job);
    for (size_t i = 0; i < started; i++) pthread_join(th[i], NULL);
}
