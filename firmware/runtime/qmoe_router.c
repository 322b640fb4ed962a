/* qmoe_router.c: the router — shared hidden layer once, T fixed-mask passes, fixed-point softmax,
 * curiosity U_raw, routing table. Semantics: docs/integer-semantics.md ("Routers"). */
#include <stddef.h>
#include <stdint.h>

#include "qmoe_model.h"
#include "runtime_internal.h"

/* Index of the largest score; ties go to the lowest index. */
static uint8_t argmax16(const int16_t *v, uint16_t n)
{
    uint16_t best = 0;
    for (uint16_t i = 1; i < n; ++i) {
        if (v[i] > v[best]) {
            best = i;
        }
    }
    return (uint8_t)best;
}

/* Add one pass's Q15 softmax probabilities of scores z to the running sums s1, s2. */
static void accumulate_softmax(const qmoe_router_t *r, const int16_t *z, int64_t *s1, int64_t *s2)
{
    const uint8_t e_n = r->n_experts;
    int32_t zmax = z[0];
    for (uint8_t e = 1; e < e_n; ++e) {
        if (z[e] > zmax) {
            zmax = z[e];
        }
    }
    uint32_t sum = 0;
    for (uint8_t e = 0; e < e_n; ++e) {
        uint32_t d = (uint32_t)(zmax - z[e]);
        sum += d < r->exp_len ? r->exp_table[d] : 0u;
    }
    for (uint8_t e = 0; e < e_n; ++e) {
        uint32_t d = (uint32_t)(zmax - z[e]);
        uint32_t ex = d < r->exp_len ? r->exp_table[d] : 0u;
        int64_t p = (int64_t)((ex * 32768u + sum / 2u) / sum);
        s1[e] += p;
        s2[e] += p * p;
    }
}

/* U_raw of the curiosity router: sum over experts of T*sum(p^2) - (sum p)^2 over the T passes. */
static int64_t curiosity(const qmoe_fc_ctx_t *ctx, const qmoe_router_t *r, const int8_t *h,
                         int8_t *hm, int16_t *z, int64_t *s1, int64_t *s2, qmoe_status_t *status)
{
    const uint16_t n_h = r->hidden.n_out;
    qmoe_fc_t masked = r->out;
    masked.mult = r->masked_mult;
    masked.shift = r->masked_shift;
    for (uint8_t e = 0; e < r->n_experts; ++e) {
        s1[e] = 0;
        s2[e] = 0;
    }
    for (uint8_t t = 0; t < r->n_passes; ++t) {
        const uint8_t *mask = r->masks + (size_t)t * n_h;
        for (uint16_t j = 0; j < n_h; ++j) {
            hm[j] = mask[j] ? h[j] : 0;
        }
        *status = qmoe_fc(ctx, &masked, hm, z);
        if (*status != QMOE_OK) {
            return 0;
        }
        accumulate_softmax(r, z, s1, s2);
    }
    int64_t u = 0;
    for (uint8_t e = 0; e < r->n_experts; ++e) {
        u += (int64_t)r->n_passes * s2[e] - s1[e] * s1[e];
    }
    return u;
}

qmoe_status_t qmoe_router_run(const qmoe_model_t *model, void *arena, size_t arena_size,
                              qmoe_route_t *route)
{
    qmoe_status_t st = qmoe_runtime_check(model, arena, arena_size);
    if (st != QMOE_OK || route == NULL) {
        return st != QMOE_OK ? st : QMOE_ERR_ARG;
    }
    const qmoe_router_t *r = model->router;
    route->choice = 0;
    route->expert = 0;
    route->uncertainty = 0;
    if (r == NULL) {
        return QMOE_OK;
    }
    if (r->n_experts != model->n_experts || r->n_bins == 0) {
        return QMOE_ERR_ARG;
    }
    uint8_t *base = (uint8_t *)arena;
    int8_t *h = (int8_t *)(base + r->work.h);
    int8_t *hm = (int8_t *)(base + r->work.hm);
    int16_t *z = (int16_t *)(void *)(base + r->work.z);
    const qmoe_fc_ctx_t ctx = qmoe_runtime_scratch(model, arena);
    st = qmoe_fc(&ctx, &r->hidden, (const int8_t *)arena, h);
    if (st == QMOE_OK) {
        st = qmoe_fc(&ctx, &r->out, h, z);
    }
    if (st != QMOE_OK) {
        return st;
    }
    route->choice = argmax16(z, r->n_experts);
    uint8_t bin = 0;
    if (r->kind == QMOE_ROUTER_CURIOSITY) {
        int64_t *s1 = (int64_t *)(void *)(base + r->work.s1);
        int64_t *s2 = (int64_t *)(void *)(base + r->work.s2);
        int64_t u = curiosity(&ctx, r, h, hm, z, s1, s2, &st);
        if (st != QMOE_OK) {
            return st;
        }
        while (bin + 1u < r->n_bins && r->thresholds[bin] <= u) {
            ++bin;
        }
        int64_t t2 = (int64_t)r->n_passes * r->n_passes;
        int64_t q = u / t2;
        route->uncertainty = q > (int64_t)UINT32_MAX ? UINT32_MAX : (uint32_t)q;
    }
    route->expert = r->lut[(size_t)bin * r->n_experts + route->choice];
    return route->expert < model->n_experts ? QMOE_OK : QMOE_ERR_ARG;
}
