/* tradesim: the command-line program. All work is in the library. */
#include <stdio.h>

#include "tradesim/cli.h"

int main(int argc, char **argv)
{
    return ts_cli_main(argc, argv, stdout, stderr);
}
