/* Replay main for sandboxd's fuzz target (built without libFuzzer): runs every file of the
 * given files or directories, then ROUNDS deterministic mutations of each (a smoke fuzz that
 * make check can afford). Exits non-zero only by crashing (ASan/UBSan abort). */
#ifndef LIBFUZZER /* scripts/fuzz.sh links libFuzzer's own main instead */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define REPLAY_MAX (1 << 20)
#define ROUNDS 200 /* FUZZ_ROUNDS and FUZZ_SEED in the environment override */

static int rounds = ROUNDS;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* Flips, inserts, deletes or duplicates a few bytes. */
static size_t mutate(uint8_t *buf, size_t n, size_t cap)
{
    int edits = 1 + (int)(next() % 4);
    for (int i = 0; i < edits; i++) {
        size_t at = n ? next() % n : 0;
        switch (next() % 4) {
        case 0:
            if (n) buf[at] ^= (uint8_t)(1u << (next() % 8));
            break;
        case 1:
            if (n < cap) {
                memmove(buf + at + 1, buf + at, n - at);
                buf[at] = (uint8_t)next();
                n++;
            }
            break;
        case 2:
            if (n) {
                memmove(buf + at, buf + at + 1, n - at - 1);
                n--;
            }
            break;
        default:
            if (n && n * 2 <= cap) {
                memcpy(buf + n, buf, n);
                n *= 2;
            }
        }
    }
    return n;
}

static int run_file(const char *path)
{
    static uint8_t in[REPLAY_MAX], buf[REPLAY_MAX * 2];
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f) {
        perror(path);
        return 1;
    }
    n = fread(in, 1, sizeof(in), f);
    fclose(f);
    LLVMFuzzerTestOneInput(in, n);
    for (int r = 0; r < rounds; r++) {
        memcpy(buf, in, n);
        size_t m = mutate(buf, n, sizeof(buf));
        LLVMFuzzerTestOneInput(buf, m);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int files = 0, bad = 0;
    if (getenv("FUZZ_ROUNDS")) rounds = atoi(getenv("FUZZ_ROUNDS"));
    if (getenv("FUZZ_SEED")) rng ^= strtoull(getenv("FUZZ_SEED"), NULL, 10) * 0x2545F4914F6CDD1DULL;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
            bad |= run_file(argv[i]);
            files++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        struct dirent *de;
        while (d && (de = readdir(d))) {
            char p[4096];
            if (de->d_name[0] == '.') continue;
            snprintf(p, sizeof(p), "%s/%s", argv[i], de->d_name);
            bad |= run_file(p);
            files++;
        }
        if (d) closedir(d);
    }
    printf("replayed %d inputs with %d mutations each\n", files, rounds);
    return bad;
}
#endif
