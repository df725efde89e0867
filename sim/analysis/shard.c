/* Shards of an experiment: one block of the design each, and the merge that
 * writes the unsharded folder from them (shard.h; docs/cluster.md). */
#include "tradesim/shard.h"

#include "shard_impl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tradesim/csv.h"
#include "tradesim/csvread.h"
#include "tradesim/fs.h"
#include "tradesim/resultdir.h"
#include "tradesim/text.h"

#define FORMAT TS_SHARD_FORMAT

typedef ts_shard_manifest manifest;


void ts_shard_block(long P, int k, int n, long *first, long *last)
{
    /* long long: P (k - 1) overflows a 32-bit long for large designs. */
    *first = (long)((long long)P * (k - 1) / n);
    *last = (long)((long long)P * k / n);
}

static bool parse_int(const char *s, long lo, long hi, long *v)
{
    char *end;
    errno = 0;
    long x = s ? strtol(s, &end, 10) : 0;
    if (!s || errno || end == s || *end || x < lo || x > hi)
        return false;
    *v = x;
    return true;
}

ts_status ts_shard_parse(const char *text, int *k, int *n, ts_error *err)
{
    long kk, nn, min = 1;
    if (!strcmp(text, "auto")) {
        const char *id = getenv("SLURM_ARRAY_TASK_ID"), *count = getenv("SLURM_ARRAY_TASK_COUNT");
        const char *lo = getenv("SLURM_ARRAY_TASK_MIN");
        if (!id || !count)
            return ts_error_set(err, TS_EBAD, "--shard auto: SLURM_ARRAY_TASK_ID and "
                                "SLURM_ARRAY_TASK_COUNT are not set (not a Slurm array task; "
                                "give --shard K/N)");
        if (!parse_int(count, 1, 100000, &nn) || !parse_int(id, 0, 10000000, &kk) ||
            (lo && !parse_int(lo, 0, 10000000, &min)) || kk - min + 1 < 1 || kk - min + 1 > nn)
            return ts_error_set(err, TS_EBAD, "--shard auto: SLURM_ARRAY_TASK_ID %s, "
                                "SLURM_ARRAY_TASK_MIN %s, SLURM_ARRAY_TASK_COUNT %s: not a task "
                                "of an array of consecutive indices", id, lo ? lo : "(unset)",
                                count);
        *k = (int)(kk - min + 1);
        *n = (int)nn;
        return TS_OK;
    }
    const char *slash = strchr(text, '/');
    char head[32];
    size_t hl = slash ? (size_t)(slash - text) : 0;
    if (slash && hl < sizeof head) {
        memcpy(head, text, hl);
        head[hl] = '\0';
    }
    if (!slash || hl >= sizeof head || !parse_int(head, 1, 100000, &kk) ||
        !parse_int(slash + 1, 1, 100000, &nn) || kk > nn)
        return ts_error_set(err, TS_EBAD, "--shard '%s': expected K/N with 1 <= K <= N <= 100000, "
                            "or auto", text);
    *k = (int)kk;
    *n = (int)nn;
    return TS_OK;
}

bool ts_shard_folder(const char *dir, const char *name, int k, int n, char *buf, size_t len)
{
    int w = snprintf(buf, len, "%s/%s.shard-%d-of-%d", dir, name, k, n);
    return w > 0 && (size_t)w < len;
}

/* ---- manifest ------------------------------------------------------------------ */

static void put(ts_csv *f, const char *key, const char *value)
{
    ts_csv_str(f, key);
    ts_csv_str(f, value);
    ts_csv_end_row(f);
}

static void put_long(ts_csv *f, const char *key, long v)
{
    char b[32];
    snprintf(b, sizeof b, "%ld", v);
    put(f, key, b);
}

ts_status ts_shard_manifest_write(const char *folder, const manifest *m, ts_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, TS_SHARD_MANIFEST);
    ts_csv *f = ts_csv_open(path, 17, err);
    if (!f)
        return TS_EIO;
    put(f, "key", "value");
    put(f, "format", FORMAT);
    put(f, "kind", m->kind);
    put(f, "version", m->version);
    put(f, "scenario", m->scenario);
    put(f, "scenario_hash", m->hash);
    put(f, "design", m->design);
    put_long(f, "n", m->n);
    put(f, "seed", m->seed);
    put_long(f, "items", m->items);
    put_long(f, "shard", m->shard);
    put_long(f, "shards", m->shards);
    put_long(f, "first", m->first);
    put_long(f, "last", m->last);
    put_long(f, "precision", m->precision);
    return ts_csv_commit(f, err);
}

void ts_shard_copy(char *dst, size_t n, const char *src)
{
    snprintf(dst, n, "%s", src);
}

