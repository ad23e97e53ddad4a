/* Short-Weierstrass (a = 0) group law in Jacobian coordinates, instantiated for G1 over F_q and
 * G2 over F_q2 (see curve.h). Before including define PT(name) (function/type prefix), FE (field
 * element type) and F(op) (field function names).
 *
 * Jacobian (X, Y, Z) stands for the affine point (X/Z^2, Y/Z^3); Z = 0 is infinity. Affine
 * points use (0, 0) for infinity, the all-zero LEM encoding of the kernel buffers ((0, 0) is not
 * on either curve since b != 0). Formulas from the Explicit-Formulas Database (Bernstein-Lange):
 * dbl-2009-l, madd-2007-bl and add-2007-bl, with the exceptional cases (P = Q, P = -Q, infinity)
 * handled explicitly.
 */

typedef struct { FE x, y; } PT(aff);
typedef struct { FE x, y, z; } PT(jac);

static inline int PT(aff_is_inf)(const PT(aff) *p) { return F(is_zero)(&p->x) && F(is_zero)(&p->y); }
static inline int PT(jac_is_inf)(const PT(jac) *p) { return F(is_zero)(&p->z); }
static inline void PT(jac_set_inf)(PT(jac) *p) { memset(p, 0, sizeof *p); }

static inline void PT(jac_from_aff)(PT(jac) *r, const PT(aff) *a) {
    if (PT(aff_is_inf)(a)) { PT(jac_set_inf)(r); return; }
    r->x = a->x; r->y = a->y; r->z = F(one);
}

static inline void PT(aff_neg)(PT(aff) *r, const PT(aff) *a) { r->x = a->x; F(neg)(&r->y, &a->y); }
static inline void PT(jac_neg)(PT(jac) *r, const PT(jac) *a) { *r = *a; F(neg)(&r->y, &a->y); }

/* dbl-2009-l: 2M + 5S. */
static inline void PT(jac_dbl)(PT(jac) *r, const PT(jac) *p) {
    if (PT(jac_is_inf)(p)) { *r = *p; return; }
    FE a, b, c, d, e, f, t;
    F(sqr)(&a, &p->x);
    F(sqr)(&b, &p->y);
    F(sqr)(&c, &b);
    F(add)(&d, &p->x, &b);
    F(sqr)(&d, &d);
    F(sub)(&d, &d, &a);
    F(sub)(&d, &d, &c);
    F(dbl)(&d, &d);
    F(dbl)(&e, &a);
    F(add)(&e, &e, &a);
    F(sqr)(&f, &e);
    F(mul)(&t, &p->y, &p->z);          /* Z3 = 2 Y Z (before X, Y are overwritten) */
    F(dbl)(&r->z, &t);
    F(sub)(&r->x, &f, &d);
    F(sub)(&r->x, &r->x, &d);
    F(sub)(&t, &d, &r->x);
    F(mul)(&t, &e, &t);
    F(dbl)(&c, &c);
    F(dbl)(&c, &c);
    F(dbl)(&c, &c);
    F(sub)(&r->y, &t, &c);
}

/* r = p + q with q affine (madd-2007-bl: 7M + 4S). r may alias p. */
static inline void PT(jac_add_aff)(PT(jac) *r, const PT(jac) *p, const PT(aff) *q) {
    if (PT(aff_is_inf)(q)) { *r = *p; return; }
    if (PT(jac_is_inf)(p)) { PT(jac_from_aff)(r, q); return; }
    FE z1z1, u2, s2, h, hh, i, j, rr, v, t;
    F(sqr)(&z1z1, &p->z);
    F(mul)(&u2, &q->x, &z1z1);
    F(mul)(&s2, &q->y, &p->z);
    F(mul)(&s2, &s2, &z1z1);
    F(sub)(&h, &u2, &p->x);
    F(sub)(&rr, &s2, &p->y);
    if (F(is_zero)(&h)) {
        if (F(is_zero)(&rr)) { PT(jac_dbl)(r, p); return; }   /* p == q */
        PT(jac_set_inf)(r);                                     /* p == -q */
        return;
    }
    F(dbl)(&rr, &rr);
    F(sqr)(&hh, &h);
    F(dbl)(&i, &hh);
    F(dbl)(&i, &i);
    F(mul)(&j, &h, &i);
    F(mul)(&v, &p->x, &i);
    FE x3, y3, z3;
    F(sqr)(&x3, &rr);
    F(sub)(&x3, &x3, &j);
    F(sub)(&x3, &x3, &v);
    F(sub)(&x3, &x3, &v);
    F(sub)(&t, &v, &x3);
    F(mul)(&t, &rr, &t);
    F(mul)(&y3, &p->y, &j);
    F(dbl)(&y3, &y3);
    F(sub)(&y3, &t, &y3);
    F(add)(&z3, &p->z, &h);
    F(sqr)(&z3, &z3);
    F(sub)(&z3, &z3, &z1z1);
    F(sub)(&z3, &z3, &hh);
    r->x = x3; r->y = y3; r->z = z3;
}

