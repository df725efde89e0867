/* A run's replicates as bytes and back (engine.h, ts_run_pack): every
 * per-replicate array of the block held, the kept agreement columns and
 * each replicate's log, so a block run in another process reaches the files
 * as if run here. Both ends are the same build: numbers go as they are in
 * memory. */
#include "tradesim/engine.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* One per-replicate array: its base and its element's bytes per replicate. */
typedef struct {
    char *base;
    size_t each;
} column;

/* The per-replicate arrays of run, in the order they are packed. */
static int columns(const ts_run *run, column *c)
{
    size_t n = (size_t)run->n_issues, d = sizeof(double), i = sizeof(int);
    int k = 0;
    c[k++] = (column){(char *)run->seed, sizeof *run->seed};
    c[k++] = (column){(char *)run->deal, i};
    c[k++] = (column){(char *)run->first_deal_step, i};
    c[k++] = (column){(char *)run->deals, i};
    c[k++] = (column){(char *)run->breaches, i};
    c[k++] = (column){(char *)run->failed_talks, i};
    c[k++] = (column){(char *)run->final, n * d};
    c[k++] = (column){(char *)run->mean, n * d};
    c[k++] = (column){(char *)run->total, 2 * d};
    c[k++] = (column){(char *)run->status_quo, 2 * d};
    c[k++] = (column){(char *)run->contrib, 2 * (size_t)run->n_contrib * d};
    if (run->chan)
        c[k++] = (column){(char *)run->chan, n * 2 * TS_N_CHANNELS * d};
    c[k++] = (column){(char *)run->uncertain, (size_t)run->n_uncertain * d};
    c[k++] = (column){(char *)run->traj, (size_t)run->T * (size_t)run->C * d};
    return k;
}

/* Replicates of the block from its first whose agreement columns are kept. */
static int kept_agreements(const ts_run *run, int k0, int n)
{
    int m = run->n_traj - k0;
    return m < 0 ? 0 : m > n ? n : m;
}

static void put_str(ts_text *out, const char *s)
{
    int32_t len = s ? (int32_t)strlen(s) : -1;   /* -1: NULL, which is not "" */
    ts_text_put(out, &len, sizeof len);
    if (s)
        ts_text_put(out, s, (size_t)len);
}

void ts_run_pack(const ts_engine *e, const ts_run *run, ts_text *out)
{
    const ts_scenario *sc = ts_engine_scenario(e);
    int32_t head[2] = {run->k0, run->n};
    ts_text_put(out, head, sizeof head);
    column c[16];
    int nc = columns(run, c);
    for (int j = 0; j < nc; j++)
        ts_text_put(out, c[j].base, c[j].each * (size_t)run->n);
    ts_text_put(out, run->agreement,
                (size_t)kept_agreements(run, run->k0, run->n) * (size_t)run->T * sizeof(int));
    for (int k = 0; k < run->n; k++) {
        const ts_log *log = &run->log[k];
        int32_t counts[3] = {log->n, log->n_talks, log->n_levels};
        ts_text_put(out, counts, sizeof counts);
        for (int r = 0; r < log->n; r++) {
            const ts_log_entry *x = &log->rows[r];
            int32_t f[3] = {x->step, (int32_t)x->type, x->event};
            ts_text_put(out, f, sizeof f);
            put_str(out, x->label);
            put_str(out, x->detail);
        }
        for (int t = 0; t < log->n_talks; t++) {
            const ts_log_talk *x = &log->talks[t];
            /* the scenario's talk by index: sc->talks, or the random talks' */
            int32_t tk = !x->tk ? -1 : x->tk == &sc->talks_hazard.talk ? sc->n_talks
                                                                        : (int32_t)(x->tk - sc->talks);
            int32_t f[8] = {x->step, tk, x->outcome, x->agreement, x->until, (int32_t)x->end,
                            x->end_step, x->first};
            ts_text_put(out, f, sizeof f);
            ts_text_put(out, x->gain, sizeof x->gain);
            put_str(out, x->label);
        }
        ts_text_put(out, log->levels, (size_t)log->n_levels * sizeof *log->levels);
    }
}

/* Reads packed bytes in order; a read past the end sets bad. */
typedef struct {
    const char *p, *end;
    bool bad;
} reader;

