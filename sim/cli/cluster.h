/* The experiment's ways beyond one process (docs/cluster.md): a Slurm job
 * array written as scripts (slurm.c), and MPI ranks when the build found
 * MPI (mpi.c). Private to cli/. */
#ifndef TRADESIM_CLI_CLUSTER_H
#define TRADESIM_CLI_CLUSTER_H

#include <stdbool.h>
#include <stdio.h>

#include "tradesim/cli.h"
#include "tradesim/engine.h"
#include "tradesim/experiment.h"

/* Writes dir/<name>.slurm/: the resolved scenario.cfg, submit.sbatch (the
 * array of shards), merge.sbatch and submit.sh (submits both, the merge
 * after the array), and prints how to submit on out. Without --tasks the
 * number of tasks comes from one point timed here. Returns the exit code. */
int ts_slurm_write(const ts_scenario *sc, const ts_cli_opts *o, const ts_experiment_opts *eo,
                   const char *dir, FILE *out, FILE *err);

/* Under mpirun (and built with MPI): starts MPI and sets *rank and *size;
 * false (and nothing started) otherwise. */
bool ts_mpi_start(int *rank, int *size);
void ts_mpi_stop(void);

/* ts_mpi_start for command cmd; TS_EBAD with cmd's one-line refusal when a
 * launcher started several ranks of a tradesim without MPI (each would run
 * all of `what`; hint ends the line). */
ts_status ts_mpi_begin(const char *cmd, const char *what, const char *hint, bool *mpi,
                       int *rank, int *size, ts_error *err);

/* Collectives every rank calls: the largest status (MPI_MAX), a sum, and
 * rank 0's value, each returned on every rank. */
int ts_mpi_worst(int status);
long ts_mpi_sum(long v);
int ts_mpi_bcast(int v);

/* Bytes from one rank to another: the length, then chunks MPI's int counts
 * hold. ts_mpi_recv returns a malloc'd copy (its length in *len); out of
 * memory ends every rank with exit 3 (MPI_Abort), since the sender cannot
 * be stopped. */
void ts_mpi_send(const void *buf, size_t len, int to);
char *ts_mpi_recv(int from, size_t *len);

/* The experiment over the ranks: rank r runs block r + 1 of size (its own
 * threads), rank 0 gathers the exact values and writes folder as one
 * machine would. Every rank returns the same status; err is set on the
 * ranks that failed and on rank 0. */
ts_status ts_mpi_experiment(const ts_scenario *sc, const char *folder,
                            const ts_experiment_opts *eo, int rank, int size, ts_error *err);

/* A run over MPI ranks (tradesim run). Rank 0 runs ts_output_run with
 * opts set by ts_mpi_run_opts: each block of replicates it runs (the whole
 * run, or each block of a run in blocks) is cut into contiguous parts by
 * rank, every rank running its part on its threads and sending it to rank
 * 0, which writes the files one process writes. The other ranks serve those
 * parts (ts_mpi_run_serve, with their own opts: threads, talks, cancel)
 * until rank 0 calls ts_mpi_run_end with its status, which serve returns. */
typedef struct {
    int rank, size;
} ts_mpi_ranks;
void ts_mpi_run_opts(ts_engine_opts *opts, ts_mpi_ranks *ranks);
ts_status ts_mpi_run_serve(const ts_engine *e, const ts_engine_opts *opts, int rank, int size);
void ts_mpi_run_end(ts_status status);

#endif
