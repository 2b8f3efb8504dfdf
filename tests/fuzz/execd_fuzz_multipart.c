/* Fuzz target: multipart/form-data. The first line is the Content-Type value, the rest the body. */
#include "fsutil.h"
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const uint8_t *nl = memchr(data, '\n', size);
    if (!nl || nl - data > 512) return 0;
    char ctype[513];
    memcpy(ctype, data, (size_t)(nl - data));
    ctype[nl - data] = 0;
    char boundary[80];
    if (multipart_boundary(ctype, boundary, sizeof(boundary)) < 0) return 0;
    size_t len = size - (size_t)(nl + 1 - data);
    char *body = malloc(len ? len : 1); /* exact size: reads past the body are caught */
    memcpy(body, nl + 1, len);
    struct mp_part parts[16];
    char names[1024];
    int n = 0;
    if (multipart_parse(body, len, boundary, parts, 16, &n, names, sizeof(names)) == 0) {
        unsigned sum = 0;
        for (int i = 0; i < n; i++) { /* touch every byte the parser claims */
            for (size_t k = 0; k < parts[i].len; k++)
                sum += (unsigned char)parts[i].data[k];
            sum += (unsigned)strlen(parts[i].name);
        }
        if (sum == 0xdeadbeef) abort(); /* keeps the loop */
    }
    free(body);
    return 0;
}
