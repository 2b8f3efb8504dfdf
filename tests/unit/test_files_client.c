/* The execd file API client (backend/execd_files*.c) against a real execd ($EXECD) on
 * 127.0.0.1, in a private temporary directory: once with our extensions, once with
 * EXECD_UPSTREAM_COMPAT=1 (the fallbacks). Skips when $EXECD is not built. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../../backend/execd_files.h"
#include "tap.h"

static char dir[256];
static pid_t execd_pid;
static int execd_out = -1; /* kept open: execd must never write to a closed pipe */

static int free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0) close(s);
    return port;
}

/* Waits for execd's "listening on" line on fd. */
static int wait_listening(int fd)
{
    char buf[4096];
    size_t n = 0;
    ssize_t r;
    while (n < sizeof buf - 1 && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0) {
        n += (size_t)r;
        buf[n] = 0;
        if (strstr(buf, "listening on")) return 0;
    }
    return -1;
}

static int start_execd(const char *bin, int compat, struct sbx_execd *x)
{
    char listen[64], spool[300];
    int port = free_port(), pfd[2];
    if (port < 0 || pipe2(pfd, O_CLOEXEC)) return -1;
    snprintf(listen, sizeof listen, "127.0.0.1:%d", port);
    snprintf(spool, sizeof spool, "%s/.spool%d", dir, compat);
    if (mkdir(spool, 0700)) return -1;
    execd_pid = fork();
    if (execd_pid == 0) {
        dup2(pfd[1], 1);
        dup2(pfd[1], 2);
        if (compat) setenv("EXECD_UPSTREAM_COMPAT", "1", 1);
        execl(bin, bin, "--listen", listen, "--spool-dir", spool, (char *)NULL);
        _exit(127);
    }
    close(pfd[1]);
    execd_out = pfd[0];
    if (execd_pid < 0 || wait_listening(pfd[0])) return -1;
    memset(x, 0, sizeof *x);
    snprintf(x->base, sizeof x->base, "http://127.0.0.1:%d", port);
    return sbx_execd_ping(x);
}

static void stop_execd(void)
{
    if (execd_pid > 0) {
        kill(execd_pid, SIGTERM);
        waitpid(execd_pid, NULL, 0);
        execd_pid = 0;
    }
    if (execd_out >= 0) close(execd_out);
    execd_out = -1;
}

static const char *P(const char *name)
{
    static char bufs[4][512];
    static int i;
    i = (i + 1) % 4;
    snprintf(bufs[i], sizeof bufs[i], "%s/%s", dir, name);
    return bufs[i];
}

static int read_is(const struct sbx_execd *x, const char *path, off_t off, size_t size,
                   const char *want)
{
    char buf[256] = {0};
    ssize_t n = sbx_files_read(x, path, buf, size, off);
    return n == (ssize_t)strlen(want) && memcmp(buf, want, (size_t)n) == 0;
}

static void test_info_list(const struct sbx_execd *x)
{
    struct sbx_fileinfo fi;
    struct sbx_dirlist l = {0};
    ok(sbx_files_info(x, P("nope"), &fi) == -ENOENT, "info of a missing path: ENOENT");
    ok(sbx_files_mkdir(x, P("d"), 0750) == 0, "mkdir");
    ok(sbx_files_info(x, P("d"), &fi) == 0 && S_ISDIR(fi.st.st_mode) &&
           (fi.st.st_mode & 07777) == 0750,
       "info: a directory 0750");
    ok(sbx_files_list(x, P("d"), &l) == 0 && l.n == 0, "list of an empty directory");
    sbx_dirlist_free(&l);
    ok(sbx_files_list(x, P("nope"), &l) == -ENOENT, "list of a missing directory: ENOENT");
}

static void test_write_read(const struct sbx_execd *x)
{
    const char *f = P("w.txt");
    ok(sbx_files_write_at(x, f, "", 0, 0, true, NULL) == 0, "write-at creates an empty file");
    ok(sbx_files_write_at(x, f, "hello world", 11, 0, false, NULL) == 0, "write-at at 0");
    ok(sbx_files_write_at(x, f, "W", 1, 6, false, NULL) == 0, "write-at at 6");
    ok(read_is(x, f, 0, 100, "hello World"), "ranged read of the whole file (short at EOF)");
    ok(read_is(x, f, 6, 3, "Wor"), "ranged read in the middle");
    ok(read_is(x, f, 11, 10, "") && read_is(x, f, 50, 10, ""), "reads at or past the end: EOF");
    ok(sbx_files_write_at(x, f, "!", 1, 5, true, NULL) == 0 && read_is(x, f, 0, 100, "hello!"),
       "write-at with truncate");
    ok(sbx_files_truncate(x, f, 3) == 0 && read_is(x, f, 0, 100, "hel"), "truncate extension");
    ok(sbx_files_write_at(x, P("nodir/x"), "a", 1, 0, false, NULL) == -ENOENT,
       "write-at below a missing directory: ENOENT");
    struct sbx_fileinfo fi;
    ok(sbx_files_write_at(x, f, "four", 4, 3, false, &fi) == 0 && S_ISREG(fi.st.st_mode) &&
           fi.st.st_size == 7,
       "write-at answers with the file's attributes after the write");
}

