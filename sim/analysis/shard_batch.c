/* Batch shards: the rows a shard's block gave, and the merge that copies
 * every shard's result folders into one output folder and writes its
 * batch.csv as the unsharded batch would (shard.h; docs/cluster.md). */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "shard_impl.h"
#include "tradesim/csv.h"
#include "tradesim/csvread.h"
#include "tradesim/fs.h"
#include "tradesim/resultdir.h"
#include "tradesim/shard.h"

#define ROWS "rows.csv"
#define SETS "sets.csv"

ts_status ts_shard_unseal(const char *folder, ts_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, TS_SHARD_MANIFEST);
    if (unlink(path) != 0 && errno != ENOENT)
        return ts_error_set(err, TS_EIO, "%s: cannot remove: %s", path, strerror(errno));
    return TS_OK;
}

ts_status ts_shard_batch_seal(const char *folder, const ts_batch_row *rows, int n_rows,
                              long items, int k, int n, uint64_t id, int precision,
                              const char *const *sets, int n_sets, ts_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, ROWS);
    ts_csv *f = ts_csv_open(path, 17, err);
    if (!f)
        return TS_EIO;
    static const char *const head[] = {"name", "seed", "error"};
    for (int j = 0; j < 3; j++)
        ts_csv_str(f, head[j]);
    ts_csv_end_row(f);
    for (int i = 0; i < n_rows; i++) {
        char seed[32] = "";
        if (rows[i].has_seed)
            snprintf(seed, sizeof seed, "0x%016" PRIx64, rows[i].seed);
        ts_csv_str(f, rows[i].name);
        ts_csv_str(f, seed);
        ts_csv_str(f, rows[i].error ? rows[i].error : "");
        ts_csv_end_row(f);
    }
    ts_status st = ts_csv_commit(f, err);
    snprintf(path, sizeof path, "%s/%s", folder, SETS);
    f = st == TS_OK ? ts_csv_open(path, 17, err) : NULL;
    if (st == TS_OK && !f)
        st = TS_EIO;
    if (f) {
        ts_csv_str(f, "set");
        ts_csv_end_row(f);
        for (int i = 0; i < n_sets; i++) {
            ts_csv_str(f, sets[i]);
            ts_csv_end_row(f);
        }
        st = ts_csv_commit(f, err);
    }
    ts_shard_manifest m = {.n = 0, .items = items, .precision = precision, .shard = k,
                           .shards = n};
    ts_shard_copy(m.format, sizeof m.format, TS_SHARD_FORMAT);
    ts_shard_copy(m.kind, sizeof m.kind, "batch");
    ts_shard_copy(m.version, sizeof m.version, TRADESIM_VERSION);
    ts_shard_copy(m.scenario, sizeof m.scenario, "batch");
    snprintf(m.hash, sizeof m.hash, "0x%016" PRIx64, id);
    ts_shard_copy(m.design, sizeof m.design, "-");
    ts_shard_copy(m.seed, sizeof m.seed, "-");
    ts_shard_block(items, k, n, &m.first, &m.last);
    return st == TS_OK ? ts_shard_manifest_write(folder, &m, err) : st;
}

/* ---- merging -------------------------------------------------------------------- */

/* Copies the file src to dst through ts_csv (atomic). */
static ts_status copy_file(const char *src, const char *dst, ts_error *err)
{
    FILE *in = fopen(src, "rb");
    if (!in)
        return ts_error_set(err, TS_EBAD, "%s: cannot read: %s", src, strerror(errno));
    ts_csv *f = ts_csv_open(dst, 17, err);
    if (!f) {
        fclose(in);
        return TS_EIO;
    }
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, in)) > 0)
        ts_csv_raw(f, buf, got);
    bool bad = ferror(in);
    fclose(in);
    if (bad) {
        ts_csv_abort(f);
        return ts_error_set(err, TS_EBAD, "%s: cannot read", src);
    }
    return ts_csv_commit(f, err);
}

/* A result folder's files, the completion marker last (as a run writes
 * them): the destination is incomplete until the marker is in. */
static ts_status copy_folder(const char *src, const char *dst, ts_error *err)
{
    ts_status st = ts_fs_mkdirs(dst, err);
    if (st == TS_OK)
        st = ts_result_unmark(dst, err);
    DIR *d = st == TS_OK ? opendir(src) : NULL;
    if (st == TS_OK && !d)
        return ts_error_set(err, TS_EBAD, "%s: cannot read: %s", src, strerror(errno));
    bool marker = false;
    char a[4400], b[4400];
    for (struct dirent *e; st == TS_OK && (e = readdir(d)) != NULL;) {
        struct stat sb;
        snprintf(a, sizeof a, "%s/%s", src, e->d_name);
        if (stat(a, &sb) != 0 || !S_ISREG(sb.st_mode) || strstr(e->d_name, ".tmp."))
            continue;
        if (!strcmp(e->d_name, TS_RESULT_MARKER)) {
            marker = true;
            continue;
        }
        snprintf(b, sizeof b, "%s/%s", dst, e->d_name);
        st = copy_file(a, b, err);
    }
    if (d)
        closedir(d);
    snprintf(a, sizeof a, "%s/%s", src, TS_RESULT_MARKER);
    snprintf(b, sizeof b, "%s/%s", dst, TS_RESULT_MARKER);
    return st == TS_OK && marker ? copy_file(a, b, err) : st;
}

