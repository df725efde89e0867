/* Result folders (resultdir.h): names, one writer per folder, the marker
 * that makes a folder's files visible together, and the check that verify
 * and --resume share.
 *
 * The marker is the last file written and the first removed:
 *   tradesim-result 1
 *   scenario <the resolved scenario's 64-bit hash, 16 hex digits>
 *   file <sha256> <bytes> <name>        (each result file, datapackage.json)
 * so a folder whose files come from two runs, or were truncated or edited
 * since, does not pass. */
#include "tradesim/resultdir.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tradesim/csv.h"
#include "tradesim/digest.h"
#include "tradesim/fs.h"

#define MARKER_HEAD "tradesim-result 1\n"

const char *ts_result_file(int which)
{
    static const char *const names[TS_RESULT_N_FILES] = {
        "summary.csv", "aggregate.csv", "trajectories.csv", "log.csv", "agreements.csv",
        "scenario.cfg"};
    return which >= 0 && which < TS_RESULT_N_FILES ? names[which] : "";
}

ts_status ts_result_check_name(const char *name, const char *source, ts_error *err)
{
    bool ok = name[0] != '\0' && name[0] != '.' && !strchr(name, '/') && !strchr(name, '\\');
    for (const unsigned char *p = (const unsigned char *)name; ok && *p; p++)
        ok = !iscntrl(*p);
    if (ok)
        return TS_OK;
    ts_text shown = {0};
    for (const unsigned char *p = (const unsigned char *)name; *p; p++)
        iscntrl(*p) ? ts_text_printf(&shown, "\\x%02x", *p) : ts_text_printf(&shown, "%c", *p);
    ts_error_set(err, TS_EBAD,
                 "%s: name '%s' cannot be a result folder: expected a plain folder name "
                 "(no '/', no control character, not starting with '.'); set name = \"...\"",
                 source, shown.s ? shown.s : "");
    ts_text_free(&shown);
    return TS_EBAD;
}

bool ts_result_folder(const ts_scenario *sc, const char *dir, char *buf, size_t n)
{
    int len = snprintf(buf, n, "%s/%s", dir, sc->name);
    return len >= 0 && (size_t)len < n;
}

static bool join(char *buf, size_t n, const char *dir, const char *name)
{
    int len = snprintf(buf, n, "%s/%s", dir, name);
    return len >= 0 && (size_t)len < n;
}

/* ---- one writer, writable, no stale temporaries ---------------------------- */

/* "<file>.tmp.<pid>.<n>" (csv.c's temporary names): the pid, or 0. */
static long temp_owner(const char *name)
{
    const char *t = strstr(name, ".tmp.");
    while (t) {
        char *end;
        long pid = strtol(t + 5, &end, 10);
        if (pid > 0 && *end == '.' && end[1] && strspn(end + 1, "0123456789") == strlen(end + 1))
            return pid;
        t = strstr(t + 1, ".tmp.");
    }
    return 0;
}