/* Reads folder's manifest; TS_EBAD naming the folder when it is missing (an
 * unfinished shard) or malformed. */
ts_status ts_shard_manifest_read(const char *folder, manifest *m, ts_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, TS_SHARD_MANIFEST);
    *m = (manifest){.n = -1, .items = -1, .first = -1, .last = -1, .precision = 6};
    if (access(path, F_OK) != 0)
        return ts_error_set(err, TS_EBAD, "%s: no %s: not a shard, or one that did not finish "
                            "(run its task again with --resume)", folder, TS_SHARD_MANIFEST);
    ts_csvread *r = ts_csvread_open(path, err);
    if (!r)
        return err ? err->code : TS_EBAD;
    bool got = true;
    ts_status st = TS_OK;
    long shard = -1, shards = -1;
    while (st == TS_OK && (st = ts_csvread_next(r, &got, err)) == TS_OK && got) {
        if (ts_csvread_count(r) != 2)
            continue;
        const char *k = ts_csvread_field(r, 0), *v = ts_csvread_field(r, 1);
        bool ok = true;
        if (!strcmp(k, "format")) ts_shard_copy(m->format, sizeof m->format, v);
        else if (!strcmp(k, "kind")) ts_shard_copy(m->kind, sizeof m->kind, v);
        else if (!strcmp(k, "version")) ts_shard_copy(m->version, sizeof m->version, v);
        else if (!strcmp(k, "scenario")) ts_shard_copy(m->scenario, sizeof m->scenario, v);
        else if (!strcmp(k, "scenario_hash")) ts_shard_copy(m->hash, sizeof m->hash, v);
        else if (!strcmp(k, "design")) ts_shard_copy(m->design, sizeof m->design, v);
        else if (!strcmp(k, "seed")) ts_shard_copy(m->seed, sizeof m->seed, v);
        else if (!strcmp(k, "n")) ok = parse_int(v, 0, 100000000L, &m->n);
        else if (!strcmp(k, "items")) ok = parse_int(v, 0, 100000000L, &m->items);
        else if (!strcmp(k, "first")) ok = parse_int(v, 0, 100000000L, &m->first);
        else if (!strcmp(k, "last")) ok = parse_int(v, 0, 100000000L, &m->last);
        else if (!strcmp(k, "precision")) ok = parse_int(v, 1, 17, &m->precision);
        else if (!strcmp(k, "shard")) ok = parse_int(v, 1, 100000, &shard);
        else if (!strcmp(k, "shards")) ok = parse_int(v, 1, 100000, &shards);
        if (!ok)
            st = ts_error_set(err, TS_EBAD, "%s:%zu: %s '%s' is not a valid value", path,
                              ts_csvread_line(r), k, v);
    }
    ts_csvread_free(r);
    if (st != TS_OK)
        return st;
    long first = -2, last = -2;
    if (shards > 0 && shard > 0 && m->items >= 0)
        ts_shard_block(m->items, (int)shard, (int)shards, &first, &last);
    if (strcmp(m->format, FORMAT) || !m->kind[0] || shard < 1 || shard > shards ||
        m->items < 0 || first != m->first || last != m->last)
        return ts_error_set(err, TS_EBAD, "%s: not a %s manifest, or an inconsistent one", path,
                            FORMAT);
    m->shard = (int)shard;
    m->shards = (int)shards;
    return TS_OK;
}

/* ---- running a shard ------------------------------------------------------------ */

static void describe(const ts_scenario *sc, const ts_experiment_opts *o, long P, manifest *m)
{
    static const int default_n[TS_EXP_COUNT] = {3, 64, 64, 16};   /* experiment.c's */
    ts_shard_copy(m->format, sizeof m->format, FORMAT);
    ts_shard_copy(m->kind, sizeof m->kind, "experiment");
    ts_shard_copy(m->version, sizeof m->version, TRADESIM_VERSION);
    ts_shard_copy(m->scenario, sizeof m->scenario, sc->name);
    snprintf(m->hash, sizeof m->hash, "0x%016" PRIx64, ts_scenario_hash(sc));
    ts_shard_copy(m->design, sizeof m->design, ts_experiment_design_names[o->design]);
    m->n = o->n > 0 ? o->n : default_n[o->design];
    snprintf(m->seed, sizeof m->seed, "0x%016" PRIx64, sc->seed);
    m->items = P;
    m->precision = sc->precision;
}

static bool same_manifest(const manifest *a, const manifest *b)
{
    return !strcmp(a->kind, b->kind) && !strcmp(a->version, b->version) &&
           !strcmp(a->hash, b->hash) && !strcmp(a->design, b->design) && a->n == b->n &&
           !strcmp(a->seed, b->seed) && a->items == b->items && a->shard == b->shard &&
           a->shards == b->shards;
}

