/* Commands over MPI ranks (cluster.h): an experiment, each rank a
 * contiguous block of the design on its own threads, rank 0 gathering the
 * exact values and writing the files one machine writes; and the
 * collectives batch and run build on. Without MPI at build time
 * (TRADESIM_MPI undefined) MPI is never started. */
#include "cluster.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tradesim/fs.h"
#include "tradesim/shard.h"
#include "tradesim/text.h"

#ifdef TRADESIM_MPI
#include <mpi.h>

bool ts_mpi_start(int *rank, int *size)
{
    /* Only under a launcher: a plain run never touches MPI. */
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMIX_RANK") && !getenv("PMI_RANK"))
        return false;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return false;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    return true;
}

void ts_mpi_stop(void)
{
    MPI_Finalize();
}

/* Waits for req without spinning: MPI's blocking calls poll, and a rank
 * waiting for another on the same node would take a core from it. */
static void settle(MPI_Request *req)
{
    int done = 0;
    const struct timespec ms = {.tv_sec = 0, .tv_nsec = 1000000};
    for (MPI_Test(req, &done, MPI_STATUS_IGNORE); !done; MPI_Test(req, &done, MPI_STATUS_IGNORE))
        nanosleep(&ms, NULL);
}

/* op over every rank's *in into *out, on every rank */
static void allreduce(const void *in, void *out, MPI_Datatype type, MPI_Op op)
{
    MPI_Request req;
    MPI_Iallreduce(in, out, 1, type, op, MPI_COMM_WORLD, &req);
    settle(&req);
}

int ts_mpi_worst(int status)
{
    int worst = status;
    allreduce(&status, &worst, MPI_INT, MPI_MAX);
    return worst;
}

long ts_mpi_sum(long v)
{
    long sum = v;
    allreduce(&v, &sum, MPI_LONG, MPI_SUM);
    return sum;
}

/* rank 0's cmd[0..n) on every rank */
static void bcast(int *cmd, int n)
{
    MPI_Request req;
    MPI_Ibcast(cmd, n, MPI_INT, 0, MPI_COMM_WORLD, &req);
    settle(&req);
}

int ts_mpi_bcast(int v)
{
    bcast(&v, 1);
    return v;
}

#define CHUNK ((size_t)1 << 30)

void ts_mpi_send(const void *buf, size_t len, int to)
{
    uint64_t n = len;
    MPI_Send(&n, 1, MPI_UINT64_T, to, 0, MPI_COMM_WORLD);
    for (size_t at = 0; at < len; at += CHUNK)
        MPI_Send((const char *)buf + at, (int)(len - at < CHUNK ? len - at : CHUNK), MPI_BYTE,
                 to, 0, MPI_COMM_WORLD);
}

