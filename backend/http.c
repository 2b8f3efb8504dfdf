/* libcurl transport: one reused easy handle per thread, and pairs of multi and easy handles for
 * transfers one thread starts and another finishes (see http.h). */
#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "http.h"

static pthread_key_t handle_key;
static pthread_once_t handle_once = PTHREAD_ONCE_INIT;

static void handle_free(void *h)
{
    curl_easy_cleanup(h);
}

static void handle_key_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_key_create(&handle_key, handle_free);
}

/* The calling thread's handle, reset to defaults but keeping its connection cache. */
static CURL *thread_handle(void)
{
    pthread_once(&handle_once, handle_key_init);
    CURL *h = pthread_getspecific(handle_key);
    if (h) {
        curl_easy_reset(h);
        return h;
    }
    h = curl_easy_init();
    if (h)
        pthread_setspecific(handle_key, h);
    return h;
}

void sbx_buf_free(struct sbx_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = 0;
}

struct xfer {
    const struct sbx_req *req;
    struct sbx_buf *out;
    size_t cap;
    struct sbx_resp_meta *meta;
    CURL *h;
    int head_done;
    int aborted; /* negative errno when a callback stopped the transfer */
    off_t up_off;
    size_t up_left;
};

static int grow(struct sbx_buf *b, size_t want, size_t cap)
{
    if (want > cap)
        return -EFBIG;
    char *p = realloc(b->data, want + 1);
    if (!p)
        return -ENOMEM;
    b->data = p;
    return 0;
}

static int head_complete(struct xfer *x)
{
    long status = 0;
    x->head_done = 1;
    curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
    if (x->req->on_head && x->req->on_head(status, x->meta, x->req->arg))
        return -ECANCELED;
    return 0;
}

static size_t on_body(char *p, size_t sz, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t len = sz * n;
    if (!x->head_done && (x->aborted = head_complete(x)))
        return 0;
    if (x->req->on_data) {
        long status = 0;
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && status < 300) {
            if (x->req->on_data(p, len, x->req->arg)) {
                x->aborted = -ECANCELED;
                return 0;
            }
            return len;
        }
    }
    if (!x->out)
        return len;
    int err = grow(x->out, x->out->len + len, x->cap);
    if (err) {
        x->aborted = err;
        return 0;
    }
    memcpy(x->out->data + x->out->len, p, len);
    x->out->len += len;
    x->out->data[x->out->len] = '\0';
    return len;
}

/* Copies a header value (trimmed) into dst if name matches. */
static int header_value(const char *line, size_t len, const char *name, char *dst, size_t cap)
{
    size_t nl = strlen(name);
    if (len <= nl || strncasecmp(line, name, nl) || line[nl] != ':')
        return 0;
    const char *v = line + nl + 1;
    const char *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' '))
        end--;
    size_t n = (size_t)(end - v) < cap - 1 ? (size_t)(end - v) : cap - 1;
    memcpy(dst, v, n);
    dst[n] = '\0';
    return 1;
}

static size_t on_header(char *p, size_t sz, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t len = sz * n;
    struct sbx_resp_meta *m = x->meta;
    char v[64];
    if (!strncmp(p, "HTTP/", 5) && m) { /* a new response (redirect or 100-continue) */
        m->output_length = -1;
        m->command_running = -1;
    }
    if (len <= 2 && (p[0] == '\r' || p[0] == '\n')) {
        long status = 0;
        curl_easy_getinfo(x->h, CURLINFO_RESPONSE_CODE, &status);
        if (status >= 200 && !x->head_done && (x->aborted = head_complete(x)))
            return 0;
        return len;
    }
    if (!m)
        return len;
    if (header_value(p, len, "X-Output-Length", v, sizeof v))
        m->output_length = strtoll(v, NULL, 10);
    else if (header_value(p, len, "X-Command-Running", v, sizeof v))
        m->command_running = !strcasecmp(v, "true");
    else if (header_value(p, len, "X-Command-Id", m->command_id, sizeof m->command_id))
        ;
    else if (header_value(p, len, "X-Execd-Extensions", m->extensions, sizeof m->extensions))
        ;
    else
        header_value(p, len, "EXECD-COMMANDS-TAIL-CURSOR", m->tail_cursor, sizeof m->tail_cursor);
    return len;
}

