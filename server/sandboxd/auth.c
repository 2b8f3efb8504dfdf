/* API key loading, first-start generation and checking. */
#include "auth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "util.h"

#define KEY_MAX 256

static char api_key[KEY_MAX];

static int read_key(const char *path, char *err, size_t errlen)
{
    char buf[KEY_MAX];
    ssize_t n;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    n = read(fd, buf, sizeof(buf) - 1);
    close(fd);
    if (n < 0) return -errno;
    buf[n] = 0;
    buf[strcspn(buf, "\r\n")] = 0;
    if (!buf[0]) {
        snprintf(err, errlen, "API key file '%s' is empty", path);
        return -EINVAL;
    }
    memcpy(api_key, buf, strlen(buf) + 1);
    return 0;
}

static int generate_key(const char *path, char *err, size_t errlen)
{
    char tok[TOKEN_HEX_LEN + 1];
    int r = random_token(tok);
    int fd;
    if (r) return r;
    fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) {
        r = -errno;
        snprintf(err, errlen, "cannot create API key file '%s': %s", path, strerror(errno));
        return r;
    }
    if (write(fd, tok, strlen(tok)) != (ssize_t)strlen(tok) || write(fd, "\n", 1) != 1 ||
        fsync(fd) != 0) {
        r = -errno;
        close(fd);
        unlink(path);
        snprintf(err, errlen, "cannot write API key file '%s': %s", path, strerror(-r));
        return r;
    }
    close(fd);
    memcpy(api_key, tok, sizeof(tok));
    log_info("generated a new API key in %s", path);
    return 0;
}

int auth_init(const struct sd_config *cfg, char *err, size_t errlen)
{
    char path[PATH_MAX + 16];
    int r;
    if (cfg->api_key_file[0]) {
        r = read_key(cfg->api_key_file, err, errlen);
        if (r && !err[0])
            snprintf(err, errlen, "cannot read API key file '%s': %s", cfg->api_key_file,
                     strerror(-r));
        return r;
    }
    snprintf(path, sizeof(path), "%s/api_key", cfg->state_dir);
    r = read_key(path, err, errlen);
    if (r == -ENOENT) return generate_key(path, err, errlen);
    if (r && !err[0])
        snprintf(err, errlen, "cannot read API key file '%s': %s", path, strerror(-r));
    return r;
}

int auth_check(const char *given, struct api_err *e)
{
    if (!given || !*given)
        return api_fail(e, 401, E_MISSING_API_KEY,
                        "missing API key: send it in the OPEN-SANDBOX-API-KEY header");
    if (!secret_equal(given, api_key))
        return api_fail(e, 401, E_INVALID_API_KEY, "invalid API key");
    return 0;
}
