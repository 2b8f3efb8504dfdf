/* Unit tests for sandboxfs's parsers: mount paths, durations, times, names, templates. */
#include <errno.h>
#include <string.h>
#include "../../common/tap.h"
#include "../../fs/nodes.h"

struct sfs_config sfs_cfg;

static void paths(void)
{
    struct node n;
    ok(node_parse("/", &n) == 0 && n.kind == N_ROOT, "/ is the root");
    ok(node_parse("/.log", &n) == 0 && n.kind == N_LOG, ".log");
    ok(node_parse("/.templates/python", &n) == 0 && n.kind == N_TEMPLATE &&
           !strcmp(n.name, "python"), "a template");
    ok(node_parse("/.snapshots/abc/status", &n) == 0 && n.kind == N_SNAPSHOT_FILE &&
           !strcmp(n.file, "status"), "a snapshot file");
    ok(node_parse("/.snapshots/abc/bogus", &n) == -ENOENT, "unknown snapshot file");
    ok(node_parse("/.files/box/etc/passwd", &n) == 0 && n.kind == N_FILES &&
           !strcmp(n.sbx, "box") && !strcmp(n.rest, "/etc/passwd"), "a path under files");
    ok(node_parse("/.files/box", &n) == 0 && n.kind == N_FILES && !strcmp(n.rest, "/"),
       "a sandbox's files root");
    ok(node_parse("/box", &n) == 0 && n.kind == N_SBX && !strcmp(n.sbx, "box"), "a sandbox");
    ok(node_parse("/box/status", &n) == 0 && n.kind == N_SBX_FILE, "status");
    ok(node_parse("/box/stdout", &n) == 0 && n.kind == N_STREAM && n.num == 0, "stdout");
    ok(node_parse("/box/files", &n) == 0 && n.kind == N_FILES_LINK, "files link");
    ok(node_parse("/box/nope", &n) == -ENOENT, "unknown sandbox file");
    ok(node_parse("/box/status/x", &n) == -ENOENT, "nothing below a file");
    ok(node_parse("/box/commands/12/exit", &n) == 0 && n.kind == N_STREAM && n.num == 12,
       "a command's exit");
    ok(node_parse("/box/commands/3/ctl", &n) == 0 && n.kind == N_COMMAND_FILE, "a command's ctl");
    ok(node_parse("/box/commands/0", &n) == -ENOENT, "commands count from 1");
    ok(node_parse("/box/commands/012", &n) == -ENOENT, "no leading zeros");
    ok(node_parse("/box/commands/x", &n) == -ENOENT, "command numbers only");
    ok(node_parse("/box/sessions/s1/cmd", &n) == 0 && n.kind == N_SESSION_FILE &&
           !strcmp(n.name, "s1"), "a session's cmd");
    ok(node_parse("/box/endpoints/6080", &n) == 0 && n.kind == N_ENDPOINT && n.num == 6080 &&
           !n.curl, "an endpoint");
    ok(node_parse("/box/endpoints/6080.curl", &n) == 0 && n.curl, "an endpoint's curl config");
    ok(node_parse("/box/endpoints/70000", &n) == -ENOENT, "ports end at 65535");
    ok(node_parse("/box/metadata/team", &n) == 0 && n.kind == N_METADATA_KEY, "a metadata key");
    /* a name too long for its place is ENAMETOOLONG, never the directory above it */
    char p[600], longname[300];
    memset(longname, 'k', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    static const char *const dirs[] = {"/box/metadata/", "/box/commands/", "/box/sessions/",
                                       "/box/endpoints/", "/box/", "/.templates/",
                                       "/.snapshots/", "/.snapshots/abc/", "/.files/"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(p, sizeof p, "%s%s", dirs[i], longname);
        ok(node_parse(p, &n) == -ENAMETOOLONG, "%s + 299 bytes: ENAMETOOLONG", dirs[i]);
    }
    ok(node_parse("/box/metadata/kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk",
                  &n) == 0 &&
           n.kind == N_METADATA_KEY,
       "a 70-byte metadata key still parses (names hold 255)");
}

static void values(void)
{
    long s;
    time_t t;
    ok(sfs_parse_duration("+30m", &s) == 0 && s == 1800, "+30m");
    ok(sfs_parse_duration("2h\n", &s) == 0 && s == 7200, "2h");
    ok(sfs_parse_duration("90", &s) == 0 && s == 90, "90");
    ok(sfs_parse_duration("1d", &s) == 0 && s == 86400, "1d");
    ok(sfs_parse_duration("x", &s) == -EINVAL, "x is no duration");
    ok(sfs_parse_duration("5y", &s) == -EINVAL, "5y is no duration");
    ok(sfs_parse_time("2026-01-02T03:04:05Z", &t) == 0 && t == 1767323045, "RFC 3339 UTC");
    ok(sfs_parse_time("2026-01-02T04:04:05.123+01:00", &t) == 0 && t == 1767323045,
       "RFC 3339 with fraction and offset");
    ok(sfs_parse_time("2026-01-02", &t) == -EINVAL, "a date alone is no time");
    ok(sfs_valid_name("build7.python"), "build7.python is a name");
    ok(!sfs_valid_name(".hidden"), "no leading dot");
    ok(!sfs_valid_name("a/b"), "no slash");
    ok(!sfs_valid_name(""), "not empty");
    ok(!sfs_valid_name("a b"), "no space");
}

static void templates(void)
{
    struct sfs_template t;
    int line = 0;
    ok(tpl_parse("image=host\nentrypoint=sleep infinity\nenv=A=1\nenv=B=x=y\ncpu=2\n"
                 "memory=1Gi\npids=64\ntimeout=30m\n", &t, &line) == 0,
       "a full template parses");
    ok(!strcmp(t.image, "host") && json_array_size(t.entrypoint) == 2 && t.pids == 64 &&
           t.timeout == 1800, "its values");
    ok(!strcmp(json_string_value(json_object_get(t.env, "B")), "x=y"), "env values keep '='");
    tpl_free(&t);
    ok(tpl_parse("image=host\nentrypoint=[\"sh\",\"-c\",\"sleep 1d\"]\n", &t, NULL) == 0 &&
           json_array_size(t.entrypoint) == 3, "JSON entrypoint");
    tpl_free(&t);
    ok(tpl_parse("image=host\nbogus=1\n", &t, &line) == -EINVAL && line == 2,
       "unknown key fails with its line");
    ok(tpl_parse("cpu=1\n", &t, &line) == -EINVAL, "an image or snapshot is required");
    ok(tpl_parse("image=host\ntimeout=10s\n", &t, &line) == -EINVAL, "timeouts start at 60 s");
    ok(tpl_parse("# comment\n\nimage=/srv/rootfs\ntimeout=none\n", &t, &line) == 0 &&
           t.timeout == 0, "comments, blank lines, timeout none");
    tpl_free(&t);
}

int main(void)
{
    paths();
    values();
    templates();
    return done_testing(0);
}
