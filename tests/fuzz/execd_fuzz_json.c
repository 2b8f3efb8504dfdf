/* Fuzz target: JSON request bodies through every validator, plus the name glob (pattern and
 * name separated by the first NUL byte). */
#include "fsutil.h"
#include "reqparse.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 1 << 16) return 0;
    reqparse_all((const char *)data, size);
    const uint8_t *nul = memchr(data, 0, size);
    if (nul) {
        char *pat = strndup((const char *)data, (size_t)(nul - data));
        char *name = strndup((const char *)nul + 1, size - (size_t)(nul - data) - 1);
        glob_match(pat, name);
        free(pat);
        free(name);
    }
    return 0;
}
