/* A minimal fork-join helper: run `ntasks` independent tasks on the kernel's worker threads.
 *
 * Threads are created per call (tens of microseconds, negligible next to the MSM/NTT work they
 * carry) and pull task numbers from an atomic counter, so uneven tasks balance themselves. The
 * thread count is the number of online cores, or ZKPROOF_THREADS when set (read once).
 */
#ifndef ZK_THREADS_H
#define ZK_THREADS_H

#include <stddef.h>

typedef void (*zk_task_fn)(void *ctx, size_t task);

int zk_nthreads(void);
void zk_set_nthreads(int n);
/* Detect BMI2/ADX once (sets zk_use_adx; ZKPROOF_NO_ADX=1 forces the portable C path). */
int zk_cpu_init(void);
/* Runs fn(ctx, t) for t in [0, ntasks); returns when all are done. Never fails: if a thread
 * cannot be created, the calling thread does the remaining work. */
void zk_parallel(size_t ntasks, zk_task_fn fn, void *ctx);

#endif
