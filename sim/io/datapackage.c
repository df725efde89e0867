/* datapackage.json and provenance.json of a result folder (resultdir.h).
 *
 * datapackage.json follows the Frictionless Data Package convention: one
 * resource per file with its size, SHA-256 and (for a CSV) its schema, and a
 * "tradesim" block with what made it that does not change from run to run
 * (version, seed, replicates, the resolved scenario's SHA-256), so a
 * committed results/ folder stays the same when the same scenarios are run
 * again. What does change (times, command line, host, thread count, the
 * build's commit) goes to provenance.json beside it. Both are built with
 * jansson and written through ts_csv. */
#include "tradesim/resultdir.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tradesim/csv.h"
#include "tradesim/csvread.h"
#include "tradesim/digest.h"

#ifndef TRADESIM_COMMIT
#define TRADESIM_COMMIT "unknown"
#endif

/* Type, unit and description of a column, by its name. */
typedef struct {
    const char *type, *unit, *description;
} field_kind;

static field_kind kind_of(const char *name, const char *sample)
{
    static const char *const ints[] = {"replicate", "step", "deals", "breaches",
                                       "failed_talks", "first_deal_step"};
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (strcmp(name, ints[i]) == 0)
            return (field_kind){"integer", NULL, NULL};
    if (strcmp(name, "seed") == 0)
        return (field_kind){"string", NULL,
                            "the replicate's 64-bit seed, kept as text so that no tool rounds it"};
    if (strcmp(name, "deal") == 0)
        return (field_kind){"boolean", NULL, "1 when the replicate reached a deal"};
    if (strcmp(name, "date") == 0 || ts_text_ends_with(name, "_date"))
        return (field_kind){"date", NULL, "ISO 8601 date (empty on an abstract calendar)"};
    if (ts_text_ends_with(name, "_vs_status_quo"))
        return (field_kind){"number", "bn USD",
                            "discounted total less the same replicate's total with every lever "
                            "held at its initial level"};
    if (ts_text_ends_with(name, "_total"))
        return (field_kind){"number", "bn USD",
                            "discounted sum of the step payoffs, measured from free trade"};
    if (ts_text_ends_with(name, "_payoff"))
        return (field_kind){"number", "bn USD", "the step's payoff (annual flow times the step)"};
    if (ts_text_ends_with(name, "_share") || ts_text_ends_with(name, "_trust"))
        return (field_kind){"number", "share", "a share in [0, 1]"};
    double x;
    if (*sample == '\0' || ts_csvread_number(sample, &x))
        return (field_kind){"number", NULL, NULL};
    return (field_kind){"string", NULL, NULL};
}

/* The schema of a CSV: its header's fields, typed by name and first row. */
static json_t *csv_schema(const char *path)
{
    ts_error e;
    ts_csvread *r = ts_csvread_open(path, &e);
    if (!r)
        return NULL;
    bool got = false;
    json_t *fields = json_array();
    char **names = NULL;
    size_t n = 0;
    if (ts_csvread_next(r, &got, &e) == TS_OK && got) {
        n = ts_csvread_count(r);
        names = calloc(n ? n : 1, sizeof *names);
        for (size_t i = 0; names && i < n; i++)
            names[i] = strdup(ts_csvread_field(r, i));
        bool row = ts_csvread_next(r, &got, &e) == TS_OK && got && ts_csvread_count(r) == n;
        for (size_t i = 0; names && i < n; i++) {
            const char *nm = names[i] ? names[i] : "";
            field_kind k = kind_of(nm, row ? ts_csvread_field(r, i) : "");
            json_t *f = json_pack("{s:s, s:s}", "name", nm, "type", k.type);
            if (k.unit)
                json_object_set_new(f, "unit", json_string(k.unit));
            if (k.description)
                json_object_set_new(f, "description", json_string(k.description));
            if (strcmp(k.type, "boolean") == 0) {
                json_object_set_new(f, "trueValues", json_pack("[s,s]", "1", "true"));
                json_object_set_new(f, "falseValues", json_pack("[s,s]", "0", "false"));
            }
            json_array_append_new(fields, f);
        }
    }
    for (size_t i = 0; names && i < n; i++)
        free(names[i]);
    free(names);
    ts_csvread_free(r);
    return json_pack("{s:o, s:[s]}", "fields", fields, "missingValues", "");
}

/* A Data Package name: lower case, digits and "-._". */
static void package_name(const char *name, char *out, size_t n)
{
    size_t k = 0;
    for (; name[k] && k + 1 < n; k++) {
        unsigned char c = (unsigned char)name[k];
        out[k] = isalnum(c) ? (char)tolower(c) : (strchr("-._", c) ? (char)c : '-');
    }
    out[k] = '\0';
}

