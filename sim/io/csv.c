/* CSV writer: RFC 4180 rows, "%.*g" formatting without printf, atomic files.
 *
 * Invariants: the target path is only ever replaced by rename(2) of a complete,
 * fsynced temporary file, and never when it is read-only; the first I/O error
 * is remembered (later writes are dropped) and reported by ts_csv_finish() or
 * ts_csv_commit(), which then remove the temporary file. No process-wide
 * mutable state: the temporary name is made unique by the pid, the ts_csv's
 * own address and O_EXCL (retrying on collision); O_NOFOLLOW refuses a link
 * planted at that name. Every file tradesim writes whole (the CSVs, the
 * resolved scenario, the completion marker) goes through here. */
#include "tradesim/csv.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tradesim/digest.h"

/* ---- number formatting --------------------------------------------------- */

static const char digit_pairs[201] = "00010203040506070809101112131415161718192021222324"
                                     "25262728293031323334353637383940414243444546474849"
                                     "50515253545556575859606162636465666768697071727374"
                                     "75767778798081828384858687888990919293949596979899";

/* 10^0 .. 10^22: every one is exactly representable as a double. */
static const double exact_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* 10^-32 .. 10^40 rounded to doubles: only a first guess of the decade,
 * which the exact check in ts_fmt_g confirms or corrects. */
#define GUESS_MIN (-32)
#define GUESS_MAX 40
static const double guess_pow10[] = {
    1e-32, 1e-31, 1e-30, 1e-29, 1e-28, 1e-27, 1e-26, 1e-25, 1e-24, 1e-23, 1e-22, 1e-21, 1e-20,
    1e-19, 1e-18, 1e-17, 1e-16, 1e-15, 1e-14, 1e-13, 1e-12, 1e-11, 1e-10, 1e-9, 1e-8, 1e-7,
    1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
    1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22, 1e23, 1e24, 1e25,
    1e26, 1e27, 1e28, 1e29, 1e30, 1e31, 1e32, 1e33, 1e34, 1e35, 1e36, 1e37, 1e38, 1e39, 1e40};

static const uint64_t u64_pow10[20] = {1ULL,
                                       10ULL,
                                       100ULL,
                                       1000ULL,
                                       10000ULL,
                                       100000ULL,
                                       1000000ULL,
                                       10000000ULL,
                                       100000000ULL,
                                       1000000000ULL,
                                       10000000000ULL,
                                       100000000000ULL,
                                       1000000000000ULL,
                                       10000000000000ULL,
                                       100000000000000ULL,
                                       1000000000000000ULL,
                                       10000000000000000ULL,
                                       100000000000000000ULL,
                                       1000000000000000000ULL,
                                       10000000000000000000ULL};

/* Writes the n decimal digits of x (zero-padded) at p; x < 10^n. */
static void put_digits(char *p, uint64_t x, int n)
{
    while (n >= 2) {
        unsigned r = (unsigned)(x % 100);
        x /= 100;
        n -= 2;
        p[n] = digit_pairs[2 * r];
        p[n + 1] = digit_pairs[2 * r + 1];
    }
    if (n == 1)
        p[0] = (char)('0' + x % 10);
}

static int count_digits(uint64_t x)
{
    int n = 1;
    while (n < 20 && x >= u64_pow10[n])
        n++;
    return n;
}

static size_t fmt_u64(char *buf, uint64_t x)
{
    int n = count_digits(x);
    put_digits(buf, x, n);
    buf[n] = '\0';
    return (size_t)n;
}

static size_t fmt_slow(char *buf, double v, int precision)
{
    int n = snprintf(buf, 32, "%.*g", precision, v);
    return n < 0 ? 0 : (size_t)n;
}

/* Writes the 8 decimal digits of x < 10^8 at p, with 32-bit arithmetic. */
static inline void put8(char *p, uint32_t x)
{
    uint32_t a = x / 10000, b = x % 10000;
    uint32_t a1 = a / 100, a2 = a % 100, b1 = b / 100, b2 = b % 100;
    memcpy(p, digit_pairs + 2 * a1, 2);
    memcpy(p + 2, digit_pairs + 2 * a2, 2);
    memcpy(p + 4, digit_pairs + 2 * b1, 2);
    memcpy(p + 6, digit_pairs + 2 * b2, 2);
}

/* Lays out the P significant digits of n (10^(P-1) <= n < 10^P, P <= 15) with
 * decimal exponent x the way %g does: fixed when -4 <= x < P, else d.ddde+XX,
 * trailing zeros of the fraction dropped, no point without a fraction.
 * Copies are fixed 16-byte moves (cheaper than variable ones); the bytes they
 * spill past the end are overwritten or lie beyond the NUL, and never beyond
 * the 32 bytes the caller provides (at most 1+1+14+16 = 32, see below). */
