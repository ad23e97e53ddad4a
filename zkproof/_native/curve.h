/* BN254 G1 (over F_q) and G2 (over F_q2, the sextic twist) for the native kernel.
 * The group law is one template (curve_impl.h) instantiated twice; so are MSM and batch
 * multiplication (msm_impl.h, instantiated in msm.c).
 */
#ifndef ZK_CURVE_H
#define ZK_CURVE_H

#include <string.h>

#include "field.h"

#define PT(name) g1_##name
#define FE fq
#define F(op) fq_##op
#include "curve_impl.h"
#undef PT
#undef FE
#undef F

#define PT(name) g2_##name
#define FE fq2
#define F(op) fq2_##op
#include "curve_impl.h"
#undef PT
#undef FE
#undef F

/* A scalar as plain little-endian 64-bit limbs (canonical integer, not Montgomery). */
typedef struct { uint64_t l[4]; } scalar_t;

/* Entry points used by the Python binding (module.c). Points arrive in the kernel buffer layout
 * (LEM affine, all-zero = infinity), scalars as canonical little-endian integers; both are
 * reduced here (coordinates mod q, scalars mod r) exactly as the Python reference does.
 * Return 0 on success, -1 on allocation failure. */
int g1_msm_run(const unsigned char *pts, const unsigned char *scs, size_t n, g1_aff *out);
int g2_msm_run(const unsigned char *pts, const unsigned char *scs, size_t n, g2_aff *out);
int g1_batch_mul_run(const unsigned char *pts, const unsigned char *scs, size_t n, unsigned char *out);
int g2_batch_mul_run(const unsigned char *pts, const unsigned char *scs, size_t n, unsigned char *out);

/* Load a 32-byte little-endian canonical scalar and reduce it mod r. */
void zk_load_scalar(scalar_t *s, const unsigned char *b);

#endif
