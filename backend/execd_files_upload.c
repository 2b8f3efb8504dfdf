/* Whole-file upload (POST /files/upload, multipart/form-data), the fallback writer for servers
 * without the write-at extension. The body is spooled to an unnamed temporary file so that large
 * files never sit in memory. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "execd_files.h"

#define COPY_CHUNK (1u << 20)

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int copy_fd(int dst, int src, off_t len)
{
    char *buf = malloc(COPY_CHUNK);
    off_t off = 0;
    int r = buf ? 0 : -ENOMEM;
    while (r == 0 && off < len) {
        size_t want = len - off < COPY_CHUNK ? (size_t)(len - off) : COPY_CHUNK;
        ssize_t n = pread(src, buf, want, off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            r = n < 0 ? -errno : -EIO; /* the source shrank under us */
        else
            r = write_all(dst, buf, (size_t)n);
        off += n > 0 ? n : 0;
    }
    free(buf);
    return r;
}

static char *metadata_json(const char *path, mode_t mode, const char *owner, const char *group)
{
    json_t *m = json_object();
    char *s;
    json_object_set_new(m, "path", json_string_nocheck(path));
    if (mode)
        json_object_set_new(m, "mode", json_integer(sbx_mode_to_digits(mode)));
    if (owner && *owner)
        json_object_set_new(m, "owner", json_string_nocheck(owner));
    if (group && *group)
        json_object_set_new(m, "group", json_string_nocheck(group));
    s = json_dumps(m, JSON_COMPACT);
    json_decref(m);
    return s;
}

/* Writes the whole multipart body to tmp; returns its length or a negative errno. */
static off_t build_body(int tmp, const char *boundary, const char *meta, int fd, off_t len)
{
    char head[1024];
    int n = snprintf(head, sizeof head,
                     "--%s\r\nContent-Disposition: form-data; name=\"metadata\"; "
                     "filename=\"metadata\"\r\nContent-Type: application/json\r\n\r\n",
                     boundary);
    int r = write_all(tmp, head, (size_t)n);
    if (r == 0)
        r = write_all(tmp, meta, strlen(meta));
    n = snprintf(head, sizeof head,
                 "\r\n--%s\r\nContent-Disposition: form-data; name=\"file\"; filename=\"file\"\r\n"
                 "Content-Type: application/octet-stream\r\n\r\n",
                 boundary);
    if (r == 0)
        r = write_all(tmp, head, (size_t)n);
    if (r == 0)
        r = copy_fd(tmp, fd, len);
    n = snprintf(head, sizeof head, "\r\n--%s--\r\n", boundary);
    if (r == 0)
        r = write_all(tmp, head, (size_t)n);
    return r ? r : lseek(tmp, 0, SEEK_CUR);
}

int sbx_files_upload_fd(const struct sbx_execd *x, const char *path, int fd, off_t len, mode_t mode,
                        const char *owner, const char *group, const char *tmpdir)
{
    char url[SBX_PATH_MAX + 512], boundary[64], ctype[128];
    struct timespec now;
    struct sbx_buf out = {0};
    struct sbx_req req = {.method = "POST", .url = url, .timeout_ms = -1};
    char *meta = metadata_json(path, mode, owner, group);
    int tmp = open(tmpdir ? tmpdir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    off_t blen;
    int r;
    clock_gettime(CLOCK_REALTIME, &now);
    snprintf(boundary, sizeof boundary, "sandboxfs_%lx_%lx", (long)now.tv_sec, (long)now.tv_nsec);
    r = !meta ? -ENOMEM : tmp < 0 ? -errno : sbx_execd_url(x, url, sizeof url, "/files/upload");
    blen = r ? r : build_body(tmp, boundary, meta, fd, len);
    if (blen >= 0) {
        snprintf(ctype, sizeof ctype, "Content-Type: multipart/form-data; boundary=%s", boundary);
        req.use_fd = 1;
        req.body_fd = tmp;
        req.body_len = (size_t)blen;
        sbx_execd_headers(x, &req, ctype);
        r = sbx_http(&req, &out, NULL);
        r = r == 404 ? -ENOENT : r >= 200 && r < 300 ? 0 : r < 0 ? r : sbx_http_errno(r);
    } else {
        r = (int)blen;
    }
    sbx_buf_free(&out);
    if (tmp >= 0)
        close(tmp);
    free(meta);
    return r;
}
