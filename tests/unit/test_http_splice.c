/* backend/http_splice.c over real TCP on 127.0.0.1: a server thread answers each GET with one
 * canned response, written in small pieces so that heads and chunk lines arrive split; the
 * body must reach the pipe byte for byte (chunked with odd sizes and a trailer, sized,
 * up to EOF), errors must map, and a stop must end a wait at once. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>
#include "../../backend/http_splice.h"
#include "tap.h"

#define BODY_MAX (600 * 1024)

struct server {
    int lsock, port;
    const char *head; /* response head, sent first */
    const char *body; /* raw body bytes as sent (framing included) */
    size_t body_len;
    size_t piece; /* bytes per send() */
    bool hang;    /* send the head, then keep the connection open silently */
    char request[2048];
};

static void *serve(void *arg)
{
    struct server *sv = arg;
    int c = accept(sv->lsock, NULL, NULL);
    if (c < 0) return NULL;
    ssize_t n = recv(c, sv->request, sizeof sv->request - 1, 0);
    sv->request[n > 0 ? n : 0] = '\0';
    const char *parts[2] = {sv->head, sv->body};
    size_t lens[2] = {strlen(sv->head), sv->body_len};
    for (int p = 0; p < 2; p++)
        for (size_t off = 0; off < lens[p]; off += sv->piece) {
            size_t k = lens[p] - off < sv->piece ? lens[p] - off : sv->piece;
            if (send(c, parts[p] + off, k, MSG_NOSIGNAL) < 0) break;
            usleep(200); /* lets the client see the pieces apart */
        }
    if (sv->hang) {
        char b;
        if (recv(c, &b, 1, 0) < 0 && errno != ECONNRESET) /* until the client goes (a reset) */
            perror("recv");
    }
    close(c);
    return NULL;
}

struct sink {
    int pipe[2], stop;
    char got[BODY_MAX];
    size_t len;
    pthread_mutex_t mu;
};

static size_t room(void *arg, bool full)
{
    (void)arg;
    (void)full; /* moved() drains at once */
    return 64 * 1024;
}

static void moved(size_t n, void *arg)
{
    struct sink *s = arg;
    pthread_mutex_lock(&s->mu);
    while (n) { /* drain now: the pipe is small and the body larger */
        ssize_t r =
            read(s->pipe[0], s->got + s->len, n < BODY_MAX - s->len ? n : BODY_MAX - s->len);
        if (r <= 0) break;
        s->len += (size_t)r;
        n -= (size_t)r;
    }
    pthread_mutex_unlock(&s->mu);
}

/* Runs one exchange; returns sbx_http_splice's result, the body in sink. */
static int exchange(struct server *sv, struct sink *sk, const char *path)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    sv->lsock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (bind(sv->lsock, (struct sockaddr *)&a, sizeof a) || listen(sv->lsock, 1) ||
        getsockname(sv->lsock, (struct sockaddr *)&a, &al))
        return -999;
    sv->port = ntohs(a.sin_port);
    memset(sk, 0, sizeof *sk);
    pthread_mutex_init(&sk->mu, NULL);
    if (pipe2(sk->pipe, O_CLOEXEC | O_NONBLOCK)) return -998;
    sk->stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    pthread_t t;
    pthread_create(&t, NULL, serve, sv);
    char url[128];
    snprintf(url, sizeof url, "http://127.0.0.1:%d%s", sv->port, path);
    const char *hdrs[] = {"X-Test: yes", NULL};
    struct sbx_splice sp = {
        .pipe_fd = sk->pipe[1], .stop_fd = sk->stop, .room = room, .moved = moved, .arg = sk};
    int rc = sbx_http_splice(url, hdrs, &sp);
    pthread_join(t, NULL);
    close(sv->lsock);
    close(sk->pipe[0]);
    close(sk->pipe[1]);
    close(sk->stop);
    return rc;
}

static char *pattern(size_t n)
{
    char *p = malloc(n);
    for (size_t i = 0; i < n; i++)
        p[i] = (char)(i * 7 + i / 251); /* every byte value, NULs included */
    return p;
}

/* Frames data as chunks of the given sizes (cycled), a trailer, the last chunk. */
static size_t chunked(const char *data, size_t n, const size_t *sizes, size_t ns, char *out)
{
    size_t o = 0, i = 0;
    for (size_t off = 0; off < n; i++) {
        size_t k = sizes[i % ns] < n - off ? sizes[i % ns] : n - off;
        o += (size_t)sprintf(out + o, "%zx;ext=1\r\n", k);
        memcpy(out + o, data + off, k);
        o += k;
        memcpy(out + o, "\r\n", 2);
        o += 2;
        off += k;
    }
    o += (size_t)sprintf(out + o, "0\r\nX-Trailer: t\r\n\r\n");
    return o;
}

/* Sets the stop 100 ms later, while the call waits for the rest of a chunk. */
static void *stop_later(void *arg)
{
    struct sink *s = arg;
    usleep(100 * 1000);
    uint64_t one = 1;
    if (write(s->stop, &one, sizeof one) != sizeof one) perror("write");
    return NULL;
}

