/* Response head parser and chunked decoder. */
#include "httpmsg.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t http_head_len(const char *buf, size_t len)
{
    for (size_t i = 3; i < len; i++)
        if (buf[i] == '\n' && buf[i - 1] == '\r' && buf[i - 2] == '\n' && buf[i - 3] == '\r')
            return i + 1;
    return 0;
}

static char *trim(char *s)
{
    char *e;
    while (*s == ' ' || *s == '\t')
        s++;
    e = s + strlen(s);
    while (e > s && (e[-1] == ' ' || e[-1] == '\t'))
        *--e = 0;
    return s;
}

int http_parse_response_head(char *buf, size_t head_len, struct http_head *ret)
{
    char *line, *next, *end = buf + head_len;
    int status;
    if (head_len < 4 || strncmp(buf, "HTTP/1.", 7)) return -EPROTO;
    buf[head_len - 1] = 0;
    line = buf;
    next = strstr(line, "\r\n");
    if (!next) return -EPROTO;
    *next = 0;
    if (strlen(line) < 12 || line[8] != ' ' || !isdigit((unsigned char)line[9]) ||
        !isdigit((unsigned char)line[10]) || !isdigit((unsigned char)line[11]))
        return -EPROTO;
    status = atoi(line + 9);
    if (status < 100 || status > 999) return -EPROTO;
    ret->status = status;
    ret->n = 0;
    for (line = next + 2; line < end && *line && *line != '\r'; line = next + 2) {
        char *colon;
        next = strstr(line, "\r\n");
        if (!next) return -EPROTO;
        *next = 0;
        colon = strchr(line, ':');
        char *ws = strpbrk(line, " \t");
        if (!colon || colon == line || (ws && ws < colon)) return -EPROTO;
        if (ret->n >= HEADERS_MAX) return -E2BIG;
        *colon = 0;
        ret->h[ret->n].name = line;
        ret->h[ret->n].value = trim(colon + 1);
        ret->n++;
    }
    return 0;
}

const char *http_head_get(const struct http_head *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (!strcasecmp(h->h[i].name, name)) return h->h[i].value;
    return NULL;
}

bool http_value_has_token(const char *value, const char *token)
{
    size_t tl = strlen(token);
    const char *p = value;
    while (p && *p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        size_t m = n;
        while (m > 0 && (p[m - 1] == ' ' || p[m - 1] == '\t'))
            m--;
        if (m == tl && !strncasecmp(p, token, tl)) return true;
        p += n;
    }
    return false;
}

bool http_is_hop_header(const char *name)
{
    static const char *const hop[] = {"connection",
                                      "keep-alive",
                                      "proxy-connection",
                                      "proxy-authenticate",
                                      "proxy-authorization",
                                      "te",
                                      "trailer",
                                      "transfer-encoding",
                                      "upgrade"};
    for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
        if (!strcasecmp(name, hop[i])) return true;
    return false;
}

static int hexdigit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)tolower((unsigned char)c);
    return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* One byte of chunk framing (everything except data). */
static void chunk_frame_byte(struct chunk_dec *d, char c)
{
    switch (d->state) {
    case CH_SIZE:
        if (hexdigit(c) >= 0 && d->digits < 15) {
            d->left = d->left * 16 + (uint64_t)hexdigit(c);
            d->digits++;
        } else if (d->digits && (c == ';' || c == ' ' || c == '\t')) {
            d->state = CH_EXT;
        } else if (d->digits && c == '\r') {
            d->state = CH_SIZE_LF;
        } else {
            d->state = CH_ERROR;
        }
        break;
    case CH_EXT:
        if (c == '\r') d->state = CH_SIZE_LF;
        break;
    case CH_SIZE_LF:
        if (c != '\n') {
            d->state = CH_ERROR;
        } else if (d->left == 0) {
            d->state = CH_TRAILER;
            d->line_empty = true;
        } else {
            d->state = CH_DATA;
        }
        break;
    case CH_DATA_CR:
        d->state = c == '\r' ? CH_DATA_LF : CH_ERROR;
        break;
    case CH_DATA_LF:
        d->state = c == '\n' ? CH_SIZE : CH_ERROR;
        d->left = 0;
        d->digits = 0;
        break;
    case CH_TRAILER:
        if (c == '\r')
            d->state = CH_TRAILER_LF;
        else
            d->line_empty = false;
        break;
    case CH_TRAILER_LF:
        if (c != '\n')
            d->state = CH_ERROR;
        else if (d->line_empty)
            d->state = CH_DONE;
        else {
            d->state = CH_TRAILER;
            d->line_empty = true;
        }
        break;
    default:
        break;
    }
}

size_t chunk_decode(struct chunk_dec *d, const char *in, size_t n, char *out)
{
    size_t i = 0, w = 0;
    while (i < n && d->state != CH_DONE && d->state != CH_ERROR) {
        if (d->state == CH_DATA) {
            size_t take = n - i < d->left ? n - i : (size_t)d->left;
            memcpy(out + w, in + i, take);
            w += take;
            i += take;
            d->left -= take;
            if (d->left == 0) d->state = CH_DATA_CR;
            continue;
        }
        chunk_frame_byte(d, in[i++]);
    }
    return w;
}
