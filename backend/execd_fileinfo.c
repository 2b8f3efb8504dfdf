/* FileInfo JSON (upstream fields plus our extensions) → struct stat. Pure functions. */
#include <errno.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sysmacros.h>
#include <time.h>
#include "execd_files.h"
#include "json_scan.h"

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

/* Days from 1970-01-01 to the date (proleptic Gregorian; a day past the month's end counts on
 * into the next, as timegm does): H. Hinnant's days_from_civil, pure arithmetic. */
static long long days_from_civil(long long y, unsigned m, unsigned d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (long long)doe - 719468;
}

int sbx_time_parse(const char *s, struct timespec *ret)
{
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
    ret->tv_sec = (time_t)(days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600L +
                           mi * 60L + sec - zone);
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

/* The FileInfo fields we read, filled by either parser (jansson for single answers, the JSON
 * scanner for listings); strings point into the parser's memory. */
enum fi_str { FI_TYPE, FI_PATH, FI_OWNER, FI_GROUP, FI_LINK, FI_MODIFIED, FI_CREATED, FI_NSTR };
enum fi_num {
    FI_SIZE,
    FI_MODE,
    FI_MTIME_NS,
    FI_UID,
    FI_GID,
    FI_NLINK,
    FI_INO,
    FI_MAJOR,
    FI_MINOR,
    FI_NNUM
};
static const char *const field_names[FI_NSTR + FI_NNUM] = {
    "type", "path",     "owner", "group", "link_target", "modified_at", "created_at", "size",
    "mode", "mtime_ns", "uid",   "gid",   "nlink",       "ino",         "rdev_major", "rdev_minor",
};
#define FIELD_KEY_MAX 16 /* longer keys name no field */

struct fi_fields {
    const char *str[FI_NSTR]; /* NULL: absent or not a string */
    long long num[FI_NNUM];
    unsigned have; /* bit n: num[n] was given as an integer */
};

/* The field a key names (strings first, then numbers), or -1. */
static int field_of(const char *key)
{
    for (int i = 0; i < FI_NSTR + FI_NNUM; i++)
        if (key[0] == field_names[i][0] && strcmp(key, field_names[i]) == 0) return i;
    return -1;
}

/* The last value given for a field counts, whatever its type (as with jansson's objects). */
static void set_str(struct fi_fields *f, int field, const char *s)
{
    f->str[field] = s;
}

static void set_num(struct fi_fields *f, int field, bool is_int, long long v)
{
    int n = field - FI_NSTR;
    f->num[n] = v;
    f->have = is_int ? f->have | 1u << n : f->have & ~(1u << n);
}

static void set_json(struct fi_fields *f, int field, const json_t *v)
{
    if (field < FI_NSTR)
        set_str(f, field, json_string_value(v));
    else
        set_num(f, field, json_is_integer(v), json_integer_value(v));
}

static void set_scanned(struct fi_fields *f, int field, const struct jscan_value *v)
{
    if (field < FI_NSTR)
        set_str(f, field, v->kind == JSCAN_STRING ? v->str : NULL);
    else
        set_num(f, field, v->kind == JSCAN_INT, v->num);
}

static bool get_num(const struct fi_fields *f, enum fi_num n, long long *ret)
{
    *ret = f->num[n];
    return f->have & 1u << n;
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

static void fill_times(const struct fi_fields *f, struct stat *st)
{
    long long ns;
    const char *modified = f->str[FI_MODIFIED], *created = f->str[FI_CREATED];
    if (get_num(f, FI_MTIME_NS, &ns)) {
        long long sec = ns / 1000000000, rem = ns % 1000000000;
        if (rem < 0) sec--, rem += 1000000000; /* before 1970: the fraction counts up */
        st->st_mtim.tv_sec = (time_t)sec;
        st->st_mtim.tv_nsec = (long)rem;
    } else if (modified) {
        sbx_time_parse(modified, &st->st_mtim);
    }
    /* upstream's created_at is the ctime */
    if (!created || sbx_time_parse(created, &st->st_ctim)) st->st_ctim = st->st_mtim;
    st->st_atim = st->st_mtim;
}

static void fill_ids(const struct fi_fields *f, struct sbx_fileinfo *fi)
{
    long long v;
    copy_str(fi->owner, sizeof fi->owner, f->str[FI_OWNER]);
    copy_str(fi->group, sizeof fi->group, f->str[FI_GROUP]);
    fi->st.st_uid = get_num(f, FI_UID, &v) && v >= 0 ? (uid_t)v : id_from_name(fi->owner);
    fi->st.st_gid = get_num(f, FI_GID, &v) && v >= 0 ? (gid_t)v : id_from_name(fi->group);
}

static void fill_counts(const struct fi_fields *f, struct stat *st)
{
    long long v, mj, mn;
    st->st_nlink = get_num(f, FI_NLINK, &v) && v > 0 ? (nlink_t)v : S_ISDIR(st->st_mode) ? 2 : 1;
    if (get_num(f, FI_INO, &v) && v > 0) st->st_ino = (ino_t)v;
    if ((S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) && get_num(f, FI_MAJOR, &mj) &&
        get_num(f, FI_MINOR, &mn) && mj >= 0 && mn >= 0 && mj <= 0xfff && mn <= 0xfffff)
        st->st_rdev = makedev((unsigned)mj, (unsigned)mn);
    st->st_blksize = 4096;
    st->st_blocks = (st->st_size + 4095) / 4096 * 8; /* whole 4 KiB blocks, like most filesystems */
}

static int fileinfo_from_fields(const struct fi_fields *f, struct sbx_fileinfo *ret)
{
    struct sbx_fileinfo fi;
    long long size, digits;
    mode_t perm;
    const char *type = f->str[FI_TYPE];
    if (!type || !get_num(f, FI_SIZE, &size) || size < 0 || !get_num(f, FI_MODE, &digits) ||
        sbx_mode_from_digits(digits, &perm))
        return -EINVAL;
    memset(&fi.st, 0, sizeof fi.st);
    fi.st.st_mode = type_bits(type) | perm;
    fi.st.st_size = size;
    fill_times(f, &fi.st);
    fill_ids(f, &fi);
    fill_counts(f, &fi.st);
    copy_str(fi.link, sizeof fi.link, f->str[FI_LINK]);
    if (S_ISLNK(fi.st.st_mode) && fi.link[0]) fi.st.st_size = (off_t)strlen(fi.link);
    /* field by field: the link buffer is 4 KiB, its text mostly empty (listings parse many) */
    ret->st = fi.st;
    memcpy(ret->owner, fi.owner, sizeof ret->owner);
    memcpy(ret->group, fi.group, sizeof ret->group);
    memcpy(ret->link, fi.link, strlen(fi.link) + 1);
    return 0;
}

int sbx_fileinfo_from_json(const json_t *o, struct sbx_fileinfo *ret)
{
    struct fi_fields f = {0};
    const char *key;
    const json_t *v;
    if (!json_is_object(o)) return -EINVAL;
    json_object_foreach((json_t *)o, key, v)
    {
        int field = field_of(key);
        if (field >= 0) set_json(&f, field, v);
    }
    return fileinfo_from_fields(&f, ret);
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
static const char *entry_name(const char *p)
{
    const char *slash;
    if (!p) return NULL;
    slash = strrchr(p, '/');
    p = slash ? slash + 1 : p;
    if (!*p || strcmp(p, ".") == 0 || strcmp(p, "..") == 0 || strlen(p) > SBX_NAME_MAX) return NULL;
    return p;
}

/* The fields of the object that comes next (an element of the listing, depth 2). */
static int scan_fields(struct jscan *s, struct fi_fields *f)
{
    int r = jscan_open(s, '{');
    memset(f, 0, sizeof *f);
    while (r > 0) {
        char key[FIELD_KEY_MAX];
        struct jscan_value v;
        int field = -1;
        r = jscan_key(s, key, sizeof key);
        if (r == 0) field = field_of(key);
        if (r == 0) r = jscan_value(s, &v, field >= 0 && field < FI_NSTR, 3);
        if (r == 0 && field >= 0) set_scanned(f, field, &v);
        if (r == 0) r = jscan_more(s, '}');
    }
    return r;
}

struct listing {
    struct sbx_dirlist l;
    size_t cap;              /* entries l.e has room for */
    size_t count;            /* elements seen, the ones skipped included */
    struct sbx_fileinfo *fi; /* scratch, one per listing (it is 4 KiB) */
};

static int add_entry(struct listing *ls, const char *name)
{
    struct sbx_dirlist *l = &ls->l;
    if (l->n == ls->cap) {
        size_t cap = ls->cap * 2;
        struct sbx_dirent *e = realloc(l->e, cap * sizeof *e);
        if (!e) return -ENOMEM;
        l->e = e;
        ls->cap = cap;
    }
    l->e[l->n].name = strdup(name);
    if (!l->e[l->n].name) return -ENOMEM;
    l->e[l->n].st = ls->fi->st;
    l->n++;
    return 0;
}

/* One element of the listing: an object we can represent becomes an entry, anything else is
 * checked and skipped. */
static int scan_element(struct jscan *s, struct listing *ls)
{
    size_t mark = s->used;
    struct jscan_value v;
    struct fi_fields f;
    const char *name;
    int r;
    if (++ls->count > SBX_LIST_MAX || jscan_peek(s) != '{') return jscan_value(s, &v, false, 2);
    r = scan_fields(s, &f);
    if (r == 0 && (name = entry_name(f.str[FI_PATH])) && fileinfo_from_fields(&f, ls->fi) == 0)
        r = add_entry(ls, name);
    jscan_release(s, mark);
    return r;
}

int sbx_dirlist_parse(const char *text, size_t len, struct sbx_dirlist *ret)
{
    struct listing ls = {.cap = 16};
    struct jscan s;
    char *scratch = malloc(len + 1);
    int r;
    ls.l.e = calloc(ls.cap, sizeof *ls.l.e);
    ls.fi = malloc(sizeof *ls.fi);
    r = scratch && ls.l.e && ls.fi ? 0 : -ENOMEM;
    if (r == 0) {
        jscan_init(&s, text, len, scratch);
        r = jscan_open(&s, '[');
    }
    while (r > 0) {
        r = scan_element(&s, &ls);
        if (r == 0) r = jscan_more(&s, ']');
    }
    if (r == 0) r = jscan_end(&s);
    if (r == 0 && ls.count > SBX_LIST_MAX) r = -EFBIG;
    free(scratch);
    free(ls.fi);
    if (r) {
        sbx_dirlist_free(&ls.l);
        return r;
    }
    *ret = ls.l;
    return 0;
}
