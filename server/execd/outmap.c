/* The combined output as runs over the stream spools (see outmap.h). */
#include "outmap.h"
#include <errno.h>
#include <unistd.h>

#define SRC_STREAM(src) ((int)((src) >> 63))
#define SRC_OFF(src) ((src) & ~(1ull << 63))

void outmap_init(struct outmap *m, uint64_t cap)
{
    spool_init(&m->recs, cap);
    m->failed = false;
    m->n = m->len = 0;
    m->last = (struct outmap_rec){0, 0};
}

void outmap_close(struct outmap *m)
{
    spool_close(&m->recs);
}

int outmap_prepare(struct outmap *m, const char *dir, int stream, uint64_t stream_off,
                   struct outmap_rec *rec)
{
    if (m->failed) return -ENOSPC;
    if (m->n && SRC_STREAM(m->last.src) == stream) return 0;
    *rec = (struct outmap_rec){m->len, (uint64_t)stream << 63 | stream_off};
    uint64_t at = m->n * sizeof(*rec);
    if (spool_append(&m->recs, dir, at, rec, sizeof(*rec)) != (ssize_t)sizeof(*rec)) {
        m->failed = true;
        return -ENOSPC;
    }
    return 1;
}

void outmap_publish(struct outmap *m, int prepared, const struct outmap_rec *rec, uint64_t n)
{
    if (prepared < 0) return;
    if (prepared == 1) {
        m->last = *rec;
        m->n++;
        m->recs.len = m->n * sizeof(*rec);
    }
    m->len += n;
}

void outmap_view(const struct outmap *m, struct outmap_view *v)
{
    v->fd = m->recs.fd;
    v->n = m->n;
    v->len = m->len;
    v->last = m->last;
}

static int read_rec(const struct outmap_view *v, uint64_t i, struct outmap_rec *r)
{
    if (i == v->n - 1) {
        *r = v->last;
        return 0;
    }
    ssize_t got;
    do
        got = pread(v->fd, r, sizeof(*r), (off_t)(i * sizeof(*r)));
    while (got < 0 && errno == EINTR);
    return got == (ssize_t)sizeof(*r) ? 0 : -EIO;
}

int outmap_find(const struct outmap_view *v, uint64_t off, struct outmap_seg *seg)
{
    if (off >= v->len || !v->n) return -ERANGE;
    uint64_t lo = v->n - 1; /* the answer: the last record with out_off <= off */
    struct outmap_rec r = v->last, next;
    if (off < v->last.out_off) { /* before the last run (the first starts at 0): search */
        uint64_t hi = v->n - 2;
        lo = 0;
        while (lo < hi) {
            uint64_t mid = lo + (hi - lo + 1) / 2;
            if (read_rec(v, mid, &r) < 0) return -EIO;
            if (r.out_off <= off)
                lo = mid;
            else
                hi = mid - 1;
        }
        if (read_rec(v, lo, &r) < 0) return -EIO;
    }
    uint64_t end = v->len;
    if (lo + 1 < v->n) {
        if (read_rec(v, lo + 1, &next) < 0) return -EIO;
        end = next.out_off;
    }
    seg->stream = SRC_STREAM(r.src);
    seg->off = SRC_OFF(r.src) + (off - r.out_off);
    seg->n = end - off;
    return 0;
}