ts_status ts_shard_experiment(const ts_scenario *sc, const char *folder,
                              const ts_experiment_opts *o, int k, int n, long *done,
                              ts_error *err)
{
    if (done)
        *done = 0;
    double *x = NULL;
    int P = 0;
    ts_status st = ts_experiment_points(sc, o, &x, &P, err);
    free(x);
    if (st != TS_OK)
        return st;
    manifest want = {.shard = k, .shards = n}, have;
    describe(sc, o, P, &want);
    ts_shard_block(P, k, n, &want.first, &want.last);
    ts_error ignore;
    if (o->resume && ts_shard_manifest_read(folder, &have, &ignore) == TS_OK && same_manifest(&have, &want))
        return TS_OK;   /* finished before (a requeued task) */
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, TS_SHARD_MANIFEST);
    if (unlink(path) != 0 && errno != ENOENT)
        return ts_error_set(err, TS_EIO, "%s: cannot remove: %s", path, strerror(errno));
    ts_experiment_opts so = *o;
    so.first = want.first;
    so.last = want.last;
    so.values_only = true;
    st = ts_experiment_run(sc, folder, &so, done, err);
    return st == TS_OK ? ts_shard_manifest_write(folder, &want, err) : st;
}

/* ---- merging -------------------------------------------------------------------- */

/* Reads shard m's values.csv (folder) into y: exactly the rows of its block,
 * in order, with the metrics named in names. */
static ts_status read_values(const char *folder, const manifest *m,
                             const char (*names)[TS_OUTCOME_NAME], int M, double *y,
                             ts_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, TS_EXP_VALUES);
    ts_csvread *r = ts_csvread_open(path, err);
    if (!r)
        return err ? err->code : TS_EBAD;
    bool got;
    ts_status st = ts_csvread_next(r, &got, err);
    bool ok = st == TS_OK && got && ts_csvread_count(r) == (size_t)M + 1 &&
              !strcmp(ts_csvread_field(r, 0), "point");
    for (int j = 0; ok && j < M; j++)
        ok = !strcmp(ts_csvread_field(r, (size_t)j + 1), names[j]);
    if (st == TS_OK && !ok)
        st = ts_error_set(err, TS_EBAD, "%s:1: not the columns this scenario's points have",
                          path);
    long p = m->first;
    while (st == TS_OK && (st = ts_csvread_next(r, &got, err)) == TS_OK && got) {
        long pt;
        ok = p < m->last && ts_csvread_count(r) == (size_t)M + 1 &&
             parse_int(ts_csvread_field(r, 0), 0, 100000000L, &pt) && pt == p;
        for (int j = 0; ok && j < M; j++)
            ok = ts_csvread_number(ts_csvread_field(r, (size_t)j + 1), &y[(size_t)p * M + j]);
        if (!ok)
            st = ts_error_set(err, TS_EBAD, "%s:%zu: expected point %ld and %d numbers", path,
                              ts_csvread_line(r), p, M);
        p++;
    }
    if (st == TS_OK && p != m->last)
        st = ts_error_set(err, TS_EBAD, "%s: %ld points, the shard's block has %ld", path,
                          p - m->first, m->last - m->first);
    ts_csvread_free(r);
    return st;
}

