/* GET /sandboxes/{id}/endpoints/{port}: execd's /proxy/{port} with the sandbox's access token,
 * or the server proxy (use_server_proxy=true). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "lifecycle.h"

static bool truthy(const char *v)
{
    return v && (!strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "True"));
}

static int parse_port(const char *s, int *ret, struct api_err *e)
{
    char *end;
    long p = strtol(s, &end, 10);
    if (!*s || *end || p < 1 || p > 65535)
        return api_fail(e, 400, E_INVALID_PORT, "port '%.20s' must be a number from 1 to 65535", s);
    *ret = (int)p;
    return 0;
}

/* host[:port] under which clients reach this server. */
static void public_host(const struct req *r, char *out, size_t cap)
{
    const char *host = req_header(r, "Host");
    if (g_cfg->public_host[0])
        snprintf(out, cap, "%s", g_cfg->public_host);
    else if (host && *host && !strpbrk(host, "/ \r\n"))
        snprintf(out, cap, "%s", host);
    else
        snprintf(out, cap, "%s", g_cfg->listen);
}

int api_endpoint(struct req *r, struct resp *out, struct api_err *e)
{
    struct sbx_rec rec;
    char host[256], ep[512];
    int port = 0;
    bool server_proxy = truthy(req_query(r, "use_server_proxy"));

    if (parse_port(req_param(r, 1), &port, e)) return -1;
    if (req_query(r, "expires"))
        return api_fail(e, 400, E_API_NOT_SUPPORTED,
                        "signed endpoints (expires) are not supported by this server");
    if (lc_wait_ready(req_param(r, 0), &rec, e)) return -1;
    if (strcmp(rec.state, "Running") && strcmp(rec.state, "Paused")) {
        api_fail(e, 409, E_NOT_RUNNING, "sandbox '%.100s' is %s%s%s", rec.id, rec.state,
                 rec.message[0] ? ": " : "", rec.message);
        sbx_rec_free(&rec);
        return -1;
    }
    if (server_proxy) {
        public_host(r, host, sizeof(host));
        snprintf(ep, sizeof(ep), "%s/sandboxes/%s/proxy/%d", host, rec.id, port);
        out->json = json_pack("{s:s}", "endpoint", ep);
    } else {
        snprintf(ep, sizeof(ep), "%s/proxy/%d", rec.execd_addr, port);
        out->json = json_pack("{s:s, s:{s:s}}", "endpoint", ep, "headers", "X-EXECD-ACCESS-TOKEN",
                              rec.token);
    }
    sbx_rec_free(&rec);
    return 0;
}
