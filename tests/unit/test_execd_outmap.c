/* Unit tests for the output map: runs of two streams written in random sizes, then every
 * output offset found in the right stream at the right place. */
#include "outmap.h"
#include "tap.h"
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOTAL 20000

int main(void)
{
    char dir[] = "/tmp/outmap-test.XXXXXX";
    if (!mkdtemp(dir)) return 1;
    static int want_stream[TOTAL];
    static uint64_t want_off[TOTAL];
    struct outmap m;
    outmap_init(&m, 1 << 20);
    uint64_t slen[2] = {0, 0}, out = 0, runs = 0;
    int prev = -1;
    srand(7);
    while (out < TOTAL) {
        int s = rand() % 3 ? prev < 0 ? 0 : prev : !prev; /* mostly the same stream */
        uint64_t n = 1 + (uint64_t)rand() % 40;
        if (out + n > TOTAL) n = TOTAL - out;
        struct outmap_rec rec;
        int p = outmap_prepare(&m, dir, s, slen[s], &rec);
        outmap_publish(&m, p, &rec, n);
        runs += p == 1;
        for (uint64_t i = 0; i < n; i++) {
            want_stream[out + i] = s;
            want_off[out + i] = slen[s] + i;
        }
        slen[s] += n;
        out += n;
        prev = s;
    }
    ok(m.len == TOTAL && m.n == runs && runs > 100, "%llu bytes in %llu runs",
       (unsigned long long)m.len, (unsigned long long)runs);
    struct outmap_view v;
    outmap_view(&m, &v);
    int bad = 0;
    for (uint64_t off = 0; off < TOTAL; off++) {
        struct outmap_seg seg;
        if (outmap_find(&v, off, &seg) < 0 || seg.stream != want_stream[off] ||
            seg.off != want_off[off] || seg.n == 0 || off + seg.n > TOTAL ||
            want_stream[off + seg.n - 1] != seg.stream ||
            (off + seg.n < TOTAL && want_stream[off + seg.n] == seg.stream &&
             want_off[off + seg.n] == seg.off + seg.n))
            bad++;
    }
    ok(bad == 0, "every offset maps to its stream, place and the rest of its run (%d wrong)", bad);
    struct outmap_seg seg;
    ok(outmap_find(&v, TOTAL, &seg) < 0, "the end of the output is not in any run");

    struct outmap one;
    outmap_init(&one, 1 << 20);
    struct outmap_rec rec;
    for (int i = 0; i < 5; i++) {
        int p = outmap_prepare(&one, dir, 1, (uint64_t)i * 10, &rec);
        outmap_publish(&one, p, &rec, 10);
    }
    outmap_view(&one, &v);
    ok(one.n == 1 && outmap_find(&v, 25, &seg) == 0 && seg.stream == 1 && seg.off == 25 &&
           seg.n == 25,
       "one stream: one run, found without reading records");

    struct outmap tiny;
    outmap_init(&tiny, 2 * sizeof(struct outmap_rec));
    int last = 0;
    for (int i = 0; i < 4; i++) {
        last = outmap_prepare(&tiny, dir, i % 2, 0, &rec);
        outmap_publish(&tiny, last, &rec, 1);
    }
    ok(last < 0 && tiny.failed && tiny.len == 2, "records past their cap: the output stops");
    outmap_close(&m);
    outmap_close(&one);
    outmap_close(&tiny);
    rmdir(dir);
    return done_testing(0);
}
