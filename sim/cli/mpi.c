/* An experiment over MPI ranks (cluster.h): each rank a contiguous block of
 * the design on its own threads, rank 0 gathering the exact values and
 * writing the files one machine writes. Without MPI at build time
 * (TRADESIM_MPI undefined) it is never started. */
#include "cluster.h"

#include <limits.h>
#include <stdlib.h>

#include "tradesim/fs.h"
#include "tradesim/shard.h"

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
    int mine = (int)st, worst = 0;
    MPI_Allreduce(&mine, &worst, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
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
        mine = (int)st;
        MPI_Bcast(&mine, 1, MPI_INT, 0, MPI_COMM_WORLD);
        worst = mine;
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

#endif
