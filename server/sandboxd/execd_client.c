/* A minimal HTTP/1.1 GET /ping over a fresh connection. */
#include "execd_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "tcp.h"

int execd_ping(const char *addr, const char *token, int timeout_ms)
{
    char req[512], resp[256];
    int fd, r, code;
    ssize_t n;

    fd = tcp_connect(addr, timeout_ms);
    if (fd < 0) return fd;
    snprintf(req, sizeof(req),
             "GET /ping HTTP/1.1\r\nHost: %s\r\nX-EXECD-ACCESS-TOKEN: %s\r\n"
             "Connection: close\r\n\r\n",
             addr, token);
    r = tcp_write_all(fd, req, strlen(req));
    if (r == 0) {
        r = tcp_wait_readable(fd, timeout_ms);
        r = r == 0 ? -ETIMEDOUT : r < 0 ? r : 0;
    }
    if (r == 0) {
        n = read(fd, resp, sizeof(resp) - 1);
        if (n <= 0) {
            r = n == 0 ? -ECONNRESET : -errno;
        } else {
            resp[n] = 0;
            if (sscanf(resp, "HTTP/1.%*d %d", &code) != 1)
                r = -EPROTO;
            else
                r = code == 200 ? 0 : code == 401 ? -EACCES : -EPROTO;
        }
    }
    close(fd);
    return r;
}
