/* Fuzz target: the Range header against a file size taken from the first 8 bytes. */
#include "http.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 8 || size > 4096) return 0;
    uint64_t fsize;
    memcpy(&fsize, data, 8);
    fsize %= (1ull << 40);
    char *hdr = malloc(size - 8 + 1);
    memcpy(hdr, data + 8, size - 8);
    hdr[size - 8] = 0;
    uint64_t start, len;
    if (http_parse_range(hdr, fsize, &start, &len) == 0 && (len == 0 || start + len > fsize))
        abort(); /* a satisfiable range always lies inside the file */
    free(hdr);
    return 0;
}