static struct server sv;
static struct sink sk;

int main(void)
{
    size_t n = 300 * 1024 + 17;
    char *data = pattern(n);
    char *framed = malloc(2 * n + 4096);
    const size_t sizes[] = {1, 4095, 70000, 3, 8192};
    size_t fl = chunked(data, n, sizes, 5, framed);

    sv = (struct server){.head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                         .body = framed,
                         .body_len = fl,
                         .piece = 1000};
    int rc = exchange(&sv, &sk, "/command/x/stdout?offset=0&follow=1");
    ok(rc == 200, "chunked: status 200 (got %d)", rc);
    ok(sk.len == n && !memcmp(sk.got, data, n), "chunked: %zu bytes in the pipe, byte-exact",
       sk.len);
    ok(strstr(sv.request, "GET /command/x/stdout?offset=0&follow=1 HTTP/1.1\r\n") != NULL,
       "request line carries path and query");
    ok(strstr(sv.request, "\r\nX-Test: yes\r\n") && strstr(sv.request, "\r\nHost: 127.0.0.1:"),
       "request carries Host and the extra header");

    size_t small = 5000, sfl = chunked(data, small, sizes, 5, framed); /* 1, 4095, 904 */
    sv = (struct server){.head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                         .body = framed,
                         .body_len = sfl,
                         .piece = 7};
    rc = exchange(&sv, &sk, "/a");
    ok(rc == 200 && sk.len == small && !memcmp(sk.got, data, small),
       "chunked in 7-byte pieces: byte-exact (rc %d, %zu bytes)", rc, sk.len);

    char head[128];
    snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\ncontent-length: %zu\r\n\r\n", n);
    sv = (struct server){.head = head, .body = data, .body_len = n, .piece = 65536};
    rc = exchange(&sv, &sk, "/b");
    ok(rc == 200 && sk.len == n && !memcmp(sk.got, data, n), "sized body: byte-exact (%zu)",
       sk.len);

    sv = (struct server){
        .head = "HTTP/1.0 200 OK\r\n\r\n", .body = data, .body_len = n, .piece = 50000};
    rc = exchange(&sv, &sk, "/c");
    ok(rc == 200 && sk.len == n && !memcmp(sk.got, data, n), "body up to EOF: byte-exact");

    sv = (struct server){.head = "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\n",
                         .body = "not found",
                         .body_len = 9,
                         .piece = 100};
    rc = exchange(&sv, &sk, "/d");
    ok(rc == 404 && sk.len == 0, "404: the status, nothing in the pipe (rc %d)", rc);

    sv = (struct server){.head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                         .body = "zz\r\nabc\r\n",
                         .body_len = 9,
                         .piece = 100};
    rc = exchange(&sv, &sk, "/e");
    ok(rc == -EIO, "a bad chunk size: -EIO (rc %d)", rc);

    sv = (struct server){.head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
                         .body = "10\r\nabc",
                         .body_len = 7,
                         .piece = 100};
    rc = exchange(&sv, &sk, "/f");
    ok(rc == -EIO && sk.len == 3, "a cut chunk: -EIO after its 3 bytes (rc %d)", rc);

    sv = (struct server){.head = "garbage\r\n\r\n", .body = "", .body_len = 0, .piece = 100};
    rc = exchange(&sv, &sk, "/g");
    ok(rc == -EIO, "not HTTP: -EIO (rc %d)", rc);

    ok(!sbx_http_can_splice("https://127.0.0.1:1/x") && sbx_http_can_splice("http://[::1]:80/x") &&
           !sbx_http_can_splice("not a url"),
       "only plain http URLs");

    /* A stop while the body waits: the call returns -ECANCELED at once. */
    sv = (struct server){.head = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabc",
                         .body = "",
                         .body_len = 0,
                         .piece = 100,
                         .hang = true};
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    sv.lsock = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    bind(sv.lsock, (struct sockaddr *)&a, sizeof a);
    listen(sv.lsock, 1);
    getsockname(sv.lsock, (struct sockaddr *)&a, &al);
    memset(&sk, 0, sizeof sk);
    pthread_mutex_init(&sk.mu, NULL);
    if (pipe2(sk.pipe, O_CLOEXEC | O_NONBLOCK)) perror("pipe2");
    sk.stop = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    pthread_t t;
    pthread_create(&t, NULL, serve, &sv);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/h", ntohs(a.sin_port));
    struct sbx_splice sp = {
        .pipe_fd = sk.pipe[1], .stop_fd = sk.stop, .room = room, .moved = moved, .arg = &sk};
    pthread_t stopper;
    pthread_create(&stopper, NULL, stop_later, &sk);
    rc = sbx_http_splice(url, NULL, &sp);
    ok(rc == -ECANCELED && sk.len == 3, "a stop ends the wait for more body: -ECANCELED (rc %d)",
       rc);
    pthread_join(stopper, NULL);
    pthread_join(t, NULL); /* the server sees the client go */
    close(sv.lsock);
    close(sk.pipe[0]);
    close(sk.pipe[1]);
    close(sk.stop);
    free(data);
    free(framed);
    return done_testing(0);
}
