/* SHA-256 of files and text (digest.h), on Nettle: a maintained library with
 * a plain init/update/digest interface and no global state, so any thread may
 * hash its own files. */
#include "tradesim/digest.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nettle/sha2.h>

static void to_hex(const uint8_t *d, char hex[TS_SHA256_HEX])
{
    static const char digits[] = "0123456789abcdef";
    for (int i = 0; i < SHA256_DIGEST_SIZE; i++) {
        hex[2 * i] = digits[d[i] >> 4];
        hex[2 * i + 1] = digits[d[i] & 15];
    }
    hex[2 * SHA256_DIGEST_SIZE] = '\0';
}

void ts_sha256_text(const void *p, size_t n, char hex[TS_SHA256_HEX])
{
    struct sha256_ctx ctx;
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_init(&ctx);
    sha256_update(&ctx, n, p);
    sha256_digest(&ctx, sizeof d, d);
    to_hex(d, hex);
}

struct ts_sha256 {
    struct sha256_ctx ctx;
};

ts_sha256 *ts_sha256_begin(void)
{
    ts_sha256 *h = malloc(sizeof *h);
    if (h)
        sha256_init(&h->ctx);
    return h;
}

void ts_sha256_add(ts_sha256 *h, const void *p, size_t n)
{
    sha256_update(&h->ctx, n, p);
}

void ts_sha256_end(ts_sha256 *h, char hex[TS_SHA256_HEX])
{
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&h->ctx, sizeof d, d);
    to_hex(d, hex);
    free(h);
}

void ts_sha256_free(ts_sha256 *h)
{
    free(h);
}

ts_status ts_sha256_file(const char *path, char hex[TS_SHA256_HEX], uint64_t *bytes,
                         ts_error *err)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    struct stat sb;
    if (fd < 0)
        return ts_error_set(err, TS_EIO, "cannot read '%s': %s", path, strerror(errno));
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return ts_error_set(err, TS_EIO, "cannot read '%s': not a regular file", path);
    }
    struct sha256_ctx ctx;
    sha256_init(&ctx);
    uint8_t buf[1 << 16];
    uint64_t total = 0;
    for (;;) {
        ssize_t k = read(fd, buf, sizeof buf);
        if (k < 0 && errno == EINTR)
            continue;
        if (k < 0) {
            int e = errno;
            close(fd);
            return ts_error_set(err, TS_EIO, "cannot read '%s': %s", path, strerror(e));
        }
        if (k == 0)
            break;
        sha256_update(&ctx, (size_t)k, buf);
        total += (uint64_t)k;
    }
    close(fd);
    uint8_t d[SHA256_DIGEST_SIZE];
    sha256_digest(&ctx, sizeof d, d);
    to_hex(d, hex);
    *bytes = total;
    return TS_OK;
}