static size_t on_upload(char *p, size_t sz, size_t n, void *arg)
{
    struct xfer *x = arg;
    size_t want = sz * n < x->up_left ? sz * n : x->up_left;
    if (!want)
        return 0;
    ssize_t got = pread(x->req->body_fd, p, want, x->up_off);
    if (got <= 0) {
        x->aborted = got < 0 ? -errno : -EIO;
        return CURL_READFUNC_ABORT;
    }
    x->up_off += got;
    x->up_left -= (size_t)got;
    return (size_t)got;
}

static int on_progress(void *arg, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t d)
{
    struct xfer *x = arg;
    (void)a, (void)b, (void)c, (void)d;
    if (x->req->alive(x->req->arg)) {
        x->aborted = -ECANCELED;
        return 1;
    }
    return 0;
}

static int curl_errno(CURLcode rc)
{
    switch (rc) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_SEND_ERROR:
        return -ENOTCONN;
    case CURLE_OPERATION_TIMEDOUT:
        return -ETIMEDOUT;
    case CURLE_OUT_OF_MEMORY:
        return -ENOMEM;
    default:
        return -EIO;
    }
}

static void set_body(CURL *h, const struct sbx_req *req, struct xfer *x)
{
    if (req->body) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, req->body);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
    } else if (req->use_fd) {
        x->up_off = req->body_off;
        x->up_left = req->body_len;
        curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(h, CURLOPT_READFUNCTION, on_upload);
        curl_easy_setopt(h, CURLOPT_READDATA, x);
        curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)req->body_len);
    } else if (req->method && strcmp(req->method, "GET") && strcmp(req->method, "DELETE")) {
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)0);
    }
}

static struct curl_slist *build_headers(const struct sbx_req *req)
{
    struct curl_slist *l = curl_slist_append(NULL, "Expect:");
    for (int i = 0; i < SBX_HDR_MAX && req->headers[i]; i++)
        l = curl_slist_append(l, req->headers[i]);
    return l;
}

/* Sets h up for req (x receives the callbacks); the header list to free after the transfer. */
static struct curl_slist *setup(CURL *h, const struct sbx_req *req, struct xfer *x)
{
    if (x->meta) {
        memset(x->meta, 0, sizeof *x->meta);
        x->meta->output_length = -1;
        x->meta->command_running = -1;
    }
    if (x->out)
        *x->out = (struct sbx_buf){0};
    struct curl_slist *hdrs = build_headers(req);
    curl_easy_setopt(h, CURLOPT_URL, req->url);
    if (req->recv_buf)
        curl_easy_setopt(h, CURLOPT_BUFFERSIZE, req->recv_buf);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    if (req->timeout_ms >= 0)
        curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, req->timeout_ms ? req->timeout_ms : 30000L);
    set_body(h, req, x);
    if (req->alive) {
        curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
        curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(h, CURLOPT_XFERINFODATA, x);
    }
    if (req->method)
        curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
    return hdrs;
}

/* The transfer's result: a callback's errno, libcurl's error as errno, or the HTTP status. */
static int result(CURL *h, struct xfer *x, CURLcode rc)
{
    if (x->aborted)
        return x->aborted;
    if (rc != CURLE_OK)
        return curl_errno(rc);
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return (int)status;
}

int sbx_http(const struct sbx_req *req, struct sbx_buf *out, struct sbx_resp_meta *meta)
{
    CURL *h = thread_handle();
    if (!h)
        return -ENOMEM;
    struct xfer x = {.req = req, .out = out, .cap = SBX_BODY_MAX, .meta = meta, .h = h};
    struct curl_slist *hdrs = setup(h, req, &x);
    int rc = result(h, &x, curl_easy_perform(h));
    curl_slist_free_all(hdrs);
    if (rc < 0 && out)
        sbx_buf_free(out);
    return rc;
}

/* --- transfers handed from one thread to another --------------------------------------------- */

/* A multi handle with its one easy handle: the pair keeps its connections between transfers,
 * so a few idle pairs are kept for the next ones. */
struct sbx_http_run {
    CURLM *m;
    CURL *h;
    struct curl_slist *hdrs;
    struct xfer x;
    struct sbx_resp_meta meta;
    struct sbx_http_run *next; /* among the idle */
};

#define RUNS_IDLE_MAX 16
static pthread_mutex_t runs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct sbx_http_run *runs_idle;
static int runs_idle_n;