static void test_names(const struct sbx_execd *x)
{
    const char *names[] = {"a b", "q'uote", "d$HOME", "100%", "\xc3\xbcn\xc3\xaf", "semi;colon"};
    struct sbx_fileinfo fi;
    struct sbx_dirlist l = {0};
    int good = 0;
    sbx_files_mkdir(x, P("names"), 0755);
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/names/%s", dir, names[i]);
        good += sbx_files_write_at(x, path, names[i], strlen(names[i]), 0, true, NULL) == 0 &&
                sbx_files_info(x, path, &fi) == 0 && fi.st.st_size == (off_t)strlen(names[i]) &&
                read_is(x, path, 0, 100, names[i]);
    }
    ok(good == 6, "odd names: write, info, read (%d/6)", good);
    ok(sbx_files_list(x, P("names"), &l) == 0 && l.n == 6, "odd names listed");
    sbx_dirlist_free(&l);
}

static void test_namespace(const struct sbx_execd *x)
{
    struct sbx_fileinfo fi;
    sbx_files_write_at(x, P("a"), "A", 1, 0, true, NULL);
    sbx_files_write_at(x, P("b"), "B", 1, 0, true, NULL);
    ok(sbx_files_mv(x, P("a"), P("b"), true) == 0 && read_is(x, P("b"), 0, 10, "A") &&
           sbx_files_info(x, P("a"), &fi) == -ENOENT,
       "mv with overwrite replaces the destination");
    sbx_files_write_at(x, P("d/in"), "x", 1, 0, true, NULL);
    ok(sbx_files_rmdir(x, P("d")) == -ENOTEMPTY, "rmdir of a non-empty directory: ENOTEMPTY");
    ok(sbx_files_delete(x, P("d/in")) == 0 && sbx_files_rmdir(x, P("d")) == 0 &&
           sbx_files_info(x, P("d"), &fi) == -ENOENT,
       "delete, then rmdir");
    ok(sbx_files_symlink(x, "../tar get", P("ln")) == 0 && sbx_files_info(x, P("ln"), &fi) == 0 &&
           S_ISLNK(fi.st.st_mode) && strcmp(fi.link, "../tar get") == 0,
       "symlink; info reports the link itself and its target");
    ok(sbx_files_perm(x, P("b"), 0751, "root", "root") == 0 &&
           sbx_files_info(x, P("b"), &fi) == 0 && (fi.st.st_mode & 07777) == 0751,
       "permissions: 751");
    ok(sbx_files_perm(x, P("b"), 0, "0", "0") == 0 && sbx_files_info(x, P("b"), &fi) == 0 &&
           (fi.st.st_mode & 07777) == 0751,
       "permissions: mode 0 leaves the mode, numeric owner accepted");
}

