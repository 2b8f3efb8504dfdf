/* POST /files/upload: the body is spooled to an unlinked temp file, mapped, then split
 * into metadata/file pairs (paired by order, as upstream). */
#include "api.h"
#include "fsutil.h"
#include "reqparse.h"
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_PARTS 256

int64_t body_to_fd(struct conn *c, int fd, uint64_t offset, uint64_t cap);

static int tmp_fd(void)
{
    int fd = open(g_cfg.spool_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0) return fd;
    char path[4200];
    snprintf(path, sizeof(path), "%s/upload.XXXXXX", g_cfg.spool_dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0) unlink(path);
    return fd;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -errno;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Writes one file: mkdir -p parent, O_TRUNC, fsync, then mode/owner like upstream. */
static int store(struct conn *c, const struct mp_part *meta, const struct mp_part *file)
{
    json_t *j = json_loadb(meta->data, meta->len, 0, NULL);
    struct perm_req p;
    const char *err = "metadata must be JSON {\"path\", \"owner\"?, \"group\"?, \"mode\"?}";
    char abs[PATH_BUF];
    int r;
    if (!j || perm_req_parse(j, &p, &err) < 0 || !p.path || !*p.path) {
        json_decref(j);
        return respond_error(c, 400, "INVALID_FILE_METADATA", "%s", err), -1;
    }
    const char *what = "invalid path";
    if ((r = resolve_path(p.path, abs, sizeof(abs))) == 0 && (r = mkdir_parent_of(abs)) < 0)
        what = "cannot create parent directory for";
    int fd = r == 0 ? open(abs, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0777) : -1;
    if (r == 0 && fd < 0) r = -errno, what = "cannot open";
    if (r == 0 && (r = write_all(fd, file->data, file->len)) < 0) what = "cannot write";
    if (fd >= 0) {
        fsync(fd);
        close(fd);
    }
    if (r == 0) r = apply_perms(abs, p.owner, p.group, p.has_mode, p.mode, &what);
    if (r < 0) respond_errno(c, r, what, p.path);
    json_decref(j);
    return r < 0 ? -1 : 0;
}

static int handle_parts(struct conn *c, const struct mp_part *parts, int n)
{
    const struct mp_part *metas[MAX_PARTS], *files[MAX_PARTS];
    int nm = 0, nf = 0;
    for (int i = 0; i < n; i++) {
        if (!strcmp(parts[i].name, "metadata"))
            metas[nm++] = &parts[i];
        else if (!strcmp(parts[i].name, "file"))
            files[nf++] = &parts[i];
    }
    if (!nm) return respond_error(c, 400, "INVALID_FILE_METADATA", "missing 'metadata' part");
    if (!nf) return respond_error(c, 400, "INVALID_FILE_CONTENT", "missing 'file' part");
    if (nm != nf)
        return respond_error(c, 400, "INVALID_FILE", "%d metadata parts but %d file parts", nm, nf);
    for (int i = 0; i < nm; i++)
        if (store(c, metas[i], files[i]) < 0) return 0;
    return respond_empty(c);
}

int api_files_upload(struct conn *c, const struct route_args *a)
{
    char boundary[80];
    if (multipart_boundary(http_header_get(&c->req, "Content-Type"), boundary, sizeof(boundary)) <
        0)
        return respond_error(c, 400, "INVALID_FILE",
                             "expected multipart/form-data with a boundary");
    if (c->req.content_length > (int64_t)g_cfg.max_body)
        return respond_error(c, 413, "INVALID_FILE", "body too large (limit %" PRIu64 ")",
                             g_cfg.max_body);
    int fd = tmp_fd();
    if (fd < 0) return respond_errno(c, -errno, "cannot spool upload in", g_cfg.spool_dir);
    int64_t len = body_to_fd(c, fd, 0, g_cfg.max_body);
    if (len < 0) {
        close(fd);
        if (len == -EFBIG)
            return respond_error(c, 413, "INVALID_FILE", "body too large (limit %" PRIu64 ")",
                                 g_cfg.max_body);
        return respond_error(c, 400, "INVALID_FILE", "cannot read body: %s", strerror((int)-len));
    }
    char *body = len ? mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, fd, 0) : NULL;
    close(fd);
    if (len && body == MAP_FAILED)
        return respond_error(c, 500, "RUNTIME_ERROR", "cannot map upload");
    struct mp_part *parts = calloc(MAX_PARTS, sizeof(*parts));
    char *names = malloc(65536);
    int n = 0, r;
    if (!parts || !names ||
        multipart_parse(body ? body : "", (size_t)len, boundary, parts, MAX_PARTS, &n, names,
                        65536) < 0)
        r = respond_error(c, 400, "INVALID_FILE", "invalid multipart body");
    else
        r = handle_parts(c, parts, n);
    free(parts);
    free(names);
    if (body) munmap(body, (size_t)len);
    return r;
}