/* r = p + q, both Jacobian (add-2007-bl: 11M + 5S). r may alias p or q. */
static inline void PT(jac_add)(PT(jac) *r, const PT(jac) *p, const PT(jac) *q) {
    if (PT(jac_is_inf)(q)) { *r = *p; return; }
    if (PT(jac_is_inf)(p)) { *r = *q; return; }
    FE z1z1, z2z2, u1, u2, s1, s2, h, i, j, rr, v, t;
    F(sqr)(&z1z1, &p->z);
    F(sqr)(&z2z2, &q->z);
    F(mul)(&u1, &p->x, &z2z2);
    F(mul)(&u2, &q->x, &z1z1);
    F(mul)(&s1, &p->y, &q->z);
    F(mul)(&s1, &s1, &z2z2);
    F(mul)(&s2, &q->y, &p->z);
    F(mul)(&s2, &s2, &z1z1);
    F(sub)(&h, &u2, &u1);
    F(sub)(&rr, &s2, &s1);
    if (F(is_zero)(&h)) {
        if (F(is_zero)(&rr)) { PT(jac_dbl)(r, p); return; }
        PT(jac_set_inf)(r);
        return;
    }
    F(dbl)(&rr, &rr);
    F(dbl)(&i, &h);
    F(sqr)(&i, &i);
    F(mul)(&j, &h, &i);
    F(mul)(&v, &u1, &i);
    FE x3, y3, z3;
    F(sqr)(&x3, &rr);
    F(sub)(&x3, &x3, &j);
    F(sub)(&x3, &x3, &v);
    F(sub)(&x3, &x3, &v);
    F(sub)(&t, &v, &x3);
    F(mul)(&t, &rr, &t);
    F(mul)(&y3, &s1, &j);
    F(dbl)(&y3, &y3);
    F(sub)(&y3, &t, &y3);
    F(add)(&z3, &p->z, &q->z);
    F(sqr)(&z3, &z3);
    F(sub)(&z3, &z3, &z1z1);
    F(sub)(&z3, &z3, &z2z2);
    F(mul)(&z3, &z3, &h);
    r->x = x3; r->y = y3; r->z = z3;
}

/* Affine image of one Jacobian point (one field inversion). */
static inline void PT(jac_to_aff)(PT(aff) *r, const PT(jac) *p) {
    if (PT(jac_is_inf)(p)) { memset(r, 0, sizeof *r); return; }
    FE zi, zi2, zi3;
    F(inv)(&zi, &p->z);
    F(sqr)(&zi2, &zi);
    F(mul)(&zi3, &zi2, &zi);
    F(mul)(&r->x, &p->x, &zi2);
    F(mul)(&r->y, &p->y, &zi3);
}

/* Affine images of n Jacobian points with one inversion; `scratch` holds 2n field elements. */
static void PT(jac_to_aff_batch)(PT(aff) *out, const PT(jac) *in, size_t n, FE *scratch) {
    FE *zs = scratch, *tmp = scratch + n;
    for (size_t i = 0; i < n; i++) zs[i] = in[i].z;
    F(batch_inv)(zs, zs, n, tmp);
    for (size_t i = 0; i < n; i++) {
        if (F(is_zero)(&zs[i])) { memset(&out[i], 0, sizeof out[i]); continue; }
        FE zi2, zi3;
        F(sqr)(&zi2, &zs[i]);
        F(mul)(&zi3, &zi2, &zs[i]);
        F(mul)(&out[i].x, &in[i].x, &zi2);
        F(mul)(&out[i].y, &in[i].y, &zi3);
    }
}
