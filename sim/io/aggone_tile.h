/* One instance of aggone.c's tile: TILE_W adjacent columns over a block's
 * rows, their means' sums and every bracket's ends and counts held in
 * registers down the rows. Included once per instruction set, which
 * supplies (with TILE_W and TILE_TARGET):
 *   VD, VI      vectors of TILE_W doubles and of TILE_W 64-bit counts
 *   VM          a comparison's result (M_BITS: a bit per lane)
 *   LD, ST, LDI, STI   loads and stores
 *   ADD, SUB    on VD; ADDI, SUBI on VI; LT, LE, GE, EQ: comparisons;
 *               M_OR, M_ANDNOT
 *   COUNT(c, m) c plus one in every lane m holds
 * Each lane's arithmetic is the same whatever the width, so every instance
 * gives the same bits. */
#define TILE_CAT2(a, b) a##b
#define TILE_CAT(a, b) TILE_CAT2(a, b)
#define TILE_FN TILE_CAT(tile_, TILE_W)

TILE_TARGET static bool TILE_FN(ts_agg1 *a, const double *traj, size_t n, size_t k0, size_t j)
{
    size_t TC = a->TC;
    VD sum = LD(a->sum + j), comp = LD(a->comp + j), lo[N_PROBS], hi[N_PROBS];
    /* le: values at most lo (below or equal), which saves a comparison */
    VI lt[N_PROBS], le[N_PROBS], eq_hi[N_PROBS];
#define TILE_LOAD()                                                                    \
    _Pragma("GCC unroll 4") for (int q = 0; q < N_PROBS; q++) {                                                \
        size_t c = (size_t)q * TC + j;                                                 \
        lo[q] = LD(a->lo + c);                                                         \
        hi[q] = LD(a->hi + c);                                                         \
        lt[q] = LDI(a->lt + c);                                                        \
        le[q] = ADDI(lt[q], LDI(a->eq_lo + c));                                        \
        eq_hi[q] = LDI(a->eq_hi + c);                                                  \
    }
#define TILE_STORE()                                                                   \
    _Pragma("GCC unroll 4") for (int q = 0; q < N_PROBS; q++) {                                                \
        size_t c = (size_t)q * TC + j;                                                 \
        STI(a->lt + c, lt[q]);                                                         \
        STI(a->eq_lo + c, SUBI(le[q], lt[q]));                                         \
        STI(a->eq_hi + c, eq_hi[q]);                                                   \
    }
    TILE_LOAD()
    /* each bracket's next free place, last touched a block ago */
    for (int k = 0; k < N_PROBS; k++)
        for (size_t l = 0; l < TILE_W; l++) {
            size_t b = (size_t)k * TC + j + l;
            __builtin_prefetch(a->room + (j + l) * a->stride + a->off[k] + a->kept[b], 1);
        }
    bool held = true;
    for (size_t i0 = 0; i0 < n && held; i0 += KEEP_ROWS) {
        size_t i1 = i0 + KEEP_ROWS < n ? i0 + KEEP_ROWS : n;
        pending pend[KEEP_ROWS];
        size_t np = 0;
        for (size_t i = i0; i < i1; i++) {
            /* rows lie a row's length apart, which the hardware does not
             * fetch ahead */
            __builtin_prefetch(traj + (i + AHEAD) * TC + j);
            VD v = LD(traj + i * TC + j);
            /* ts_means_add's compensated sum, lane by lane */
            VD s = ADD(sum, v), bp = SUB(s, v);
            comp = ADD(comp, ADD(SUB(sum, bp), SUB(v, SUB(s, bp))));
            sum = s;
            /* counted: below lo, at most lo, equal to hi (when above lo);
             * noted, for keep: inside, and NaN (the narrowing keeps it) */
            uint32_t in = 0;
#pragma GCC unroll 4
            for (int k = 0; k < N_PROBS; k++) {
                VM at_most = LE(v, lo[k]), out = M_OR(at_most, GE(v, hi[k]));
                lt[k] = COUNT(lt[k], LT(v, lo[k]));
                le[k] = COUNT(le[k], at_most);
                /* equal to hi and above lo: hi >= lo, so not equal to lo */
                eq_hi[k] = COUNT(eq_hi[k], M_ANDNOT(at_most, EQ(v, hi[k])));
                in |= (uint32_t)(~M_BITS(out) & ((1u << TILE_W) - 1)) << (8 * k);
            }
            /* a row with a value inside (a few in a hundred values) is
             * noted whatever, and counted only then: no branch */
            pend[np].row = (uint32_t)(i - i0);
            pend[np].in = in;
            np += in != 0;
        }
        if (!np)
            continue;
        TILE_STORE()
        held = keep(a, traj + i0 * TC, pend, np, k0 + i1, j, TILE_W);
        TILE_LOAD()
    }
    ST(a->sum + j, sum);
    ST(a->comp + j, comp);
    TILE_STORE()
    return held;
#undef TILE_LOAD
#undef TILE_STORE
}

#undef TILE_FN
#undef TILE_CAT
#undef TILE_CAT2
#undef TILE_W
#undef TILE_TARGET
#undef VD
#undef VI
#undef VM
#undef LD
#undef ST
#undef LDI
#undef STI
#undef ADD
#undef SUB
#undef ADDI
#undef SUBI
#undef LT
#undef LE
#undef GE
#undef EQ
#undef M_OR
#undef M_ANDNOT
#undef M_BITS
#undef COUNT
