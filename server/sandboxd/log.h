/* Logging to stderr, one line per event, readable by people and by journald: when stderr is the
 * journal (JOURNAL_STREAM set) each line starts with a syslog priority prefix "<N>". */
#ifndef SANDBOXD_LOG_H
#define SANDBOXD_LOG_H
#include <syslog.h>

__attribute__((format(printf, 2, 3))) void sd_log(int prio, const char *fmt, ...);

#define log_err(...) sd_log(LOG_ERR, __VA_ARGS__)
#define log_warn(...) sd_log(LOG_WARNING, __VA_ARGS__)
#define log_info(...) sd_log(LOG_INFO, __VA_ARGS__)
#define log_debug(...) sd_log(LOG_DEBUG, __VA_ARGS__)

/* Enables LOG_DEBUG lines (off by default). */
void sd_log_set_debug(int on);
#endif