static void get(reader *r, void *to, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        memset(to, 0, n);
        return;
    }
    memcpy(to, r->p, n);
    r->p += n;
}

/* A packed string, in the log's text; NULL for NULL (and on a bad read or
 * out of memory, which set bad). */
static char *get_str(reader *r, ts_log *log)
{
    int32_t len = -1;
    get(r, &len, sizeof len);
    if (r->bad || len < 0)
        return NULL;
    char *s = (size_t)(r->end - r->p) >= (size_t)len ? ts_log_text(log, r->p, (size_t)len) : NULL;
    if (!s) {
        r->bad = true;
        return NULL;
    }
    r->p += len;
    return s;
}

static bool get_log(reader *r, const ts_scenario *sc, ts_log *log)
{
    int32_t counts[3];
    get(r, counts, sizeof counts);
    if (r->bad || counts[0] < 0 || counts[1] < 0 || counts[2] < 0)
        return false;
    log->rows = calloc((size_t)counts[0] + 1, sizeof *log->rows);
    log->talks = calloc((size_t)counts[1] + 1, sizeof *log->talks);
    log->levels = calloc((size_t)counts[2] + 1, sizeof *log->levels);
    if (!log->rows || !log->talks || !log->levels)
        return false;
    log->cap = counts[0] + 1;
    log->cap_talks = counts[1] + 1;
    log->cap_levels = counts[2] + 1;
    for (; log->n < counts[0] && !r->bad; log->n++) {
        ts_log_entry *x = &log->rows[log->n];
        int32_t f[3];
        get(r, f, sizeof f);
        *x = (ts_log_entry){.step = f[0], .type = (ts_log_type)f[1], .event = f[2]};
        x->label = get_str(r, log);
        x->detail = get_str(r, log);
    }
    for (; log->n_talks < counts[1] && !r->bad; log->n_talks++) {
        ts_log_talk *x = &log->talks[log->n_talks];
        int32_t f[8];
        get(r, f, sizeof f);
        if (f[1] < -1 || f[1] > sc->n_talks)
            r->bad = true;
        *x = (ts_log_talk){.step = f[0],
                           .tk = f[1] < 0 ? NULL
                                 : f[1] == sc->n_talks ? &sc->talks_hazard.talk
                                                       : &sc->talks[f[1]],
                           .outcome = f[2],
                           .agreement = f[3],
                           .until = f[4],
                           .end = (ts_log_end)f[5],
                           .end_step = f[6],
                           .first = f[7]};
        get(r, x->gain, sizeof x->gain);
        x->label = get_str(r, log);
    }
    get(r, log->levels, (size_t)counts[2] * sizeof *log->levels);
    log->n_levels = counts[2];
    return !r->bad;
}

ts_status ts_run_unpack(const ts_engine *e, ts_run *run, const char *buf, size_t len,
                        ts_error *err)
{
    const ts_scenario *sc = ts_engine_scenario(e);
    reader r = {.p = buf, .end = buf + len};
    int32_t head[2];
    get(&r, head, sizeof head);
    int i0 = head[0] - run->k0, n = head[1];
    if (r.bad || n < 0 || i0 < 0 || i0 > run->cap - n)
        return ts_error_set(err, TS_EIO, "%s: replicates from another process do not fit the "
                            "run", sc->name);
    column c[16];
    int nc = columns(run, c);
    for (int j = 0; j < nc; j++)
        get(&r, c[j].base + c[j].each * (size_t)i0, c[j].each * (size_t)n);
    /* kept agreement rows are indexed from the block's first replicate */
    get(&r, run->agreement + (size_t)i0 * (size_t)run->T,
        (size_t)kept_agreements(run, head[0], n) * (size_t)run->T * sizeof(int));
    for (int k = 0; k < n && !r.bad; k++) {
        ts_log *log = &run->log[i0 + k];
        ts_log_free(log);
        if (!get_log(&r, sc, log))
            r.bad = true;
    }
    if (r.bad || r.p != r.end)
        return ts_error_set(err, TS_EIO, "%s: replicates from another process could not be "
                            "read (out of memory, or not this run's)", sc->name);
    return TS_OK;
}