static void run_free(struct sbx_http_run *r)
{
    if (r->m && r->h)
        curl_multi_remove_handle(r->m, r->h);
    curl_easy_cleanup(r->h);
    curl_multi_cleanup(r->m);
    curl_slist_free_all(r->hdrs);
    free(r);
}

static struct sbx_http_run *run_get(void)
{
    pthread_once(&handle_once, handle_key_init);
    pthread_mutex_lock(&runs_lock);
    struct sbx_http_run *r = runs_idle;
    if (r) {
        runs_idle = r->next;
        runs_idle_n--;
    }
    pthread_mutex_unlock(&runs_lock);
    if (r) {
        curl_easy_reset(r->h);
        return r;
    }
    r = calloc(1, sizeof *r);
    if (r && (!(r->m = curl_multi_init()) || !(r->h = curl_easy_init()))) {
        run_free(r);
        r = NULL;
    }
    return r;
}

/* Back among the idle once its transfer is over (libcurl closes the connection of a cut one). */
static void run_put(struct sbx_http_run *r)
{
    curl_multi_remove_handle(r->m, r->h);
    curl_slist_free_all(r->hdrs);
    r->hdrs = NULL;
    pthread_mutex_lock(&runs_lock);
    bool keep = runs_idle_n < RUNS_IDLE_MAX;
    if (keep) {
        r->next = runs_idle;
        runs_idle = r;
        runs_idle_n++;
    }
    pthread_mutex_unlock(&runs_lock);
    if (!keep)
        run_free(r);
}

/* Drives the transfer: 1 when req->detach asked (the transfer goes on), else its result. */
static int run_loop(struct sbx_http_run *r, bool may_detach)
{
    const struct sbx_req *req = r->x.req;
    for (;;) {
        int running = 0;
        if (curl_multi_perform(r->m, &running) != CURLM_OK)
            return -EIO;
        if (!running)
            break;
        if (may_detach && req->detach(req->arg))
            return 1;
        if (curl_multi_poll(r->m, NULL, 0, 1000, NULL) != CURLM_OK)
            return -EIO;
    }
    CURLcode rc = CURLE_OK;
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(r->m, &left)))
        if (msg->msg == CURLMSG_DONE)
            rc = msg->data.result;
    return result(r->h, &r->x, rc);
}

int sbx_http_start(const struct sbx_req *req, struct sbx_http_run **run)
{
    *run = NULL;
    if (!req->on_data || !req->detach)
        return -EINVAL;
    struct sbx_http_run *r = run_get();
    if (!r)
        return -ENOMEM;
    r->x = (struct xfer){.req = req, .cap = SBX_BODY_MAX, .meta = &r->meta, .h = r->h};
    r->hdrs = setup(r->h, req, &r->x);
    int rc = curl_multi_add_handle(r->m, r->h) == CURLM_OK ? run_loop(r, true) : -ENOMEM;
    if (rc == 1)
        *run = r;
    else
        run_put(r);
    return rc;
}

int sbx_http_finish(struct sbx_http_run *run)
{
    int rc = run_loop(run, false);
    run_put(run);
    return rc;
}

void sbx_http_drop(struct sbx_http_run *run)
{
    if (run)
        run_free(run);
}

/* The one HTTP status → errno table of the client side. */
int sbx_http_errno(int status)
{
    if (status < 0)
        return status;
    if (status >= 200 && status < 300)
        return 0;
    switch (status) {
    case 400:
        return -EINVAL;
    case 401:
    case 403:
        return -EACCES;
    case 404:
        return -ENOENT;
    case 405:
    case 501:
        return -EOPNOTSUPP;
    case 408:
    case 504:
        return -ETIMEDOUT;
    case 409:
        return -EBUSY;
    case 413:
        return -EFBIG;
    case 416:
        return -EINVAL;
    case 429:
    case 503:
        return -EAGAIN;
    case 502:
        return -ENOTCONN;
    default:
        return -EIO;
    }
}

int sbx_urlenc(char *dst, size_t cap, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t o = 0;
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        int plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '-' || c == '_' || c == '.' || c == '~' || c == '/';
        if (o + (plain ? 1 : 3) >= cap)
            return -ENAMETOOLONG;
        if (plain) {
            dst[o++] = (char)c;
        } else {
            dst[o++] = '%';
            dst[o++] = hex[c >> 4];
            dst[o++] = hex[c & 15];
        }
    }
    dst[o] = '\0';
    return 0;
}
