/* Defaults, config file and command line. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void config_defaults(struct sd_config *cfg, const char *argv0)
{
    char self[PATH_MAX];
    ssize_t n;

    memset(cfg, 0, sizeof(*cfg));
    snprintf(cfg->listen, sizeof(cfg->listen), "127.0.0.1:8080");
    snprintf(cfg->state_dir, sizeof(cfg->state_dir), "/var/lib/sandboxd");
    snprintf(cfg->runtime, sizeof(cfg->runtime), "native");
    cfg->min_timeout = 60;
    cfg->ready_timeout = 30;
    cfg->max_sandboxes = 1000;
    /* execd next to the sandboxd binary (build/ or the install's libexec dir). */
    n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    if (n > 0) {
        self[n] = 0;
        char *slash = strrchr(self, '/');
        if (slash) {
            *slash = 0;
            snprintf(cfg->execd_path, sizeof(cfg->execd_path), "%.*s/execd", PATH_MAX - 8, self);
        }
    }
    if (!cfg->execd_path[0] || access(cfg->execd_path, X_OK) != 0)
        snprintf(cfg->execd_path, sizeof(cfg->execd_path), "/usr/local/lib/sandboxd/execd");
    (void)argv0;
}

void config_free(struct sd_config *cfg)
{
    for (size_t i = 0; i < cfg->n_allowed_host_paths; i++)
        free(cfg->allowed_host_paths[i]);
    cfg->n_allowed_host_paths = 0;
}

static char *trim(char *s)
{
    char *e;
    while (isspace((unsigned char)*s))
        s++;
    e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1]))
        *--e = 0;
    return s;
}

/* Parses a "quoted" string at *p into out; advances *p past the closing quote. */
static int parse_string(char **p, char *out, size_t cap)
{
    size_t n = 0;
    char *s = *p;
    if (*s != '"') return -EINVAL;
    for (s++; *s && *s != '"'; s++) {
        if (*s == '\\' && s[1]) s++;
        if (n + 1 >= cap) return -ENAMETOOLONG;
        out[n++] = *s;
    }
    if (*s != '"') return -EINVAL;
    out[n] = 0;
    *p = s + 1;
    return 0;
}

static int parse_string_value(char *v, char *out, size_t cap)
{
    int r = parse_string(&v, out, cap);
    if (r) return r;
    return *trim(v) ? -EINVAL : 0;
}

static int parse_int_value(const char *v, int64_t *ret)
{
    char *end;
    long long x;
    errno = 0;
    x = strtoll(v, &end, 10);
    if (errno || end == v || *end || x < 0) return -EINVAL;
    *ret = x;
    return 0;
}

static int parse_path_array(struct sd_config *cfg, char *v)
{
    char item[PATH_MAX];
    if (*v++ != '[') return -EINVAL;
    config_free(cfg);
    for (;;) {
        v = trim(v);
        if (*v == ']') return *trim(v + 1) ? -EINVAL : 0;
        if (parse_string(&v, item, sizeof(item)) || item[0] != '/') return -EINVAL;
        if (cfg->n_allowed_host_paths >= CFG_MAX_HOST_PATHS) return -E2BIG;
        cfg->allowed_host_paths[cfg->n_allowed_host_paths++] = strdup(item);
        v = trim(v);
        if (*v == ',')
            v++;
        else if (*v != ']')
            return -EINVAL;
    }
}

struct str_key {
    const char *name;
    size_t off, cap;
};

#define SK(f)                                                                                      \
    {                                                                                              \
#f, offsetof(struct sd_config, f), sizeof(((struct sd_config *)0)->f)                      \
    }
static const struct str_key str_keys[] = {
    SK(listen), SK(state_dir), SK(runtime), SK(api_key_file), SK(execd_path), SK(public_host),
};
#undef SK

