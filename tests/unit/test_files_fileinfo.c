/* FileInfo JSON → struct stat (backend/execd_fileinfo.c). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <sys/sysmacros.h>
#include "../../backend/execd_files.h"
#include "tap.h"

static int parse(const char *json, struct sbx_fileinfo *fi)
{
    return sbx_fileinfo_parse(json, strlen(json), fi);
}

static void test_modes(void)
{
    mode_t m = 0;
    ok(sbx_mode_from_digits(644, &m) == 0 && m == 0644, "644 is 0644");
    ok(sbx_mode_from_digits(4755, &m) == 0 && m == 04755, "4755 keeps setuid");
    ok(sbx_mode_from_digits(1777, &m) == 0 && m == 01777, "1777 keeps sticky");
    ok(sbx_mode_from_digits(0, &m) == 0 && m == 0, "0 is 0");
    ok(sbx_mode_from_digits(648, &m) == -EINVAL, "digit 8 rejected");
    ok(sbx_mode_from_digits(17777, &m) == -EINVAL, "five digits rejected");
    ok(sbx_mode_from_digits(-1, &m) == -EINVAL, "negative rejected");
    ok(sbx_mode_to_digits(02755) == 2755 && sbx_mode_to_digits(0600) == 600, "mode → digits");
    ok(sbx_mode_to_digits(S_IFREG | 0644) == 644, "type bits are not digits");
}

static void test_times(void)
{
    struct timespec ts;
    ok(sbx_time_parse("2026-12-06T04:23:58Z", &ts) == 0 && ts.tv_sec == 1796531038 &&
           ts.tv_nsec == 0,
       "RFC 3339 UTC");
    ok(sbx_time_parse("2026-12-06T12:23:58.123456789+08:00", &ts) == 0 && ts.tv_sec == 1796531038 &&
           ts.tv_nsec == 123456789,
       "zone offset and nanoseconds");
    ok(sbx_time_parse("2026-12-06T04:23:58.5-01:30", &ts) == 0 && ts.tv_sec == 1796536438 &&
           ts.tv_nsec == 500000000,
       "negative offset, short fraction");
    ok(sbx_time_parse("2026-13-06T04:23:58Z", &ts) == -EINVAL, "month 13 rejected");
    ok(sbx_time_parse("2026-12-06T04:23:58", &ts) == -EINVAL, "missing zone rejected");
    ok(sbx_time_parse("", &ts) == -EINVAL, "empty rejected");
    int bad = 0;
    for (int y = 0; y <= 9999; y += 7) /* the date arithmetic against timegm */
        for (int m = 1; m <= 12; m++)
            for (int d = 1; d <= 31; d += 3) {
                char text[64];
                struct tm tm = {.tm_year = y - 1900,
                                .tm_mon = m - 1,
                                .tm_mday = d,
                                .tm_hour = 23,
                                .tm_min = 59,
                                .tm_sec = 60};
                snprintf(text, sizeof text, "%04d-%02d-%02dT23:59:60Z", y, m, d);
                bad += sbx_time_parse(text, &ts) != 0 || ts.tv_sec != timegm(&tm);
            }
    ok(bad == 0, "years 0000-9999, day past the month's end, leap second: as timegm");
}

static void test_upstream_file(void)
{
    struct sbx_fileinfo fi;
    int r =
        parse("{\"path\":\"/tmp/a b\",\"type\":\"file\",\"size\":123,"
              "\"modified_at\":\"2026-12-06T04:23:58Z\",\"created_at\":\"2026-12-06T04:23:59Z\","
              "\"owner\":\"root\",\"group\":\"1000\",\"mode\":644}",
              &fi);
    ok(r == 0, "upstream FileInfo parses");
    ok(fi.st.st_mode == (S_IFREG | 0644), "regular file 0644");
    ok(fi.st.st_size == 123 && fi.st.st_blocks == 8, "size and 4 KiB blocks");
    ok(fi.st.st_mtim.tv_sec == 1796531038 && fi.st.st_ctim.tv_sec == 1796531039,
       "mtime from modified_at, ctime from created_at");
    ok(fi.st.st_uid == 0 && fi.st.st_gid == 1000, "root → 0, numeric group name → id");
    ok(fi.st.st_nlink == 1 && strcmp(fi.owner, "root") == 0 && fi.link[0] == 0,
       "nlink default, owner kept, no link");
}