static size_t layout_g(char *buf, size_t pos, uint64_t n, int x, int prec)
{
    char tmp[32];
    if (prec <= 8) { /* the common case: one 32-bit conversion */
        put8(tmp + 8, (uint32_t)n);
    } else {
        put8(tmp, (uint32_t)(n / 100000000u));
        put8(tmp + 8, (uint32_t)(n % 100000000u));
    }
    memset(tmp + 16, '0', 16); /* what the fixed-size copies read past the digits */
    const char *d = tmp + 16 - prec;
    int nd = prec;
    while (nd > 1 && d[nd - 1] == '0')
        nd--;
    char *p = buf + pos;
    if (x >= -4 && x < prec) {
        if (x >= 0) {
            int ip = x + 1; /* digits before the point; ip <= prec */
            if (nd <= ip) {
                memcpy(p, d, 16); /* trailing integer zeros are in d */
                p += ip;
            } else { /* ip <= nd-1 <= 14: last byte moved is 1+14+1+16 = 32 */
                memcpy(p, d, 16);
                p += ip;
                *p++ = '.';
                memcpy(p, d + ip, 16);
                p += nd - ip;
            }
        } else {
            memcpy(p, "0.0000", 6);
            p += 1 - x; /* "0." then -x-1 zeros */
            memcpy(p, d, 16);
            p += nd;
        }
    } else {
        *p++ = d[0];
        if (nd > 1) {
            *p++ = '.';
            memcpy(p, d + 1, 16);
            p += nd - 1;
        }
        *p++ = 'e';
        unsigned ax;
        if (x < 0) {
            *p++ = '-';
            ax = (unsigned)-x;
        } else {
            *p++ = '+';
            ax = (unsigned)x;
        }
        if (ax >= 100) {
            *p++ = (char)('0' + ax / 100);
            ax %= 100;
        }
        *p++ = digit_pairs[2 * ax];
        *p++ = digit_pairs[2 * ax + 1];
    }
    *p = '\0';
    return (size_t)(p - buf);
}

/* Fast path, precision P <= 15. We need n = round_half_even(|v| * 10^k) with
 * k = P-1-e and e = floor(log10|v|). When |k| <= 22, 10^|k| is an exact
 * double, so s = fl(|v| * 10^k) (or fl(|v| / 10^-k)) is ONE correctly rounded
 * operation: |s - p| <= ulp(s)/2 where p is the exact product. As
 * 1 <= s < 10^15 < 2^50, ulp(s) <= 1/8 and every fraction of s is a multiple
 * of ulp(s); so if frac(s) != 1/2 then |frac(s) - 1/2| >= ulp(s) > |s - p| and
 * p rounds the same way as s. Only frac(s) == 1/2 (a true tie or not) is
 * undecidable here: it goes to snprintf. The decade check s in
 * [10^(P-1), 10^P] is exact for the same reason (both bounds are integers);
 * s landing exactly on 10^(P-1) or 10^P rounds to the same output whichever
 * side p is on, so it needs no fallback. Outside |k| <= 22, subnormals and
 * P > 15 use snprintf. */
size_t ts_fmt_g(char *buf, double v, int precision)
{
    if (isnan(v)) {
        memcpy(buf, "nan", 4);
        return 3;
    }
    if (precision < 1)
        precision = 1; /* as printf does for %.0g */
    size_t pos = 0;
    double a = v;
    if (signbit(v)) {
        buf[pos++] = '-';
        a = -v;
    }
    if (isinf(a)) {
        memcpy(buf + pos, "inf", 4);
        return pos + 3;
    }
    if (a == 0.0) {
        buf[pos] = '0';
        buf[pos + 1] = '\0';
        return pos + 1;
    }
    if (precision > 15 || a < 2.2250738585072014e-308)
        return fmt_slow(buf, v, precision);

    uint64_t bits;
    memcpy(&bits, &a, sizeof bits);
    int exp2 = (int)(bits >> 52) - 1023; /* a in [2^exp2, 2^(exp2+1)), a normal */
    /* floor(exp2 * log10 2) (78913/2^18 ~ log10 2, exact for |exp2| < 2^13);
     * the true decimal exponent is this or one more, fixed up below. */
    int e = (exp2 * 78913) >> 18;
    if (e + 1 >= GUESS_MIN && e + 1 <= GUESS_MAX && a >= guess_pow10[e + 1 - GUESS_MIN])
        e++; /* saves a retry (and a mispredicted branch) below */
    const double lo = exact_pow10[precision - 1], hi = exact_pow10[precision];
    for (int tries = 0; tries < 3; tries++) {
        int k = precision - 1 - e;
        double s;
        if (k >= 0) {
            if (k > 22)
                break;
            s = a * exact_pow10[k];
        } else {
            if (k < -22)
                break;
            s = a / exact_pow10[-k];
        }
        if (s < lo) {
            e--;
            continue;
        }
        if (s > hi) {
            e++;
            continue;
        }
        int64_t ni = (int64_t)s; /* s < 2^50 */
        double frac = s - (double)ni;
        uint64_t n = (uint64_t)ni;
        if (frac > 0.5)
            n++;
        else if (frac == 0.5)
            break;
        if (n == u64_pow10[precision]) {
            n = u64_pow10[precision - 1];
            e++;
        }
        return layout_g(buf, pos, n, e, precision);
    }
    return fmt_slow(buf, v, precision);
}

