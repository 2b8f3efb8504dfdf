/* FileInfo JSON (upstream fields plus our extensions) → struct stat. Pure functions. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include "execd_files.h"

int sbx_mode_from_digits(long long digits, mode_t *ret)
{
    mode_t m = 0;
    int shift = 0;
    if (digits < 0 || digits > 7777) return -EINVAL;
    for (; digits > 0; digits /= 10, shift += 3) {
        if (digits % 10 > 7) return -EINVAL;
        m |= (mode_t)(digits % 10) << shift;
    }
    *ret = m;
    return 0;
}

long long sbx_mode_to_digits(mode_t mode)
{
    long long d = 0, mul = 1;
    mode &= 07777;
    for (; mode; mode >>= 3, mul *= 10)
        d += (long long)(mode & 7) * mul;
    return d;
}

static int parse_digits(const char **p, int n, int *ret)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9') return -EINVAL;
        v = v * 10 + (**p - '0');
    }
    *ret = v;
    return 0;
}

static int expect(const char **p, char c)
{
    if (**p != c) return -EINVAL;
    (*p)++;
    return 0;
}

/* Fraction ".123456789" (any number of digits, nanoseconds kept). */
static long parse_fraction(const char **p)
{
    long ns = 0, scale = 100000000;
    if (**p != '.') return 0;
    for ((*p)++; **p >= '0' && **p <= '9'; (*p)++, scale /= 10)
        ns += (**p - '0') * scale;
    return ns;
}

/* Zone "Z" or "+hh:mm" / "-hh:mm" → seconds east of UTC. */
static int parse_zone(const char *p, long *ret)
{
    int h, m, sign;
    if ((*p == 'Z' || *p == 'z') && p[1] == 0) {
        *ret = 0;
        return 0;
    }
    if (*p != '+' && *p != '-') return -EINVAL;
    sign = *p++ == '-' ? -1 : 1;
    if (parse_digits(&p, 2, &h) || expect(&p, ':') || parse_digits(&p, 2, &m) || *p) return -EINVAL;
    *ret = sign * (h * 3600L + m * 60L);
    return 0;
}

int sbx_time_parse(const char *s, struct timespec *ret)
{
    struct tm tm = {0};
    const char *p = s;
    int y, mo, d, h, mi, sec;
    long ns, zone;
    if (parse_digits(&p, 4, &y) || expect(&p, '-') || parse_digits(&p, 2, &mo) || expect(&p, '-') ||
        parse_digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        return -EINVAL;
    p++;
    if (parse_digits(&p, 2, &h) || expect(&p, ':') || parse_digits(&p, 2, &mi) || expect(&p, ':') ||
        parse_digits(&p, 2, &sec))
        return -EINVAL;
    ns = parse_fraction(&p);
    if (parse_zone(p, &zone) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
        sec > 60)
        return -EINVAL;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    ret->tv_sec = timegm(&tm) - zone;
    ret->tv_nsec = ns;
    return 0;
}

static mode_t type_bits(const char *type)
{
    static const struct {
        const char *name;
        mode_t bits;
    } types[] = {
        {"file", S_IFREG},    {"directory", S_IFDIR}, {"dir", S_IFDIR},
        {"symlink", S_IFLNK}, {"fifo", S_IFIFO},      {"socket", S_IFSOCK},
        {"char", S_IFCHR},    {"chardev", S_IFCHR},   {"char_device", S_IFCHR},
        {"block", S_IFBLK},   {"blockdev", S_IFBLK},  {"block_device", S_IFBLK},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        if (strcmp(type, types[i].name) == 0) return types[i].bits;
    return S_IFREG; /* "other" and anything new: shown as a regular file */
}

static int get_int(const json_t *o, const char *k, long long *ret)
{
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v)) return -ENOENT;
    *ret = json_integer_value(v);
    return 0;
}

