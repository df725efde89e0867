/* Fixtures shared by the model's tests (test_model.c, test_rollout.c): a
 * bare issue of a kind and a two-issue world (a chip owned by actor 0, a
 * pledge owned by actor 1). Header-only: each test program has its copy. */
#ifndef TRADESIM_MODEL_FIXTURE_H
#define TRADESIM_MODEL_FIXTURE_H

#include <stdio.h>
#include <string.h>

#include "tradesim/model.h"

static inline ts_issue base_issue(ts_issue_kind kind, int owner)
{
    ts_issue is;
    memset(&is, 0, sizeof is);
    snprintf(is.id, sizeof is.id, "x");
    is.kind = kind;
    is.owner = owner;
    is.min = 0.0;
    is.max = 1.0;
    is.max_step = 1.0;
    is.pressure_weight = 1.0;
    return is;
}

/* A two-issue world (chip owned by 0, pledge owned by 1) for world tests. */
typedef struct {
    ts_scenario sc;
    ts_issue issues[2], copies[2];
    ts_issue_state st[2];
    bool held[2];
    double seen[2];
    ts_world w;
} fixture;

static inline void make_world(fixture *f)
{
    memset(f, 0, sizeof *f);
    f->sc.calendar = (ts_calendar){TS_STEP_WEEK, 0, 0, 10, 7.0 / 365.25};
    f->sc.n_issues = 2;
    f->sc.issues = f->issues;
    for (int a = 0; a < 2; a++) {
        f->sc.actors[a].discount = 0.05 * (a + 1);
        f->sc.actors[a].trust = 0.25;
    }
    f->issues[0] = base_issue(TS_ISSUE_CHIP_LICENCE, 0);
    f->issues[0].initial = 0.5;
    f->issues[0].sales_bn = 10.0;
    f->issues[0].margin = 0.5;
    f->issues[0].firm_weight = 1.0;
    f->issues[0].strategic_value_bn = 2.0;
    f->issues[0].access_value_bn = 8.0;
    f->issues[0].market_share = 0.8;
    f->issues[0].erosion = 0.4;
    f->issues[0].recovery = 0.1;
    f->issues[0].generation_years = 1.0;
    f->issues[0].generation_decay = 0.6;
    f->issues[1] = base_issue(TS_ISSUE_PLEDGE, 1);
    f->issues[1].initial = 0.3;
    f->issues[1].cost_bn = 1.0;
    f->issues[1].benefit_bn = 4.0;
    ts_world_bind(&f->w, &f->sc, f->copies, f->st, f->held, f->seen);
}

#endif
