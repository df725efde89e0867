/* libFuzzer target for the scenario loader and the --set parser.
 *
 * Input: zero or more leading lines "#set KEY=VALUE" (overrides, as given to
 * --set), then libconfig text. Any input must give a scenario or a one-line
 * error: never a crash, a leak or a hang. A loaded scenario must also survive
 * the write/read round trip unchanged. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tradesim/scenario.h"

#define MAX_SETS 8

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    const char *sets[MAX_SETS];
    int n_sets = 0;
    char *p = text;
    while (n_sets < MAX_SETS && strncmp(p, "#set ", 5) == 0) {
        char *nl = strchr(p, '\n');
        if (!nl)
            break;
        *nl = '\0';
        sets[n_sets++] = p + 5;
        p = nl + 1;
    }

    ts_error err;
    ts_scenario *sc = ts_scenario_parse(p, "fuzz.cfg", sets, n_sets, &err);
    if (sc) {
        char *out = ts_scenario_to_string(sc);
        if (out) {
            ts_scenario *again = ts_scenario_parse(out, "fuzz.cfg", NULL, 0, &err);
            if (!again || !ts_scenario_equal(sc, again))
                abort(); /* the resolved scenario must read back as itself */
            ts_scenario_free(again);
            free(out);
        }
        ts_scenario_free(sc);
    } else if (strchr(err.msg, '\n') || err.msg[0] == '\0') {
        abort(); /* errors are exactly one non-empty line */
    }
    free(text);
    return 0;
}