static ts_status remove_stale(const char *folder, ts_error *err)
{
    DIR *d = opendir(folder);
    if (!d)
        return ts_error_set(err, TS_EIO, "%s: cannot read folder: %s", folder, strerror(errno));
    struct dirent *de;
    ts_status s = TS_OK;
    while ((de = readdir(d)) != NULL) {
        long pid = temp_owner(de->d_name);
        if (pid <= 0 || pid == (long)getpid() || kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue;
        char p[4096];
        if (join(p, sizeof p, folder, de->d_name) && unlink(p) != 0 && errno != ENOENT) {
            s = ts_error_set(err, TS_EIO, "%s: cannot remove stale temporary file: %s", p,
                             strerror(errno));
            break;
        }
    }
    closedir(d);
    return s;
}

/* Creates and removes a temporary file in folder, the way every output is
 * written: the folder is writable before any work is done. */
static ts_status probe(const char *folder, ts_error *err)
{
    char p[4096];
    if (!join(p, sizeof p, folder, ".writable"))
        return ts_error_set(err, TS_EIO, "%s: path too long", folder);
    ts_error e;
    ts_csv *c = ts_csv_open(p, 6, &e);
    if (!c)
        return ts_error_set(err, TS_EIO, "%s: output folder not writable (%s)", folder, e.msg);
    ts_csv_abort(c);
    return TS_OK;
}

ts_status ts_result_lock(const char *dir, int *fd, ts_error *err)
{
    *fd = -1;
    if (dir[0] == '\0')
        return ts_error_set(err, TS_EBAD, "-o: the output folder is an empty path");
    ts_status s = ts_fs_mkdirs(dir, err);
    if (s != TS_OK)
        return s;
    int f = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (f < 0)
        return ts_error_set(err, TS_EIO, "%s: cannot open output folder: %s", dir, strerror(errno));
    if (flock(f, LOCK_EX | LOCK_NB) != 0) {
        int e = errno;
        close(f);
        if (e == EWOULDBLOCK)
            return ts_error_set(err, TS_EIO,
                                "%s: another tradesim is writing into this folder; wait for it "
                                "or choose another -o",
                                dir);
        return ts_error_set(err, TS_EIO, "%s: cannot lock output folder: %s", dir, strerror(e));
    }
    if ((s = probe(dir, err)) != TS_OK || (s = remove_stale(dir, err)) != TS_OK) {
        close(f);
        return s;
    }
    *fd = f;
    return TS_OK;
}

void ts_result_unlock(int fd)
{
    if (fd >= 0)
        close(fd);   /* releases the flock */
}

ts_status ts_result_prepare(const char *folder, ts_error *err)
{
    ts_status s = ts_fs_mkdirs(folder, err);
    if (s == TS_OK)
        s = probe(folder, err);
    if (s == TS_OK)
        s = remove_stale(folder, err);
    return s;
}

/* ---- marker ------------------------------------------------------------------ */

static const char *sealed_name(int i)
{
    return i < TS_RESULT_N_FILES ? ts_result_file(i) : TS_RESULT_DATAPACKAGE;
}

ts_status ts_result_seal(const ts_scenario *sc, const char *folder,
                         const ts_result_run_info *info, const ts_result_digests *dg,
                         ts_error *err)
{
    char hex[TS_RESULT_N_FILES + 1][TS_SHA256_HEX];
    uint64_t bytes[TS_RESULT_N_FILES + 1];
    char p[4096];
    ts_status s = TS_OK;
    for (int i = 0; i <= TS_RESULT_N_FILES && s == TS_OK; i++) {
        if (i == TS_RESULT_N_FILES)
            s = ts_result_write_datapackage(sc, folder, hex, bytes, err);
        if (s != TS_OK)
            break;
        if (dg && i < TS_RESULT_N_FILES) {
            memcpy(hex[i], dg->hex[i], TS_SHA256_HEX);
            bytes[i] = dg->bytes[i];
            continue;
        }
        if (!join(p, sizeof p, folder, sealed_name(i)))
            return ts_error_set(err, TS_EIO, "%s: path too long", folder);
        s = ts_sha256_file(p, hex[i], &bytes[i], err);
    }
    if (s == TS_OK && info)
        s = ts_result_write_provenance(sc, folder, info, err);
    if (s != TS_OK)
        return s;
    if (!join(p, sizeof p, folder, TS_RESULT_MARKER))
        return ts_error_set(err, TS_EIO, "%s: path too long", folder);
    ts_csv *f = ts_csv_open(p, 6, err);
    if (!f)
        return TS_EIO;
    char line[256];
    ts_csv_raw(f, MARKER_HEAD, strlen(MARKER_HEAD));
    int len = snprintf(line, sizeof line, "scenario %016" PRIx64 "\n", ts_scenario_hash(sc));
    ts_csv_raw(f, line, (size_t)len);
    for (int i = 0; i <= TS_RESULT_N_FILES; i++) {
        len = snprintf(line, sizeof line, "file %s %" PRIu64 " %s\n", hex[i], bytes[i],
                       sealed_name(i));
        ts_csv_raw(f, line, (size_t)len);
    }
    return ts_csv_commit(f, err);
}

ts_status ts_result_unmark(const char *dir, ts_error *err)
{
    char p[4096];
    if (!join(p, sizeof p, dir, TS_RESULT_MARKER))
        return ts_error_set(err, TS_EIO, "%s: path too long", dir);
    if (unlink(p) != 0 && errno != ENOENT)
        return ts_error_set(err, TS_EIO, "%s: cannot remove: %s", p, strerror(errno));
    return TS_OK;
}

/* ---- verification ------------------------------------------------------------ */

static void differ(ts_text *why, bool *ok, const char *fmt, const char *a, const char *b)
{
    *ok = false;
    if (why) {
        ts_text_printf(why, fmt, a, b);
        ts_text_puts(why, "\n");
    }
}

/* One "file <sha256> <bytes> <name>" line against the file on disk. */
static void check_entry(const char *folder, const char *line, bool *listed, ts_text *why,
                        bool *ok)
{
    char hex[TS_SHA256_HEX], name[256], p[4096];
    uint64_t bytes;
    if (sscanf(line, "file %64[0-9a-f] %" SCNu64 " %255s", hex, &bytes, name) != 3 ||
        strlen(hex) != 64) {
        differ(why, ok, "%s/" TS_RESULT_MARKER ": malformed line '%s'", folder, line);
        return;
    }
    for (int i = 0; i <= TS_RESULT_N_FILES; i++)
        if (strcmp(name, sealed_name(i)) == 0)
            listed[i] = true;
    char got[TS_SHA256_HEX];
    uint64_t got_bytes;
    ts_error e;
    if (strchr(name, '/') || !join(p, sizeof p, folder, name)) {
        differ(why, ok, "%s/" TS_RESULT_MARKER ": bad file name '%s'", folder, name);
    } else if (ts_sha256_file(p, got, &got_bytes, &e) != TS_OK) {
        differ(why, ok, "%s: %s", p, "missing or unreadable");
    } else if (got_bytes != bytes) {
        char m[64];
        snprintf(m, sizeof m, "%" PRIu64 " bytes, recorded %" PRIu64, got_bytes, bytes);
        differ(why, ok, "%s: %s", p, m);
    } else if (strcmp(got, hex) != 0) {
        differ(why, ok, "%s: %s", p, "SHA-256 differs from the one recorded (content changed)");
    }
}

bool ts_result_verify(const char *folder, const uint64_t *hash, ts_text *why)
{
    bool ok = true;
    char p[4096];
    struct stat sb;
    if (stat(folder, &sb) != 0 || !S_ISDIR(sb.st_mode)) {
        differ(why, &ok, "%s: %s", folder, "no such folder");
        return false;
    }
    if (!join(p, sizeof p, folder, TS_RESULT_MARKER)) {
        differ(why, &ok, "%s: %s", folder, "path too long");
        return false;
    }
    int fd = open(p, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    FILE *f = fd >= 0 ? fdopen(fd, "r") : NULL;
    if (!f) {
        if (fd >= 0)
            close(fd);
        differ(why, &ok, "%s: %s", folder,
               "no " TS_RESULT_MARKER " marker: incomplete (interrupted, in progress or "
               "written before markers recorded hashes)");
        return false;
    }
    char line[512];
    bool listed[TS_RESULT_N_FILES + 1] = {false};
    if (!fgets(line, sizeof line, f) || strcmp(line, MARKER_HEAD) != 0) {
        differ(why, &ok, "%s: %s", p, "not a marker of this version (run again to re-seal)");
    } else if (!fgets(line, sizeof line, f) || strncmp(line, "scenario ", 9) != 0) {
        differ(why, &ok, "%s: %s", p, "no scenario line");
    } else {
        uint64_t h = strtoull(line + 9, NULL, 16);
        if (hash && h != *hash)
            differ(why, &ok, "%s: %s", folder,
                   "written from another resolved scenario (hash differs)");
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = '\0';
            check_entry(folder, line, listed, why, &ok);
        }
        for (int i = 0; i <= TS_RESULT_N_FILES; i++)
            if (!listed[i])
                differ(why, &ok, "%s: %s not recorded in the marker", folder, sealed_name(i));
    }
    fclose(f);
    if (ok && !ts_result_check_datapackage(folder, why))
        ok = false;
    return ok;
}

bool ts_result_is_complete(const char *dir, uint64_t hash)
{
    return ts_result_verify(dir, &hash, NULL);
}
