/*
 * bench_schema.h: what typed messages cost (bench_schema.c, part of
 * cosmosb_benchlib; `cosmosb-bench --only schema`): bare cosmosb_pipe_send/recv
 * against cosmosb_typed_send_tagged + cosmosb_receiver_recv/release in COPY
 * and IN_PLACE trust modes, and cosmosb_schema_validate() alone.
 */
#ifndef COSMOSB_BENCH_SCHEMA_H
#define COSMOSB_BENCH_SCHEMA_H

#include "bench_zc.h"

/** Measures and prints (markdown, stdout) the schema section. Returns the number of failed measurements. */
int bench_schema_report(const bench_zc_opts_t *o);

#endif /* COSMOSB_BENCH_SCHEMA_H */
