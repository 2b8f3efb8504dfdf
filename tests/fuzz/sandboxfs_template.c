/* Fuzz target: sandboxfs's template parser and path parser. Built with a replay main that runs
 * every file given (or every file of the directories given); with -DSFS_LIBFUZZER, libFuzzer's. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../../fs/nodes.h"

struct sfs_config sfs_cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';
    struct sfs_template t;
    int line;
    if (tpl_parse(text, &t, &line) == 0)
        tpl_free(&t);
    struct node n;
    node_parse(text, &n);
    long secs;
    sfs_parse_duration(text, &secs);
    time_t when;
    sfs_parse_time(text, &when);
    free(text);
    return 0;
}

#ifndef SFS_LIBFUZZER
static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    static uint8_t buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

int main(int argc, char **argv)
{
    int count = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            count += run_file(argv[i]) == 0;
            continue;
        }
        for (struct dirent *e; (e = readdir(d));) {
            char p[4096];
            if (e->d_name[0] == '.')
                continue;
            snprintf(p, sizeof p, "%s/%s", argv[i], e->d_name);
            count += run_file(p) == 0;
        }
        closedir(d);
    }
    printf("replayed %d inputs\n", count);
    return 0;
}
#endif
