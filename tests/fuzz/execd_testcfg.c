/* The configuration global for execd's unit tests and fuzzers (execd defines it in main.c). */
#include "execd.h"

struct execd_config g_cfg = {.max_json_body = 1 << 20, .max_body = 1 << 20};