static ts_status merge_experiment(const char *const *shards, const manifest *ms, int n,
                                  const int *by_k, const char *outdir, ts_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", shards[0], TS_EXP_SCENARIO);
    ts_scenario *sc = ts_scenario_load(path, NULL, 0, err);
    if (!sc)
        return err->code;
    ts_experiment_opts o = {.n = (int)ms[0].n, .design = TS_EXP_COUNT};
    for (int i = 0; i < TS_EXP_COUNT; i++)
        if (!strcmp(ms[0].design, ts_experiment_design_names[i]))
            o.design = (ts_experiment_design)i;
    char hash[32];
    snprintf(hash, sizeof hash, "0x%016" PRIx64, ts_scenario_hash(sc));
    double *x = NULL, *y = NULL;
    char (*names)[TS_OUTCOME_NAME] = NULL;
    int P = 0, M = 0;
    ts_status st = TS_OK;
    if (strcmp(hash, ms[0].hash))
        st = ts_error_set(err, TS_EBAD, "%s: its hash %s is not the manifest's %s (edited?)",
                          path, hash, ms[0].hash);
    else if (o.design == TS_EXP_COUNT)
        st = ts_error_set(err, TS_EBAD, "%s/%s: unknown design '%s'", shards[0],
                          TS_SHARD_MANIFEST, ms[0].design);
    if (st == TS_OK && (st = ts_experiment_points(sc, &o, &x, &P, err)) == TS_OK && P != ms[0].items)
        st = ts_error_set(err, TS_EBAD, "%s/%s: %ld points, the design has %d", shards[0],
                          TS_SHARD_MANIFEST, ms[0].items, P);
    if (st == TS_OK) {
        names = ts_experiment_metrics(sc, &M);
        y = calloc((size_t)P * (size_t)M + 1, sizeof *y);
        if (!names || !y)
            st = ts_error_set(err, TS_EIO, "tradesim: out of memory for %d points", P);
    }
    for (int k = 0; k < ms[0].shards && st == TS_OK; k++)
        st = read_values(shards[by_k[k]], &ms[by_k[k]], (const char(*)[TS_OUTCOME_NAME])names,
                         M, y, err);
    char folder[4096];
    if (st == TS_OK && !ts_result_folder(sc, outdir, folder, sizeof folder))
        st = ts_error_set(err, TS_EIO, "%s/%s: path too long", outdir, sc->name);
    if (st == TS_OK)
        st = ts_fs_mkdirs(folder, err);
    if (st == TS_OK)
        st = ts_experiment_write_inputs(sc, folder, x, P, err);
    if (st == TS_OK)
        st = ts_experiment_write_results(sc, folder, &o, x, P, y, err);
    (void)n;
    free(names);
    free(x);
    free(y);
    ts_scenario_free(sc);
    return st;
}

ts_status ts_shard_merge(const char *const *shards, int n, const char *outdir,
                         ts_merge_info *info, ts_error *err)
{
    *info = (ts_merge_info){.shards = n};
    manifest *ms = calloc((size_t)n + 1, sizeof *ms);
    int *by_k = NULL;
    ts_status st = ms ? TS_OK : ts_error_set(err, TS_EIO, "tradesim: out of memory");
    for (int i = 0; i < n && st == TS_OK; i++) {
        if ((st = ts_shard_manifest_read(shards[i], &ms[i], err)) != TS_OK)
            break;
        const manifest *a = &ms[0], *b = &ms[i];
        const char *what = strcmp(a->kind, b->kind) ? "kind"
                           : strcmp(a->version, b->version) ? "version"
                           : strcmp(a->hash, b->hash) ? "scenario_hash"
                           : strcmp(a->design, b->design) ? "design"
                           : a->n != b->n ? "n"
                           : strcmp(a->seed, b->seed) ? "seed"
                           : a->items != b->items ? "items"
                           : a->shards != b->shards ? "shards" : NULL;
        if (what)
            st = ts_error_set(err, TS_EBAD, "%s: not a shard of the same %s as %s (its manifest's "
                              "%s differs)", shards[i], a->kind, shards[0], what);
    }
    int N = st == TS_OK ? ms[0].shards : 0;
    if (st == TS_OK && !(by_k = malloc(((size_t)N + 1) * sizeof *by_k)))
        st = ts_error_set(err, TS_EIO, "tradesim: out of memory");
    for (int k = 0; k < N && st == TS_OK; k++)
        by_k[k] = -1;
    for (int i = 0; i < n && st == TS_OK; i++) {
        int k = ms[i].shard - 1;
        if (by_k[k] >= 0)
            st = ts_error_set(err, TS_EBAD, "shard %d of %d given twice: %s and %s", k + 1, N,
                              shards[by_k[k]], shards[i]);
        else
            by_k[k] = i;
    }
    if (st == TS_OK && n < N) {
        ts_text t = {0};
        int missing = 0;
        for (int k = 0; k < N; k++)
            if (by_k[k] < 0)
                ts_text_printf(&t, "%s%d", missing++ ? ", " : "", k + 1);
        st = ts_error_set(err, TS_EBAD, "%s %s of %d missing (run %s again; the array index is "
                          "the shard number)", missing == 1 ? "shard" : "shards",
                          t.s ? t.s : "?", N,
                          missing == 1 ? "its task" : "their tasks");
        ts_text_free(&t);
    }
    if (st == TS_OK) {
        ts_shard_copy(info->name, sizeof info->name, ms[0].scenario);
        ts_shard_copy(info->kind, sizeof info->kind, ms[0].kind);
        info->items = ms[0].items;
        if (!strcmp(ms[0].kind, "experiment"))
            st = merge_experiment(shards, ms, n, by_k, outdir, err);
        else if (!strcmp(ms[0].kind, "batch"))
            st = ts_shard_merge_batch(shards, ms, by_k, outdir, err);
        else
            st = ts_error_set(err, TS_EBAD, "%s: shards of kind '%s' cannot be merged",
                              shards[0], ms[0].kind);
    }
    free(by_k);
    free(ms);
    return st;
}
