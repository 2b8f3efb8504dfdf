/* Direct exec without the shell, for commands where that is exactly equivalent. */
#ifndef EXECD_DIRECT_H
#define EXECD_DIRECT_H

/* For a command whose `bash -c` run is a builtin with an identical external program (`true`,
 * `false`, no arguments) and an environment that cannot make the shell do anything else:
 * the NULL-terminated list of absolute paths to try in order. NULL: run the shell. */
const char *const *direct_candidates(const char *cmd, char *const *envp);

#endif
