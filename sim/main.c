/* tradesim: the command-line program. All work is in the library. */
#include <stdio.h>

#include <gsl/gsl_errno.h>

#include "tradesim/cli.h"

int main(int argc, char **argv)
{
    /* The library checks every GSL status; GSL's default handler would abort. */
    gsl_set_error_handler_off();
    return ts_cli_main(argc, argv, stdout, stderr);
}
