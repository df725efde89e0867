/* Folders (fs.h). */
#include "tradesim/fs.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

ts_status ts_fs_mkdirs(const char *path, ts_error *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return ts_error_set(err, TS_EIO, "%s: path too long", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != '\0')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return ts_error_set(err, TS_EIO, "%s: cannot create folder: %s", buf,
                                strerror(errno));
        struct stat sb;
        if (stat(buf, &sb) != 0 || !S_ISDIR(sb.st_mode))
            return ts_error_set(err, TS_EIO, "%s: not a folder", buf);
        buf[i] = c;
    }
    return TS_OK;
}
