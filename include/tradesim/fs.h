/* Folders: creating the folders results and charts go into. */
#ifndef TRADESIM_FS_H
#define TRADESIM_FS_H

#include "tradesim/error.h"

/* Creates path and its missing parents (mkdir -p). TS_EIO naming the folder. */
ts_status ts_fs_mkdirs(const char *path, ts_error *err);

#endif
