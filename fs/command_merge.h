/* The cached command list and execd's changes to it (GET /command/list?since=): pure functions
 * on jansson values, so that the fuzzer can drive them (tests/fuzz/sandboxfs_commands.c). */
#ifndef SFS_COMMAND_MERGE_H
#define SFS_COMMAND_MERGE_H
#include <jansson.h>
#include <stddef.h>

/* A record's "id" (NULL when it has none). */
const char *cmd_rec_id(json_t *rec);
/* The cached list with execd's changes applied, as a new array; NULL without memory. The cached
 * list is execd's as of the delta's base (records made before it), then *local records started
 * here since. Execd's list is in creation order, so the result is: the old records still there
 * (changed ones replaced), the new ones in execd's order, then the local ones execd did not list
 * yet (started after its answer); *local becomes their number. A record that ended here is not
 * taken back to running by an answer read before its end. Records are shared, not copied. */
json_t *cmd_list_merge(json_t *cached, size_t *local, json_t *changed, json_t *removed);

#endif
