/* Validation of JSON request bodies into plain structs (pure: fuzzed by fuzz_json). The
 * structs borrow strings from the json_t they came from. On error, *ret_err names the
 * problem for a 400 INVALID_REQUEST_BODY answer. */
#ifndef EXECD_REQPARSE_H
#define EXECD_REQPARSE_H
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>

struct run_req {
    const char *command;
    const char *cwd;
    bool background;
    int64_t timeout_ms;
    bool has_uid, has_gid;
    uint32_t uid, gid;
    json_t *envs; /* object of strings, or NULL */
};
int run_req_parse(json_t *j, struct run_req *r, const char **ret_err);

/* {"code": str, "context"?: {"id"?, "language"?}} */
struct code_req {
    const char *code;
    const char *language; /* NULL or "" when absent */
    const char *context_id;
};
int code_req_parse(json_t *j, struct code_req *r, const char **ret_err);

/* {"owner"?, "group"?, "mode"?} as used by permissions, directories and upload metadata. */
struct perm_req {
    const char *path; /* upload metadata only */
    const char *owner, *group;
    bool has_mode;
    mode_t mode; /* converted from upstream's octal-digits-as-decimal */
};
int perm_req_parse(json_t *j, struct perm_req *r, const char **ret_err);

/* 755 -> 0755; up to 4 octal digits (setuid/setgid/sticky). -EINVAL for other digits. */
int mode_from_digits(int64_t digits, mode_t *ret);
int64_t mode_to_digits(mode_t m);

struct mv_req {
    const char *src, *dest;
    bool overwrite;
};
int mv_req_parse(json_t *item, struct mv_req *r, const char **ret_err);

struct replace_req {
    const char *old_s, *new_s;
    size_t old_len, new_len;
};
int replace_req_parse(json_t *j, struct replace_req *r, const char **ret_err);

struct symlink_req {
    const char *path, *target;
};
int symlink_req_parse(json_t *j, struct symlink_req *r, const char **ret_err);

/* {"path": str, "atime"?: T, "mtime"?: T}: T is nanoseconds since the epoch (an integer, may
 * be negative) or "now"; absent or null leaves that time as it is (UTIME_OMIT). */
struct times_req {
    const char *path;
    struct timespec ts[2]; /* atime, mtime: as utimensat(2) takes them */
};
int times_req_parse(json_t *j, struct times_req *r, const char **ret_err);

/* Runs every parser above over a body (the fuzz entry point). */
void reqparse_all(const char *data, size_t len);

#endif