/* Reads shard folder's rows.csv into rows[m->first..m->last). */
static ts_status read_rows(const char *folder, const ts_shard_manifest *m, ts_batch_row *rows,
                           ts_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, ROWS);
    ts_csvread *r = ts_csvread_open(path, err);
    if (!r)
        return err ? err->code : TS_EBAD;
    bool got;
    ts_status st = ts_csvread_next(r, &got, err);   /* the header */
    long i = m->first;
    while (st == TS_OK && (st = ts_csvread_next(r, &got, err)) == TS_OK && got) {
        if (i >= m->last || ts_csvread_count(r) != 3) {
            st = ts_error_set(err, TS_EBAD, "%s:%zu: not one of the shard's %ld rows", path,
                              ts_csvread_line(r), m->last - m->first);
            break;
        }
        const char *name = ts_csvread_field(r, 0), *seed = ts_csvread_field(r, 1);
        const char *error = ts_csvread_field(r, 2);
        if (*error || (st = ts_result_check_name(name, path, err)) == TS_OK)
            st = ts_batch_row_restore(folder, name, *seed != '\0', strtoull(seed, NULL, 16),
                                      error, &rows[i], err);
        i++;
    }
    if (st == TS_OK && i != m->last)
        st = ts_error_set(err, TS_EBAD, "%s: %ld rows, the shard's block has %ld", path,
                          i - m->first, m->last - m->first);
    ts_csvread_free(r);
    return st;
}

/* sets.csv of folder: batch.csv's --set columns (pointers into *text). */
static ts_status read_sets(const char *folder, char ***sets, int *n, ts_error *err)
{
    char path[4200];
    snprintf(path, sizeof path, "%s/%s", folder, SETS);
    ts_csvread *r = ts_csvread_open(path, err);
    if (!r)
        return err ? err->code : TS_EBAD;
    bool got;
    ts_status st = ts_csvread_next(r, &got, err);
    *sets = NULL;
    *n = 0;
    while (st == TS_OK && (st = ts_csvread_next(r, &got, err)) == TS_OK && got) {
        char **g = realloc(*sets, ((size_t)*n + 1) * sizeof **sets);
        char *s = ts_csvread_count(r) == 1 ? strdup(ts_csvread_field(r, 0)) : NULL;
        if (g)
            *sets = g;
        if (!g || !s) {
            free(s);
            st = ts_error_set(err, TS_EBAD, "%s:%zu: not one --set (or out of memory)", path,
                              ts_csvread_line(r));
            break;
        }
        (*sets)[(*n)++] = s;
    }
    ts_csvread_free(r);
    return st;
}

ts_status ts_shard_merge_batch(const char *const *shards, const ts_shard_manifest *ms,
                               const int *by_k, const char *outdir, ts_error *err)
{
    long items = ms[0].items;
    int N = ms[0].shards;
    ts_batch_row *rows = calloc((size_t)items + 1, sizeof *rows);
    char **sets = NULL;
    int n_sets = 0;
    ts_status st = rows ? TS_OK : ts_error_set(err, TS_EIO, "tradesim: out of memory");
    for (int k = 0; k < N && st == TS_OK; k++)
        st = read_rows(shards[by_k[k]], &ms[by_k[k]], rows, err);
    if (st == TS_OK)
        st = read_sets(shards[by_k[0]], &sets, &n_sets, err);
    /* Two scenarios of one name in two shards would write one folder. */
    for (long i = 0; i < items && st == TS_OK; i++)
        for (long j = 0; j < i && st == TS_OK; j++)
            if (!rows[i].error && !rows[j].error && !strcmp(rows[i].name, rows[j].name))
                st = ts_error_set(err, TS_EBAD, "scenario name '%s' twice (rows %ld and %ld of "
                                  "the batch): both would write %s/%s", rows[i].name, j + 1,
                                  i + 1, outdir, rows[i].name);
    for (int k = 0; k < N && st == TS_OK; k++) {
        const ts_shard_manifest *m = &ms[by_k[k]];
        for (long i = m->first; i < m->last && st == TS_OK; i++) {
            char src[4096], dst[4096];
            struct stat sb;
            if (snprintf(src, sizeof src, "%s/%s", shards[by_k[k]], rows[i].name) >=
                    (int)sizeof src ||
                snprintf(dst, sizeof dst, "%s/%s", outdir, rows[i].name) >= (int)sizeof dst)
                st = ts_error_set(err, TS_EIO, "%s/%s: path too long", outdir, rows[i].name);
            else if (ts_result_check_name(rows[i].name, src, NULL) == TS_OK && stat(src, &sb) == 0 &&
                S_ISDIR(sb.st_mode))
                st = copy_folder(src, dst, err);
        }
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/batch.csv", outdir);
    if (st == TS_OK)
        st = ts_batch_write(path, rows, (int)items, (const char *const *)sets, n_sets,
                            (int)ms[0].precision, err);
    for (long i = 0; rows && i < items; i++)
        ts_batch_row_free(&rows[i]);
    for (int i = 0; i < n_sets; i++)
        free(sets[i]);
    free(sets);
    free(rows);
    return st;
}