static ts_status write_json(json_t *root, const char *folder, const char *file, ts_error *err)
{
    char p[4096];
    if (!root || snprintf(p, sizeof p, "%s/%s", folder, file) >= (int)sizeof p) {
        json_decref(root);
        return ts_error_set(err, TS_EIO, "%s/%s: out of memory or path too long", folder, file);
    }
    char *text = json_dumps(root, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (!text)
        return ts_error_set(err, TS_EIO, "%s: out of memory", p);
    ts_csv *c = ts_csv_open(p, 6, err);
    if (!c) {
        free(text);
        return TS_EIO;
    }
    ts_csv_raw(c, text, strlen(text));
    ts_csv_raw(c, "\n", 1);
    free(text);
    return ts_csv_commit(c, err);
}

ts_status ts_result_write_datapackage(const ts_scenario *sc, const char *folder,
                                      char hex[][65], const uint64_t *bytes, ts_error *err)
{
    json_t *res = json_array();
    for (int i = 0; i < TS_RESULT_N_FILES; i++) {
        const char *file = ts_result_file(i);
        char p[4096], rname[64], hash[80];
        snprintf(p, sizeof p, "%s/%s", folder, file);
        package_name(file, rname, sizeof rname);
        rname[strcspn(rname, ".")] = '\0';
        snprintf(hash, sizeof hash, "sha256:%s", hex[i]);
        bool csv = ts_text_ends_with(file, ".csv");
        json_t *r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:I, s:s}", "name", rname, "path", file,
                              "format", csv ? "csv" : "cfg", "mediatype",
                              csv ? "text/csv" : "text/plain", "encoding", "utf-8", "bytes",
                              (json_int_t)bytes[i], "hash", hash);
        if (csv) {
            json_object_set_new(r, "profile", json_string("tabular-data-resource"));
            json_object_set_new(r, "dialect", json_pack("{s:s, s:s, s:b}", "delimiter", ",",
                                                        "lineTerminator", "\n", "header", 1));
            json_t *schema = csv_schema(p);
            if (schema)
                json_object_set_new(r, "schema", schema);
        } else {
            json_object_set_new(r, "description",
                                json_string("the resolved scenario: `tradesim run` on it "
                                            "reproduces these files"));
        }
        json_array_append_new(res, r);
    }
    char name[256], seed[32], sha[TS_SHA256_HEX], h64[32];
    package_name(sc->name, name, sizeof name);
    snprintf(seed, sizeof seed, "%" PRIu64, sc->seed);
    snprintf(h64, sizeof h64, "%016" PRIx64, ts_scenario_hash(sc));
    char *text = ts_scenario_to_string(sc);
    if (!text) {
        json_decref(res);
        return ts_error_set(err, TS_EIO, "%s: out of memory", folder);
    }
    ts_sha256_text(text, strlen(text), sha);
    free(text);
    json_t *root = json_pack(
        "{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:s, s:i, s:s, s:s, s:s}}", "profile",
        "tabular-data-package", "name", name, "title", sc->name, "description", sc->description,
        "resources", res, "tradesim", "version", TRADESIM_VERSION, "seed", seed, "replicates",
        sc->replicates, "scenario_sha256", sha, "scenario_hash", h64, "run_record",
        TS_RESULT_PROVENANCE);
    return write_json(root, folder, TS_RESULT_DATAPACKAGE, err);
}

static void iso_time(time_t t, char *buf, size_t n)
{
    struct tm tm;
    if (!gmtime_r(&t, &tm) || strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, n, "unknown");
}

ts_status ts_result_write_provenance(const ts_scenario *sc, const char *folder,
                                     const ts_result_run_info *info, ts_error *err)
{
    char start[32], end[32], host[256] = "unknown", seed[32];
    iso_time(info->start, start, sizeof start);
    iso_time(info->end, end, sizeof end);
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';
    snprintf(seed, sizeof seed, "%" PRIu64, sc->seed);
    json_t *argv = json_pack("[s]", "tradesim");   /* argv[0] is the subcommand */
    for (int i = 0; i < info->argc; i++)
        json_array_append_new(argv, json_string(info->argv[i]));
    json_t *root = json_pack("{s:s, s:s, s:o, s:s, s:s, s:s, s:i, s:s}", "tradesim_version",
                             TRADESIM_VERSION, "git_commit", TRADESIM_COMMIT, "command_line",
                             argv, "seed", seed, "start", start, "end", end, "threads",
                             info->threads, "host", host);
    return write_json(root, folder, TS_RESULT_PROVENANCE, err);
}

bool ts_result_check_datapackage(const char *folder, ts_text *why)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/%s", folder, TS_RESULT_DATAPACKAGE);
    json_error_t je;
    json_t *root = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
    json_t *res = root ? json_object_get(root, "resources") : NULL;
    if (!json_is_array(res)) {
        if (why)
            ts_text_printf(why, "%s: not a data package (%s)\n", p,
                           root ? "no resources" : je.text);
        json_decref(root);
        return false;
    }
    bool ok = true;
    size_t i;
    json_t *r;
    json_array_foreach(res, i, r) {
        const char *path = json_string_value(json_object_get(r, "path"));
        const char *hash = json_string_value(json_object_get(r, "hash"));
        json_t *b = json_object_get(r, "bytes");
        char fp[4096], hex[TS_SHA256_HEX];
        uint64_t bytes;
        ts_error e;
        if (!path || !hash || !json_is_integer(b) || strchr(path, '/') ||
            strncmp(hash, "sha256:", 7) != 0) {
            ok = false;
            if (why)
                ts_text_printf(why, "%s: resource %zu lacks path, bytes or sha256 hash\n", p, i);
            continue;
        }
        snprintf(fp, sizeof fp, "%s/%s", folder, path);
        if (ts_sha256_file(fp, hex, &bytes, &e) != TS_OK || bytes != (uint64_t)json_integer_value(b) ||
            strcmp(hex, hash + 7) != 0) {
            ok = false;
            if (why)
                ts_text_printf(why, "%s: differs from its entry in %s\n", fp, TS_RESULT_DATAPACKAGE);
        }
    }
    json_decref(root);
    return ok;
}
