/* TCP client helpers: "HOST:PORT" addresses, connect with a timeout, full writes. */
#ifndef SANDBOXD_TCP_H
#define SANDBOXD_TCP_H
#include <stddef.h>
#include <sys/socket.h>

/* Parses "1.2.3.4:80", "[::1]:80" or "localhost:80" (numeric hosts; "localhost" is
 * 127.0.0.1). Returns 0 or -EINVAL. */
int tcp_parse_addr(const char *s, struct sockaddr_storage *ret, socklen_t *ret_len);

/* Connects (blocking socket, CLOEXEC) within timeout_ms. Returns the fd or -errno. */
int tcp_connect(const char *addr, int timeout_ms);

/* Creates a listening socket for "HOST:PORT". Returns the fd or -errno. */
int tcp_listen(const char *addr);

/* Writes all of buf (MSG_NOSIGNAL). Returns 0 or -errno. */
int tcp_write_all(int fd, const void *buf, size_t n);

/* Waits up to timeout_ms for fd to be readable. 1 readable, 0 timeout, -errno. */
int tcp_wait_readable(int fd, int timeout_ms);
#endif