/* ---- the writer ------------------------------------------------------------ */

#define CSV_BUF 65536
#define TMP_TRIES 100
#define WRITEBACK ((uint64_t)8 << 20)   /* bytes between writeback requests */

struct ts_csv {
    int fd;
    int precision;
    int fail_after;    /* flushes left until an injected ENOSPC; 0 = never */
    int error;         /* first errno seen; 0 = none */
    bool finished;     /* flushed, fsynced and closed (ts_csv_finish) */
    bool row_started;  /* a field was written on the current row */
    size_t len;        /* bytes in buf */
    uint64_t bytes;    /* bytes written to the file */
    uint64_t queued;   /* bytes before it whose writeback was started */
    ts_sha256 *hash;   /* of the bytes written; NULL once finished */
    char hex[TS_SHA256_HEX];   /* the SHA-256, once finished */
    char *path;
    char *tmp;
    char buf[CSV_BUF];
};

static void errno_text(int e, char *out, size_t n)
{
    if (strerror_r(e, out, n) != 0)
        snprintf(out, n, "error %d", e);
}

ts_csv *ts_csv_open(const char *path, int precision, ts_error *err)
{
    ts_csv *c = malloc(sizeof *c);
    size_t pl = strlen(path);
    size_t tl = pl + 64;
    char *p = malloc(pl + 1), *t = malloc(tl);
    ts_sha256 *h = ts_sha256_begin();
    if (!c || !p || !t || !h) {
        free(c);
        free(p);
        free(t);
        ts_sha256_free(h);
        ts_error_set(err, TS_EIO, "cannot write '%s': out of memory", path);
        return NULL;
    }
    /* A results file the user made read-only is left alone (rename would
     * replace it, whatever its mode); so is a folder in its place. Checked
     * here, before any file of the set is replaced. */
    struct stat sb;
    if (stat(path, &sb) == 0 && (S_ISDIR(sb.st_mode) || (sb.st_mode & 0222) == 0)) {
        ts_error_set(err, TS_EIO, "cannot write '%s': %s", path,
                     S_ISDIR(sb.st_mode) ? "a folder is in the way"
                                         : "the file is read-only (left as it was)");
        free(c);
        free(p);
        free(t);
        ts_sha256_free(h);
        return NULL;
    }
    memcpy(p, path, pl + 1);
    c->path = p;
    c->tmp = t;
    c->precision = precision < 1 ? 1 : precision > 17 ? 17 : precision;
    c->fail_after = 0;
    c->error = 0;
    c->finished = false;
    c->row_started = false;
    c->len = 0;
    c->bytes = 0;
    c->queued = 0;
    c->hash = h;
    c->hex[0] = '\0';
    c->fd = -1;
    /* The address of c is unique among live writers in this process, the pid
     * among processes; O_EXCL and a counter handle stale files. */
    unsigned long long n = (unsigned long long)(uintptr_t)c;
    int e = 0;
    for (int i = 0; i < TMP_TRIES && c->fd < 0; i++) {
        snprintf(t, tl, "%s.tmp.%ld.%llu", path, (long)getpid(), n + (unsigned long long)i);
        c->fd = open(t, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        e = errno;
        if (c->fd < 0 && e != EEXIST && e != EINTR)
            break;
    }
    if (c->fd < 0) {
        char msg[128];
        errno_text(e, msg, sizeof msg);
        ts_error_set(err, TS_EIO, "cannot write '%s': %s", path, msg);
        free(p);
        free(t);
        free(c);
        ts_sha256_free(h);
        return NULL;
    }
    return c;
}

static void flush_buf(ts_csv *c)
{
    if (c->error) {
        c->len = 0;
        return;
    }
    if (c->fail_after > 0 && --c->fail_after == 0) {
        c->error = ENOSPC;
        c->len = 0;
        return;
    }
    if (c->len == 0)
        return;
    const char *p = c->buf;
    size_t left = c->len;
    while (left > 0) {
        ssize_t w = write(c->fd, p, left);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            c->error = errno;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    /* The digest is taken as the bytes go out (a file is never read back
     * for its seal); any error above fails the whole file. */
    if (!c->error) {
        ts_sha256_add(c->hash, c->buf, c->len);
        c->bytes += c->len;
    }
    c->len = 0;
    /* Start the pages' writeback as they come, without waiting (Linux does
     * so for dirty pages given this advice, and drops only clean ones): the
     * fsync at the end then waits for the last few MiB, not for a whole
     * file of gigabytes. */
    if (!c->error && c->bytes - c->queued >= WRITEBACK) {
        (void)posix_fadvise(c->fd, (off_t)c->queued, (off_t)(c->bytes - c->queued),
                            POSIX_FADV_DONTNEED);
        c->queued = c->bytes;
    }
}

static inline void reserve(ts_csv *c, size_t n)
{
    if (CSV_BUF - c->len < n)
        flush_buf(c);
}

static inline void sep(ts_csv *c)
{
    reserve(c, 40);
    if (c->row_started)
        c->buf[c->len++] = ',';
    c->row_started = true;
}

static void put_bytes(ts_csv *c, const char *s, size_t n)
{
    while (n > 0) {
        if (c->len == CSV_BUF)
            flush_buf(c);
        size_t k = CSV_BUF - c->len;
        if (k > n)
            k = n;
        memcpy(c->buf + c->len, s, k);
        c->len += k;
        s += k;
        n -= k;
    }
}

void ts_csv_str(ts_csv *c, const char *s)
{
    sep(c);
    if (strpbrk(s, ",\"\r\n") == NULL) {
        put_bytes(c, s, strlen(s));
        return;
    }
    put_bytes(c, "\"", 1);
    for (const char *q; (q = strchr(s, '"')) != NULL; s = q + 1) {
        put_bytes(c, s, (size_t)(q - s) + 1);
        put_bytes(c, "\"", 1); /* a quote is written twice */
    }
    put_bytes(c, s, strlen(s));
    put_bytes(c, "\"", 1);
}

void ts_csv_num(ts_csv *c, double v)
{
    sep(c);
    c->len += ts_fmt_g(c->buf + c->len, v, c->precision);
}

void ts_csv_int(ts_csv *c, long long v)
{
    sep(c);
    uint64_t u = (uint64_t)v;
    if (v < 0) {
        c->buf[c->len++] = '-';
        u = 0 - u; /* well defined for LLONG_MIN too */
    }
    c->len += fmt_u64(c->buf + c->len, u);
}

void ts_csv_u64(ts_csv *c, uint64_t v)
{
    sep(c);
    c->len += fmt_u64(c->buf + c->len, v);
}

void ts_csv_raw(ts_csv *c, const char *s, size_t n)
{
    put_bytes(c, s, n);
}

void ts_csv_empty(ts_csv *c)
{
    sep(c);
}

void ts_csv_end_row(ts_csv *c)
{
    reserve(c, 1);
    c->buf[c->len++] = '\n';
    c->row_started = false;
}

const char *ts_csv_temp_path(const ts_csv *c)
{
    return c->tmp;
}

void ts_csv_fail_after(ts_csv *c, int n_flushes)
{
    c->fail_after = n_flushes < 0 ? 0 : n_flushes;
}

static void release(ts_csv *c)
{
    ts_sha256_free(c->hash);
    free(c->path);
    free(c->tmp);
    free(c);
}

static ts_status report(const ts_csv *c, ts_error *err)
{
    char msg[128];
    errno_text(c->error, msg, sizeof msg);
    return ts_error_set(err, TS_EIO, "cannot write '%s': %s", c->path, msg);
}

ts_status ts_csv_finish(ts_csv *c, ts_error *err)
{
    if (!c->finished) {
        flush_buf(c); /* counts as a flush even when empty, for ts_csv_fail_after */
        if (!c->error && fsync(c->fd) != 0)
            c->error = errno;
        if (close(c->fd) != 0 && !c->error)
            c->error = errno;
        c->fd = -1;
        c->finished = true;
        if (c->error) {
            unlink(c->tmp);
        } else {
            ts_sha256_end(c->hash, c->hex);
            c->hash = NULL;
        }
    }
    return c->error ? report(c, err) : TS_OK;
}

bool ts_csv_digest(const ts_csv *c, char hex[TS_SHA256_HEX], uint64_t *bytes)
{
    if (!c->finished || c->error)
        return false;
    memcpy(hex, c->hex, TS_SHA256_HEX);
    *bytes = c->bytes;
    return true;
}

ts_status ts_csv_commit(ts_csv *c, ts_error *err)
{
    ts_status s = ts_csv_finish(c, err);
    if (s == TS_OK && rename(c->tmp, c->path) != 0) {
        c->error = errno;
        unlink(c->tmp);
        s = report(c, err);
    }
    release(c);
    return s;
}

void ts_csv_abort(ts_csv *c)
{
    if (!c)
        return;
    if (c->fd >= 0)
        close(c->fd);
    unlink(c->tmp);
    release(c);
}
