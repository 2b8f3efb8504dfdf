/* The direct-exec fast path: `bash -c true` and `bash -c false` run a builtin whose external
 * twin (/usr/bin/true, /usr/bin/false) behaves identically without arguments, so execd execs
 * the twin and skips the shell's startup. Anything else goes through the shell. */
#include "direct.h"
#include <stdbool.h>
#include <string.h>

static const char *const true_paths[] = {"/usr/bin/true", "/bin/true", NULL};
static const char *const false_paths[] = {"/usr/bin/false", "/bin/false", NULL};

/* Variables that make the shell run or print something before the command: a startup file
 * (BASH_ENV, ENV), options such as xtrace (SHELLOPTS, BASHOPTS, POSIXLY_CORRECT), exported
 * functions that may shadow the builtin (BASH_FUNC_*), a setlocale warning (LC_ALL). */
static bool env_affects_shell(const char *kv)
{
    static const char *const names[] = {"BASH_ENV",        "ENV",   "SHELLOPTS", "BASHOPTS",
                                        "POSIXLY_CORRECT", "LC_ALL"};
    if (strncmp(kv, "BASH_FUNC_", 10) == 0) return true;
    size_t klen = strcspn(kv, "=");
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        if (strlen(names[i]) == klen && strncmp(kv, names[i], klen) == 0) return true;
    return false;
}

/* cmd without leading and trailing blanks equals word. */
static bool is_lone_word(const char *cmd, const char *word)
{
    size_t b = strspn(cmd, " \t"), n = strlen(word);
    if (strncmp(cmd + b, word, n) != 0) return false;
    const char *rest = cmd + b + n;
    return rest[strspn(rest, " \t")] == 0;
}

const char *const *direct_candidates(const char *cmd, char *const *envp)
{
    const char *const *paths = is_lone_word(cmd, "true")    ? true_paths
                               : is_lone_word(cmd, "false") ? false_paths
                                                            : NULL;
    for (size_t i = 0; paths && envp && envp[i]; i++)
        if (env_affects_shell(envp[i])) return NULL;
    return paths;
}
