/* sandboxd configuration: built-in defaults, then the config file (--config), then flags.
 *
 * The file is a small TOML subset: `key = value` lines, values are "strings", integers, or
 * arrays of strings; `[section]` headers and `#` comments are accepted and sections are
 * ignored (keys are unique across sections). Unknown keys are an error, so typos are noticed. */
#ifndef SANDBOXD_CONFIG_H
#define SANDBOXD_CONFIG_H
#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#define CFG_MAX_HOST_PATHS 32
#define CFG_ERR_MAX 512

struct sd_config {
    char listen[128]; /* "HOST:PORT" */
    char state_dir[PATH_MAX];
    char runtime[32];            /* "native" or "docker" */
    char api_key_file[PATH_MAX]; /* empty: STATE_DIR/api_key, generated on first start */
    char execd_path[PATH_MAX];   /* execd binary bind-mounted into sandboxes */
    char public_host[128]; /* host[:port] used in server-proxy endpoints; empty = Host header */
    char *allowed_host_paths[CFG_MAX_HOST_PATHS]; /* volume host path prefixes (none by default) */
    size_t n_allowed_host_paths;
    int64_t min_timeout;   /* seconds; 60 as upstream; lower it only for tests */
    int64_t max_timeout;   /* seconds; 0 = no maximum */
    int64_t ready_timeout; /* seconds a new sandbox's execd has to answer /ping */
    int64_t max_sandboxes; /* records (any state) at most; creates beyond answer 429 */
    int debug;
};

/* Fills the defaults. argv0 locates execd beside the sandboxd binary. */
void config_defaults(struct sd_config *cfg, const char *argv0);

/* Applies the settings of a config file. Returns 0 or -errno with err naming the line. */
int config_load_file(struct sd_config *cfg, const char *path, char err[CFG_ERR_MAX]);

/* Applies one `key = value` line (also used for the file). Returns 0 or -EINVAL. */
int config_apply_line(struct sd_config *cfg, const char *line, char err[CFG_ERR_MAX]);

/* Parses the command line over cfg (loading --config first). 0, 1 for --help, or -EINVAL. */
int config_parse_args(struct sd_config *cfg, int argc, char **argv, char err[CFG_ERR_MAX]);

void config_free(struct sd_config *cfg);
#endif