char *ts_mpi_recv(int from, size_t *len)
{
    uint64_t n = 0;
    MPI_Request req;
    MPI_Irecv(&n, 1, MPI_UINT64_T, from, 0, MPI_COMM_WORLD, &req);
    settle(&req);   /* the sender may be running its part still */
    char *buf = n < SIZE_MAX ? malloc((size_t)n + 1) : NULL;
    if (!buf) {
        fprintf(stderr, "tradesim: out of memory for %llu bytes from rank %d\n",
                (unsigned long long)n, from);
        MPI_Abort(MPI_COMM_WORLD, TS_EIO);
        return NULL;
    }
    for (size_t at = 0; at < n; at += CHUNK)
        MPI_Recv(buf + at, (int)(n - at < CHUNK ? n - at : CHUNK), MPI_BYTE, from, 0,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    buf[n] = '\0';   /* a string at the end stops here */
    *len = (size_t)n;
    return buf;
}

ts_status ts_mpi_experiment(const ts_scenario *sc, const char *folder,
                            const ts_experiment_opts *eo, int rank, int size, ts_error *err)
{
    double *x = NULL, *y = NULL;
    int P = 0, M = 0;
    int *counts = NULL, *displs = NULL;
    ts_status st = ts_experiment_points(sc, eo, &x, &P, err);
    char (*names)[TS_OUTCOME_NAME] = st == TS_OK ? ts_experiment_metrics(sc, &M) : NULL;
    if (st == TS_OK && (double)P * M > INT_MAX)
        st = ts_error_set(err, TS_EBAD, "%s: %d points of %d values: more than MPI's counts "
                          "hold (use --shard and merge)", sc->path, P, M);
    if (st == TS_OK) {
        y = calloc((size_t)P * (size_t)M + 1, sizeof *y);
        counts = malloc(sizeof *counts * (size_t)size);
        displs = malloc(sizeof *displs * (size_t)size);
        if (!names || !y || !counts || !displs)
            st = ts_error_set(err, TS_EIO, "tradesim: out of memory for %d points", P);
    }
    long first = 0, last = 0;
    for (int r = 0; r < size && st == TS_OK; r++) {
        ts_shard_block(P, r + 1, size, &first, &last);
        counts[r] = (int)((last - first) * M);
        displs[r] = (int)(first * M);
    }
    if (st == TS_OK) {
        ts_experiment_opts so = *eo;
        ts_shard_block(P, rank + 1, size, &so.first, &so.last);
        so.progress = NULL;
        st = ts_experiment_run_block(sc, &so, y, err);
    }
    /* Every rank learns the worst status before the collective. */
    int worst = ts_mpi_worst((int)st);
    if (worst == TS_OK) {
        if (rank == 0)
            MPI_Gatherv(MPI_IN_PLACE, counts[0], MPI_DOUBLE, y, counts, displs, MPI_DOUBLE, 0,
                        MPI_COMM_WORLD);
        else
            MPI_Gatherv(y + displs[rank], counts[rank], MPI_DOUBLE, NULL, NULL, NULL, MPI_DOUBLE, 0,
                        MPI_COMM_WORLD);
        if (rank == 0 && (st = ts_fs_mkdirs(folder, err)) == TS_OK &&
            (st = ts_experiment_write_inputs(sc, folder, x, P, err)) == TS_OK)
            st = ts_experiment_write_results(sc, folder, eo, x, P, y, err);
        worst = ts_mpi_bcast((int)st);
    } else if (st == TS_OK) {
        st = ts_error_set(err, (ts_status)worst, "another rank failed");
    }
    if (st == TS_OK && worst != TS_OK)
        st = ts_error_set(err, (ts_status)worst, "rank 0 could not write %s", folder);
    free(names);
    free(x);
    free(y);
    free(counts);
    free(displs);
    return st;
}

/* Rank 0's part of each block of a run: the block cut by rank, its own part
 * run here, the others' received in rank order. */
static ts_status run_block(void *ctx, const ts_engine *e, const ts_engine_opts *opts, ts_run *run,
                           int k0, int n, ts_error *err)
{
    const ts_mpi_ranks *mr = ctx;
    int cmd[3] = {k0, n, TS_OK};
    bcast(cmd, 3);
    long first, last;
    ts_shard_block(n, 1, mr->size, &first, &last);
    ts_engine_opts here = *opts;
    here.run_block = NULL;
    here.progress = NULL;   /* its part's count is not the block's */
    ts_status st = ts_engine_run_block(e, &here, run, k0, (int)last, err);
    for (int r = 1; r < mr->size; r++) {
        size_t len = 0;
        char *buf = ts_mpi_recv(r, &len);
        int32_t rs = TS_EIO;
        if (len >= sizeof rs)
            memcpy(&rs, buf, sizeof rs);
        const char *msg = len > sizeof rs ? buf + sizeof rs : "";
        size_t at = sizeof rs + strlen(msg) + 1;
        if (st == TS_OK && rs != TS_OK)
            st = ts_error_set(err, (ts_status)rs, "%s", *msg ? msg : "another rank failed");
        else if (st == TS_OK && at > len)
            st = ts_error_set(err, TS_EIO, "%s: MPI rank %d sent no replicates",
                              ts_engine_scenario(e)->name, r);
        else if (st == TS_OK)
            st = ts_run_unpack(e, run, buf + at, len - at, err);
        free(buf);
    }
    run->k0 = k0;
    run->n = n;
    return st;
}

void ts_mpi_run_opts(ts_engine_opts *opts, ts_mpi_ranks *ranks)
{
    opts->run_block = run_block;
    opts->run_block_ctx = ranks;
}

ts_status ts_mpi_run_serve(const ts_engine *e, const ts_engine_opts *opts, int rank, int size)
{
    ts_run *part = NULL;
    int cap = 0;
    for (;;) {
        int cmd[3];
        bcast(cmd, 3);
        if (cmd[1] < 0) {
            ts_run_free(part);
            return (ts_status)cmd[2];
        }
        long first, last;
        ts_shard_block(cmd[1], rank + 1, size, &first, &last);
        int n = (int)(last - first);
        if (e && (!part || n > cap)) {
            ts_run_free(part);
            part = ts_run_alloc(e, n);
            cap = n;
        }
        ts_error pe;
        ts_error_clear(&pe);
        ts_status st = part ? ts_engine_run_block(e, opts, part, cmd[0] + (int)first, n, &pe)
                            : ts_error_set(&pe, TS_EIO, "tradesim: out of memory for %d "
                                           "replicates (or their engine) on MPI rank %d", n,
                                           rank);
        /* the status, its message, then the replicates */
        ts_text t = {.s = NULL};
        int32_t rs = (int32_t)st;
        ts_text_put(&t, &rs, sizeof rs);
        ts_text_put(&t, pe.msg, strlen(pe.msg) + 1);
        if (st == TS_OK)
            ts_run_pack(e, part, &t);
        if (t.oom) {   /* a failure that needs no memory */
            static const char msg[] = "tradesim: out of memory for the replicates of an MPI rank";
            char small[sizeof rs + sizeof msg];
            rs = TS_EIO;
            memcpy(small, &rs, sizeof rs);
            memcpy(small + sizeof rs, msg, sizeof msg);
            ts_mpi_send(small, sizeof small, 0);
        } else {
            ts_mpi_send(t.s, t.len, 0);
        }
        ts_text_free(&t);
    }
}

void ts_mpi_run_end(ts_status status)
{
    int cmd[3] = {0, -1, (int)status};
    bcast(cmd, 3);
}

#else

bool ts_mpi_start(int *rank, int *size)
{
    *rank = 0;
    *size = 1;
    return false;
}

void ts_mpi_stop(void)
{
}

/* Never called without MPI: no rank but 0 exists. */
int ts_mpi_worst(int status)
{
    return status;
}

long ts_mpi_sum(long v)
{
    return v;
}

int ts_mpi_bcast(int v)
{
    return v;
}

void ts_mpi_send(const void *buf, size_t len, int to)
{
    (void)buf;
    (void)len;
    (void)to;
}

char *ts_mpi_recv(int from, size_t *len)
{
    (void)from;
    *len = 0;
    return NULL;
}

ts_status ts_mpi_experiment(const ts_scenario *sc, const char *folder,
                            const ts_experiment_opts *eo, int rank, int size, ts_error *err)
{
    (void)sc;
    (void)folder;
    (void)eo;
    (void)rank;
    (void)size;
    return ts_error_set(err, TS_EBAD, "this tradesim was built without MPI");
}

void ts_mpi_run_opts(ts_engine_opts *opts, ts_mpi_ranks *ranks)
{
    (void)opts;
    (void)ranks;
}

ts_status ts_mpi_run_serve(const ts_engine *e, const ts_engine_opts *opts, int rank, int size)
{
    (void)e;
    (void)opts;
    (void)rank;
    (void)size;
    return TS_EBAD;
}

void ts_mpi_run_end(ts_status status)
{
    (void)status;
}

#endif

ts_status ts_mpi_begin(const char *cmd, const char *what, const char *hint, bool *mpi,
                       int *rank, int *size, ts_error *err)
{
    *rank = 0;
    *size = 1;
    *mpi = ts_mpi_start(rank, size);
    const char *ranks = getenv("OMPI_COMM_WORLD_SIZE");
    if (!*mpi && ranks && atoi(ranks) > 1)
        return ts_error_set(err, TS_EBAD, "tradesim %s: under mpirun, but this tradesim was "
                            "built without MPI (every rank would run every %s): rebuild with "
                            "libopenmpi-dev installed%s", cmd, what, hint);
    return TS_OK;
}