static void test_upload(const struct sbx_execd *x)
{
    char src[300], back[300], buf[256] = {0};
    int fd, bfd;
    struct sbx_fileinfo fi;
    snprintf(src, sizeof src, "%s/.src", dir);
    snprintf(back, sizeof back, "%s/.back", dir);
    fd = open(src, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ok(write(fd, "uploaded\0bytes", 14) == 14, "prepare an upload");
    int r = sbx_files_upload_fd(x, P("up"), fd, 14, 0640, NULL, NULL, dir);
    ok(r == 0, "upload (%d)", r);
    ok(sbx_files_info(x, P("up"), &fi) == 0 && fi.st.st_size == 14 &&
           (fi.st.st_mode & 07777) == 0640,
       "uploaded size and mode");
    bfd = open(back, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    ok(sbx_files_download_fd(x, P("up"), bfd) == 14 && pread(bfd, buf, sizeof buf, 0) == 14 &&
           memcmp(buf, "uploaded\0bytes", 14) == 0,
       "whole download to an fd, binary-exact");
    ok(sbx_files_upload_fd(x, P("up"), fd, 0, 0, NULL, NULL, dir) == 0 &&
           sbx_files_info(x, P("up"), &fi) == 0 && fi.st.st_size == 0,
       "an empty upload replaces the content");
    close(fd);
    close(bfd);
}

static void test_commands(const struct sbx_execd *x)
{
    char out[128];
    struct statvfs vfs;
    struct sbx_fileinfo fi;
    struct timespec tv[2] = {{981173106, 500000000}, {981173106, 250000000}};
    ok(sbx_files_sh(x, "echo hi; echo there", out, sizeof out) == 0 &&
           strcmp(out, "hi\nthere\n") == 0,
       "a command's stdout");
    ok(sbx_files_sh(x, "exit 3", out, sizeof out) == 3, "a command's exit status");
    ok(sbx_files_statfs(x, "/", &vfs) == 0 && vfs.f_blocks > 0 && vfs.f_bsize > 0 &&
           vfs.f_namemax > 0,
       "statfs through stat -f");
    ok(sbx_files_utimens(x, P("b"), tv, &fi) == 0 && fi.st.st_mtim.tv_sec == 981173106 &&
           fi.st.st_mtim.tv_nsec == 250000000,
       "utimens (times extension) answers with the new attributes");
    tv[1].tv_nsec = UTIME_OMIT;
    tv[0].tv_nsec = UTIME_NOW;
    ok(sbx_files_utimens(x, P("b"), tv, NULL) == 0 && sbx_files_info(x, P("b"), &fi) == 0 &&
           fi.st.st_mtim.tv_sec == 981173106,
       "utimens: UTIME_OMIT keeps mtime");
    ok(sbx_files_utimens(x, P("missing"), tv, NULL) == -ENOENT,
       "utimens of a missing file: ENOENT");
    ok(sbx_files_sh_argv(x, (const char *const[]){"truncate", "-s", "7", "--", P("b"), NULL}) ==
               0 &&
           sbx_files_info(x, P("b"), &fi) == 0 && fi.st.st_size == 7,
       "argv command with quoting");
}

static void test_extended(const struct sbx_execd *x)
{
    ok((x->ext & (SBX_EXT_WRITE_AT | SBX_EXT_TRUNCATE | SBX_EXT_SYMLINK)) ==
           (SBX_EXT_WRITE_AT | SBX_EXT_TRUNCATE | SBX_EXT_SYMLINK),
       "extensions detected");
    test_info_list(x);
    test_write_read(x);
    test_names(x);
    test_namespace(x);
    test_upload(x);
    test_commands(x);
}

static void test_compat(const struct sbx_execd *x)
{
    struct sbx_fileinfo fi;
    ok(x->ext == 0, "upstream mode: no extensions");
    ok(sbx_files_write_at(x, P("c1"), "x", 1, 0, true, NULL) == -EOPNOTSUPP, "no write-at");
    ok(sbx_files_truncate(x, P("c1"), 0) == -EOPNOTSUPP, "no truncate");
    ok(sbx_files_symlink(x, "t", P("c1")) == -EOPNOTSUPP, "no symlink");
    struct timespec tv[2] = {{0, UTIME_OMIT}, {981173106, 0}};
    fi.st.st_mode = 1;
    ok(sbx_files_utimens(x, P("b"), tv, &fi) == 0 && fi.st.st_mode == 0,
       "utimens through touch (no times extension), no attributes in the answer");
    ok(sbx_files_info(x, P("b"), &fi) == 0 && fi.st.st_mtim.tv_sec == 981173106,
       "... and the mtime is set");
    ok(sbx_files_info(x, P("b"), &fi) == 0 && fi.st.st_size == 7 && fi.st.st_uid == 0 &&
           fi.link[0] == 0,
       "upstream FileInfo parses");
    ok(sbx_files_mv(x, P("up"), P("b"), false) != 0, "upstream mv refuses an existing destination");
}

int main(void)
{
    const char *bin = getenv("EXECD");
    struct sbx_execd x;
    char tmpl[] = "/tmp/test_files_client.XXXXXX";
    if (!bin || access(bin, X_OK)) {
        printf("1..0 # SKIP $EXECD not built\n");
        return 0;
    }
    signal(SIGPIPE, SIG_IGN);
    if (!mkdtemp(tmpl)) return 1;
    snprintf(dir, sizeof dir, "%s", tmpl);
    ok(start_execd(bin, 0, &x) == 0, "execd started");
    test_extended(&x);
    stop_execd();
    ok(start_execd(bin, 1, &x) == 0, "execd started in upstream mode");
    test_compat(&x);
    stop_execd();
    char cmd[400];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ok(system(cmd) == 0, "cleanup");
    return done_testing(0);
}
