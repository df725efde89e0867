/* The experiment's ways beyond one process (docs/cluster.md): a Slurm job
 * array written as scripts (slurm.c), and MPI ranks when the build found
 * MPI (mpi.c). Private to cli/. */
#ifndef TRADESIM_CLI_CLUSTER_H
#define TRADESIM_CLI_CLUSTER_H

#include <stdbool.h>
#include <stdio.h>

#include "tradesim/cli.h"
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

/* The experiment over the ranks: rank r runs block r + 1 of size (its own
 * threads), rank 0 gathers the exact values and writes folder as one
 * machine would. Every rank returns the same status; err is set on the
 * ranks that failed and on rank 0. */
ts_status ts_mpi_experiment(const ts_scenario *sc, const char *folder,
                            const ts_experiment_opts *eo, int rank, int size, ts_error *err);

#endif
