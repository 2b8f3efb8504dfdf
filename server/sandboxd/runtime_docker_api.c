/* The Docker Engine API over its unix socket: one libcurl easy handle per request, so that
 * threads never share one. Answers are capped at DK_BODY_MAX. */
#include "runtime_docker.h"
#include "runtime_util.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct dk_buf {
    char *data;
    size_t len;
    bool too_big;
};

static size_t on_data(char *p, size_t size, size_t n, void *arg)
{
    struct dk_buf *b = arg;
    size_t add = size * n;
    if (b->len + add > DK_BODY_MAX) {
        b->too_big = true;
        return 0;
    }
    char *d = realloc(b->data, b->len + add + 1);
    if (!d) return 0;
    memcpy(d + b->len, p, add);
    b->data = d;
    b->len += add;
    d[b->len] = 0;
    return add;
}

static CURL *new_handle(const char *method, const char *url, const char *body,
                        struct curl_slist *hdrs, struct dk_buf *b)
{
    CURL *c = curl_easy_init();
    if (!c) return NULL;
    curl_easy_setopt(c, CURLOPT_UNIX_SOCKET_PATH, dk_ctx.sock);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 5L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 300L); /* commit of a big container takes a while */
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, b);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    if (body) curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    return c;
}

static int perform(const char *method, const char *path, const char *body, long *status,
                   struct dk_buf *b, char *err)
{
    char url[2048];
    if ((size_t)snprintf(url, sizeof url, "http://docker%s", path) >= sizeof url)
        return rt_fail(err, -ENAMETOOLONG, "docker %s: path too long", method);
    struct curl_slist *hdrs = curl_slist_append(NULL, "Content-Type: application/json");
    CURL *c = hdrs ? new_handle(method, url, body, hdrs, b) : NULL;
    if (!c) {
        curl_slist_free_all(hdrs);
        return rt_fail(err, -ENOMEM, "docker %s %s: out of memory", method, path);
    }
    CURLcode cr = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_easy_cleanup(c);
    curl_slist_free_all(hdrs);
    if (b->too_big)
        return rt_fail(err, -EFBIG, "docker %s %s: answer over %d bytes", method, path,
                       DK_BODY_MAX);
    if (cr != CURLE_OK)
        return rt_fail(err, cr == CURLE_COULDNT_CONNECT ? -ECONNREFUSED : -EIO,
                       "docker %s %s: %s (is dockerd running on %s? scripts/dockerd.sh starts it)",
                       method, path, curl_easy_strerror(cr), dk_ctx.sock);
    return 0;
}

int dk_call(const char *method, const char *path, json_t *body, long *ret_status, json_t **ret_json,
            char *err)
{
    char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;
    if (body && !text) return rt_fail(err, -ENOMEM, "docker %s %s: out of memory", method, path);
    bool post = !strcmp(method, "POST");
    struct dk_buf b = {0};
    long status = 0;
    int r = perform(method, path, text ? text : post ? "" : NULL, &status, &b, err);
    free(text);
    if (r == 0) {
        *ret_status = status;
        if (ret_json) *ret_json = b.data ? json_loadb(b.data, b.len, 0, NULL) : NULL;
    }
    free(b.data);
    return r;
}

int dk_status(long status, json_t *answer, const char *what, char *err)
{
    if ((status >= 200 && status < 300) || status == 304) return 0;
    const char *msg = json_string_value(json_object_get(answer, "message"));
    int r = status == 404 ? -ENOENT : status == 409 ? -EBUSY : status == 400 ? -EINVAL : -EIO;
    return rt_fail(err, r, "%s: docker answered %ld: %s", what, status, msg ? msg : "no message");
}

int dk_do(const char *method, const char *path, json_t *body, const char *what, char *err)
{
    long status;
    json_t *answer = NULL;
    int r = dk_call(method, path, body, &status, &answer, err);
    if (r == 0) r = dk_status(status, answer, what, err);
    json_decref(answer);
    return r;
}
