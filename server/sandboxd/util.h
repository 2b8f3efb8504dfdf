/* Small helpers: clock, RFC 3339 times, random ids and tokens. */
#ifndef SANDBOXD_UTIL_H
#define SANDBOXD_UTIL_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TIME_STR_MAX 32
#define UUID_STR_LEN 36
#define TOKEN_HEX_LEN 64

/* Wall-clock milliseconds since the epoch. */
int64_t now_ms(void);

/* Formats ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" (UTC). */
void time_format(int64_t ms, char out[TIME_STR_MAX]);

/* Parses RFC 3339 ("2025-11-16T14:30:45Z", fractional seconds, "+hh:mm" offsets, or a space
 * instead of T). Returns 0 or -EINVAL; *ret_ms is untouched on failure. */
int time_parse(const char *s, int64_t *ret_ms);

/* Random version-4 UUID, lowercase with dashes, NUL-terminated. Returns 0 or -errno. */
int uuid4(char out[UUID_STR_LEN + 1]);

/* 32 random bytes as 64 hex digits, NUL-terminated. Returns 0 or -errno. */
int random_token(char out[TOKEN_HEX_LEN + 1]);

/* Constant-time string comparison (for secrets). */
bool secret_equal(const char *a, const char *b);
#endif