static void test_extensions(void)
{
    struct sbx_fileinfo fi;
    int r = parse("{\"path\":\"/l\",\"type\":\"symlink\",\"size\":99,\"mode\":777,"
                  "\"modified_at\":\"2026-12-06T04:23:58Z\",\"owner\":\"bob\",\"group\":\"bob\","
                  "\"uid\":1001,\"gid\":1002,\"nlink\":3,\"ino\":4242,"
                  "\"mtime_ns\":1796531038123456789,\"link_target\":\"../target dir\"}",
                  &fi);
    ok(r == 0, "extended FileInfo parses");
    ok(S_ISLNK(fi.st.st_mode) && (fi.st.st_mode & 07777) == 0777, "symlink 0777");
    ok(fi.st.st_uid == 1001 && fi.st.st_gid == 1002 && fi.st.st_nlink == 3 && fi.st.st_ino == 4242,
       "uid gid nlink ino");
    ok(fi.st.st_mtim.tv_sec == 1796531038 && fi.st.st_mtim.tv_nsec == 123456789,
       "mtime_ns wins over modified_at");
    ok(strcmp(fi.link, "../target dir") == 0 && fi.st.st_size == 13, "link target and its length");
    r = parse("{\"path\":\"/old\",\"type\":\"file\",\"size\":0,\"mode\":644,"
              "\"mtime_ns\":-315619199500000000}",
              &fi);
    ok(r == 0 && fi.st.st_mtim.tv_sec == -315619200 && fi.st.st_mtim.tv_nsec == 500000000,
       "mtime_ns before 1970: 1960-01-01 00:00:00.5");
    r = parse("{\"path\":\"/d\",\"type\":\"directory\",\"size\":4096,\"mode\":1777}", &fi);
    ok(r == 0 && fi.st.st_mode == (S_IFDIR | 01777) && fi.st.st_nlink == 2,
       "sticky directory, nlink 2 by default");
    r = parse("{\"path\":\"/x\",\"type\":\"file\",\"size\":1,\"mode\":4755,\"owner\":\"nobody\"}",
              &fi);
    ok(r == 0 && fi.st.st_mode == (S_IFREG | 04755) && fi.st.st_uid == 65534,
       "setuid file; unknown owner name → 65534");
    r = parse("{\"path\":\"/p\",\"type\":\"fifo\",\"size\":0,\"mode\":600}", &fi);
    ok(r == 0 && S_ISFIFO(fi.st.st_mode), "file-type extension: fifo");
    r = parse("{\"path\":\"/dev/null\",\"type\":\"char_device\",\"size\":0,\"mode\":666,"
              "\"rdev_major\":1,\"rdev_minor\":3}",
              &fi);
    ok(r == 0 && S_ISCHR(fi.st.st_mode) && major(fi.st.st_rdev) == 1 && minor(fi.st.st_rdev) == 3,
       "char device 1,3");
    r = parse("{\"path\":\"/d\",\"type\":\"block_device\",\"size\":0,\"mode\":600,"
              "\"rdev_major\":-1,\"rdev_minor\":99999999}",
              &fi);
    ok(r == 0 && S_ISBLK(fi.st.st_mode) && fi.st.st_rdev == 0, "out-of-range device numbers: 0");
}

static void test_bad(void)
{
    struct sbx_fileinfo fi;
    ok(parse("{\"type\":\"file\",\"mode\":644}", &fi) == -EINVAL, "missing size rejected");
    ok(parse("{\"type\":\"file\",\"size\":1,\"mode\":999}", &fi) == -EINVAL, "mode 999 rejected");
    ok(parse("{\"type\":\"file\",\"size\":-1,\"mode\":644}", &fi) == -EINVAL, "negative size");
    ok(parse("{\"size\":1,\"mode\":644}", &fi) == -EINVAL, "missing type rejected");
    ok(parse("[1,2]", &fi) == -EINVAL && parse("{", &fi) == -EINVAL, "not an object");
    ok(parse("{\"type\":\"file\",\"size\":1,\"mode\":\"644\"}", &fi) == -EINVAL,
       "mode as string rejected");
}

static void test_list(void)
{
    struct sbx_dirlist l = {0};
    const char *j =
        "[{\"path\":\"/d/a\",\"type\":\"file\",\"size\":1,\"mode\":644},"
        "{\"path\":\"/d/sub dir\",\"type\":\"directory\",\"size\":0,\"mode\":755},"
        "{\"path\":\"/d/..\",\"type\":\"file\",\"size\":1,\"mode\":644},"
        "{\"path\":\"/d/bad\",\"type\":\"file\",\"mode\":644},"
        "{\"path\":\"/d/$HOME %41 \\u00e9\",\"type\":\"file\",\"size\":5,\"mode\":600}]";
    int r = sbx_dirlist_parse(j, strlen(j), &l);
    ok(r == 0 && l.n == 3, "listing: 3 usable entries of 5");
    ok(l.n == 3 && strcmp(l.e[0].name, "a") == 0 && strcmp(l.e[1].name, "sub dir") == 0 &&
           S_ISDIR(l.e[1].st.st_mode),
       "names are the last path component");
    ok(l.n == 3 && strcmp(l.e[2].name, "$HOME %41 \xc3\xa9") == 0 && l.e[2].st.st_size == 5,
       "odd names kept literally");
    sbx_dirlist_free(&l);
    ok(sbx_dirlist_parse("[]", 2, &l) == 0 && l.n == 0, "empty listing");
    sbx_dirlist_free(&l);
    ok(sbx_dirlist_parse("{}", 2, &l) == -EINVAL, "object is not a listing");
}

int main(void)
{
    test_modes();
    test_times();
    test_upstream_file();
    test_extensions();
    test_bad();
    test_list();
    return done_testing(0);
}