int config_apply_line(struct sd_config *cfg, const char *line, char err[CFG_ERR_MAX])
{
    char buf[4096], *key, *val, *eq;
    int64_t num;

    snprintf(buf, sizeof(buf), "%s", line);
    key = trim(buf);
    if (!*key || *key == '#' || *key == '[') return 0;
    eq = strchr(key, '=');
    if (!eq) goto bad;
    *eq = 0;
    val = trim(eq + 1);
    key = trim(key);
    for (size_t i = 0; i < sizeof(str_keys) / sizeof(str_keys[0]); i++) {
        if (strcmp(key, str_keys[i].name)) continue;
        if (parse_string_value(val, (char *)cfg + str_keys[i].off, str_keys[i].cap) == 0) return 0;
        snprintf(err, CFG_ERR_MAX, "'%s' needs a \"quoted\" string", key);
        return -EINVAL;
    }
    if (!strcmp(key, "allowed_host_paths")) {
        if (parse_path_array(cfg, val) == 0) return 0;
        snprintf(err, CFG_ERR_MAX, "allowed_host_paths needs an array of absolute paths");
        return -EINVAL;
    }
    if (parse_int_value(val, &num)) goto bad;
    if (!strcmp(key, "min_timeout"))
        cfg->min_timeout = num;
    else if (!strcmp(key, "max_timeout"))
        cfg->max_timeout = num;
    else if (!strcmp(key, "ready_timeout") && num > 0)
        cfg->ready_timeout = num;
    else if (!strcmp(key, "max_sandboxes") && num > 0)
        cfg->max_sandboxes = num;
    else if (!strcmp(key, "debug"))
        cfg->debug = num != 0;
    else
        goto bad;
    return 0;
bad:
    snprintf(err, CFG_ERR_MAX, "cannot understand '%.200s'", line);
    return -EINVAL;
}

int config_load_file(struct sd_config *cfg, const char *path, char err[CFG_ERR_MAX])
{
    char line[4096];
    int lineno = 0, r = 0;
    FILE *f = fopen(path, "re");

    if (!f) {
        r = -errno;
        snprintf(err, CFG_ERR_MAX, "cannot open config '%s': %s", path, strerror(errno));
        return r;
    }
    while (fgets(line, sizeof(line), f)) {
        char msg[CFG_ERR_MAX];
        lineno++;
        line[strcspn(line, "\n")] = 0;
        r = config_apply_line(cfg, line, msg);
        if (r) {
            snprintf(err, CFG_ERR_MAX, "%.200s:%d: %.280s", path, lineno, msg);
            break;
        }
    }
    fclose(f);
    return r;
}

static const char usage[] =
    "usage: sandboxd [--listen HOST:PORT] [--state-dir DIR] [--runtime native|docker]\n"
    "                [--api-key-file PATH] [--config FILE] [--debug]\n";

static int set_str(char *dst, size_t cap, const char *v, const char *flag, char err[CFG_ERR_MAX])
{
    if (!v || strlen(v) >= cap) {
        snprintf(err, CFG_ERR_MAX, "%s needs a value (at most %zu bytes)\n%s", flag, cap - 1,
                 usage);
        return -EINVAL;
    }
    memcpy(dst, v, strlen(v) + 1);
    return 0;
}

int config_parse_args(struct sd_config *cfg, int argc, char **argv, char err[CFG_ERR_MAX])
{
    int r;
    /* The config file first, so that flags override it. */
    for (int i = 1; i + 1 < argc; i++)
        if (!strcmp(argv[i], "--config") && (r = config_load_file(cfg, argv[i + 1], err))) return r;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            snprintf(err, CFG_ERR_MAX, "%s", usage);
            return 1;
        } else if (!strcmp(a, "--debug")) {
            cfg->debug = 1;
            continue;
        } else if (!strcmp(a, "--config")) {
            r = v ? 0 : set_str(err, 1, NULL, a, err);
        } else if (!strcmp(a, "--listen")) {
            r = set_str(cfg->listen, sizeof(cfg->listen), v, a, err);
        } else if (!strcmp(a, "--state-dir")) {
            r = set_str(cfg->state_dir, sizeof(cfg->state_dir), v, a, err);
        } else if (!strcmp(a, "--runtime")) {
            r = set_str(cfg->runtime, sizeof(cfg->runtime), v, a, err);
        } else if (!strcmp(a, "--api-key-file")) {
            r = set_str(cfg->api_key_file, sizeof(cfg->api_key_file), v, a, err);
        } else {
            snprintf(err, CFG_ERR_MAX, "unknown argument '%s'\n%s", a, usage);
            return -EINVAL;
        }
        if (r) return r;
        i++;
    }
    if (strcmp(cfg->runtime, "native") && strcmp(cfg->runtime, "docker")) {
        snprintf(err, CFG_ERR_MAX, "runtime '%s' is not available ('native' or 'docker')",
                 cfg->runtime);
        return -EINVAL;
    }
    return 0;
}