static const char *get_str(const json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

static void copy_str(char *dst, size_t cap, const char *s)
{
    size_t n = s ? strnlen(s, cap - 1) : 0;
    memcpy(dst, s ? s : "", n);
    dst[n] = 0;
}

/* Without the uid/gid extension: a numeric name is the id, root is 0, anything else nobody. */
static unsigned id_from_name(const char *name)
{
    char *end;
    unsigned long v;
    if (!name || !*name) return 65534;
    if (strcmp(name, "root") == 0) return 0;
    v = strtoul(name, &end, 10);
    return *end || v > 0xfffffffful ? 65534 : (unsigned)v;
}

static void fill_times(const json_t *o, struct stat *st)
{
    long long ns;
    if (get_int(o, "mtime_ns", &ns) == 0) {
        long long sec = ns / 1000000000, rem = ns % 1000000000;
        if (rem < 0) sec--, rem += 1000000000; /* before 1970: the fraction counts up */
        st->st_mtim.tv_sec = (time_t)sec;
        st->st_mtim.tv_nsec = (long)rem;
    } else if (get_str(o, "modified_at")) {
        sbx_time_parse(get_str(o, "modified_at"), &st->st_mtim);
    }
    /* upstream's created_at is the ctime */
    if (!get_str(o, "created_at") || sbx_time_parse(get_str(o, "created_at"), &st->st_ctim))
        st->st_ctim = st->st_mtim;
    st->st_atim = st->st_mtim;
}

static void fill_ids(const json_t *o, struct sbx_fileinfo *fi)
{
    long long v;
    copy_str(fi->owner, sizeof fi->owner, get_str(o, "owner"));
    copy_str(fi->group, sizeof fi->group, get_str(o, "group"));
    fi->st.st_uid = get_int(o, "uid", &v) == 0 && v >= 0 ? (uid_t)v : id_from_name(fi->owner);
    fi->st.st_gid = get_int(o, "gid", &v) == 0 && v >= 0 ? (gid_t)v : id_from_name(fi->group);
}

static void fill_counts(const json_t *o, struct stat *st)
{
    long long v;
    st->st_nlink = get_int(o, "nlink", &v) == 0 && v > 0 ? (nlink_t)v
                   : S_ISDIR(st->st_mode)                ? 2
                                                         : 1;
    if (get_int(o, "ino", &v) == 0 && v > 0) st->st_ino = (ino_t)v;
    long long mj, mn;
    if ((S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) && get_int(o, "rdev_major", &mj) == 0 &&
        get_int(o, "rdev_minor", &mn) == 0 && mj >= 0 && mn >= 0 && mj <= 0xfff && mn <= 0xfffff)
        st->st_rdev = makedev((unsigned)mj, (unsigned)mn);
    st->st_blksize = 4096;
    st->st_blocks = (st->st_size + 4095) / 4096 * 8; /* whole 4 KiB blocks, like most filesystems */
}

int sbx_fileinfo_from_json(const json_t *o, struct sbx_fileinfo *ret)
{
    struct sbx_fileinfo fi;
    long long size, digits;
    mode_t perm;
    const char *type = get_str(o, "type");
    if (!json_is_object(o) || !type || get_int(o, "size", &size) || size < 0 ||
        get_int(o, "mode", &digits) || sbx_mode_from_digits(digits, &perm))
        return -EINVAL;
    memset(&fi.st, 0, sizeof fi.st);
    fi.st.st_mode = type_bits(type) | perm;
    fi.st.st_size = size;
    fill_times(o, &fi.st);
    fill_ids(o, &fi);
    fill_counts(o, &fi.st);
    copy_str(fi.link, sizeof fi.link, get_str(o, "link_target"));
    if (S_ISLNK(fi.st.st_mode) && fi.link[0]) fi.st.st_size = (off_t)strlen(fi.link);
    /* field by field: the link buffer is 4 KiB, its text mostly empty (listings parse many) */
    ret->st = fi.st;
    memcpy(ret->owner, fi.owner, sizeof ret->owner);
    memcpy(ret->group, fi.group, sizeof ret->group);
    memcpy(ret->link, fi.link, strlen(fi.link) + 1);
    return 0;
}

int sbx_fileinfo_parse(const char *text, size_t len, struct sbx_fileinfo *ret)
{
    json_t *o = json_loadb(text, len, JSON_REJECT_DUPLICATES, NULL);
    int r = o ? sbx_fileinfo_from_json(o, ret) : -EINVAL;
    json_decref(o);
    return r;
}

void sbx_dirlist_free(struct sbx_dirlist *l)
{
    for (size_t i = 0; l && l->e && i < l->n; i++)
        free(l->e[i].name);
    if (l) {
        free(l->e);
        l->e = NULL;
        l->n = 0;
    }
}

/* The entry's name: the last component of its "path"; NULL if unusable. */
static const char *entry_name(const json_t *o)
{
    const char *p = get_str(o, "path"), *slash;
    if (!p) return NULL;
    slash = strrchr(p, '/');
    p = slash ? slash + 1 : p;
    if (!*p || strcmp(p, ".") == 0 || strcmp(p, "..") == 0 || strlen(p) > SBX_NAME_MAX) return NULL;
    return p;
}

/* fi: scratch space, one per listing (it is 4 KiB: not one allocation per entry) */
static int add_entry(struct sbx_dirlist *l, const json_t *o, struct sbx_fileinfo *fi)
{
    const char *name = entry_name(o);
    if (!name || sbx_fileinfo_from_json(o, fi)) return 0; /* skip entries we cannot represent */
    l->e[l->n].name = strdup(name);
    if (!l->e[l->n].name) return -ENOMEM;
    l->e[l->n].st = fi->st;
    l->n++;
    return 0;
}

int sbx_dirlist_parse(const char *text, size_t len, struct sbx_dirlist *ret)
{
    struct sbx_dirlist l = {0};
    json_t *a = json_loadb(text, len, 0, NULL), *o;
    size_t i;
    int r = 0;
    if (!json_is_array(a) || json_array_size(a) > SBX_LIST_MAX) {
        r = json_is_array(a) ? -EFBIG : -EINVAL;
        json_decref(a);
        return r;
    }
    l.e = calloc(json_array_size(a) + 1, sizeof *l.e);
    struct sbx_fileinfo *fi = malloc(sizeof *fi);
    if (!l.e || !fi) r = -ENOMEM;
    json_array_foreach(a, i, o)
    {
        if (r == 0) r = add_entry(&l, o, fi);
    }
    free(fi);
    json_decref(a);
    if (r) {
        sbx_dirlist_free(&l);
        return r;
    }
    *ret = l;
    return 0;
}
