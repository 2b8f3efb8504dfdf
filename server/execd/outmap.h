/* A command's combined output (stdout and stderr in arrival order) as a map over the two
 * stream spools rather than a third copy of every byte: one record each time the stream
 * that produced the bytes changes. A command that writes only stdout has one record.
 *
 * Records live in a spool of their own (16 bytes each, bounded like the streams).
 * One writer (the command's I/O thread) appends; readers search the records already
 * published. Publication goes through the owning command's mutex, as for spools. */
#ifndef EXECD_OUTMAP_H
#define EXECD_OUTMAP_H
#include "spool.h"
#include <stdbool.h>
#include <stdint.h>

struct outmap_rec {
    uint64_t out_off; /* where the run starts in the output */
    uint64_t src;     /* stream << 63 | offset of the run in that stream's spool */
};

struct outmap {
    struct spool recs;      /* the record file, opened with the first record */
    bool failed;            /* a record could not be stored: the output ends there */
    uint64_t n, len;        /* records and output bytes published */
    struct outmap_rec last; /* the last published record */
};

/* What a reader needs of a published outmap (copied under the command's mutex). */
struct outmap_view {
    int fd;
    uint64_t n, len;
    struct outmap_rec last;
};

/* A run of output bytes inside one stream's spool. */
struct outmap_seg {
    int stream;
    uint64_t off; /* in the stream's spool */
    uint64_t n;   /* bytes, up to the next run or the end of the output */
};

void outmap_init(struct outmap *m, uint64_t cap);
void outmap_close(struct outmap *m);
/* Writer: n bytes were stored at stream_off of stream. Stores a new record when the stream
 * changed (*rec filled, returns 1), 0 when they extend the last run, < 0 when the record
 * could not be stored (the output stops growing). Publishes nothing. */
int outmap_prepare(struct outmap *m, const char *dir, int stream, uint64_t stream_off,
                   struct outmap_rec *rec);
/* Writer, under the command's mutex: publishes n more bytes (and *rec when prepared == 1). */
void outmap_publish(struct outmap *m, int prepared, const struct outmap_rec *rec, uint64_t n);
void outmap_view(const struct outmap *m, struct outmap_view *v);
/* Reader: the run holding output byte off (off < v->len). */
int outmap_find(const struct outmap_view *v, uint64_t off, struct outmap_seg *seg);

#endif
