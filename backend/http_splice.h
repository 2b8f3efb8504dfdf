/* GET with the response body spliced into a pipe: socket pages go to the pipe, and from there
 * (sandboxfs's read_buf) into the FUSE reply, with no copy in user space. For bulk streams of
 * command output from execd. Plain http:// only and no proxy variables set; anything else is
 * -EOPNOTSUPP and stays with the libcurl client (http.h). */
#ifndef SBX_HTTP_SPLICE_H
#define SBX_HTTP_SPLICE_H
#include <stdbool.h>
#include <stddef.h>

struct sbx_splice {
    int pipe_fd; /* the pipe's write end */
    int stop_fd; /* readable: give up at once (-ECANCELED) */
    /* Bytes the pipe may take now; blocks while it is full; 0: give up (-ECANCELED). full: the
     * pipe refused more before its bytes were used up (small pieces take whole buffers). */
    size_t (*room)(void *arg, bool full);
    void (*moved)(size_t n, void *arg); /* n more bytes are in the pipe */
    void *arg;
};

/* Whether sbx_http_splice can fetch url (else: -EOPNOTSUPP). */
bool sbx_http_can_splice(const char *url);

/* GETs url with headers ("Name: value", NULL-terminated, at most SBX_HDR_MAX); a 2xx body goes
 * into the pipe whole (chunked, sized or up to EOF). Returns the HTTP status (a non-2xx body is
 * not read) or a negative errno as sbx_http does. */
int sbx_http_splice(const char *url, const char *const *headers, const struct sbx_splice *sp);

#endif
