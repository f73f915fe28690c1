/*
 * fuzz_route.c: waybilld's routing (src/server/route.c), the first code to
 * see a request's method, path and query arguments.
 *
 * The input is lines: the method, the path (as libmicrohttpd hands it over,
 * decoded), then query arguments as "key=value" ("key" alone: no value).
 * The routing file is included whole, so that scripts/fuzz, which links
 * one fuzz_NAME.c with libwaybill.a, builds this target as it builds the
 * others. Checks: the result is deterministic; an error is 400, 404 or 405
 * (with Allow); a tile route names a path that wb_ledger_tile_path_parse()
 * accepts, that is the request path without its '/', under tile/ and
 * without ".."; numbers read back to their exact spelling; a search digest
 * is 64 lower-case hex digits; the two POST routes are exactly POST
 * /v1/entries and POST /add-checkpoint; and wbd_parse_u64() on the whole
 * input either fails or reads back to it.
 */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/server/route.c"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAX_LINES (WBD_QUERY_MAX + 4)

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool spelled(uint64_t value, const char *text)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%" PRIu64, value);
    return strcmp(buf, text) == 0;
}

static const char *arg_value(const wbd_query_arg *args, size_t n, const char *key)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(args[i].key, key) == 0)
            return args[i].value;
    return NULL;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    char *lines[MAX_LINES];
    size_t n_lines = 0, n_args = 0, i;
    wbd_query_arg args[MAX_LINES];
    wbd_route route, again;
    uint64_t number;
    char *p;

    if (!text)
        return 0;
    memcpy(text, data, size);
    text[size] = '\0';

    /* the whole input as a number */
    if (strlen(text) == size && wbd_parse_u64(&number, text))
        check(spelled(number, text));

    p = text;
    while (n_lines < MAX_LINES) {
        lines[n_lines++] = p;
        p = strchr(p, '\n');
        if (!p)
            break;
        *p++ = '\0';
    }
    if (n_lines < 2) {
        free(text);
        return 0;
    }
    for (i = 2; i < n_lines; i++) {
        char *eq = strchr(lines[i], '=');
        if (eq)
            *eq++ = '\0';
        args[n_args++] = (wbd_query_arg){.key = lines[i], .value = eq};
    }

    wbd_route_parse(&route, lines[0], lines[1], args, n_args);
    wbd_route_parse(&again, lines[0], lines[1], args, n_args);
    check(memcmp(&route, &again, sizeof(route)) == 0);

    switch (route.id) {
    case WBD_ROUTE_ERROR:
        check(route.status == 400 || route.status == 404 || route.status == 405);
        check(route.error && route.detail);
        check((route.status == 405) == (route.allow != NULL));
        break;
    case WBD_ROUTE_TILE: {
        int level;
        uint64_t n;
        unsigned width;
        check(route.tile_path == lines[1] + 1);
        check(strncmp(route.tile_path, "tile/", 5) == 0);
        check(!strstr(route.tile_path, ".."));
        check(!strstr(route.tile_path, "//"));
        check(wb_ledger_tile_path_parse(route.tile_path, &level, &n, &width));
        check(level == route.tile_level && n == route.tile_n && width == route.tile_width);
        check(level >= -1 && level <= 7 && width >= 1 && width <= 256);
        break;
    }
    case WBD_ROUTE_ENTRY:
        check(strncmp(lines[1], "/v1/entries/", 12) == 0);
        check(spelled(route.index, lines[1] + 12));
        break;
    case WBD_ROUTE_PROOF_INCLUSION:
        check(spelled(route.index, arg_value(args, n_args, "index")));
        check(route.size == 0 || spelled(route.size, arg_value(args, n_args, "size")));
        break;
    case WBD_ROUTE_PROOF_CONSISTENCY:
        check(route.from > 0 && spelled(route.from, arg_value(args, n_args, "from")));
        check(route.to == 0 || spelled(route.to, arg_value(args, n_args, "to")));
        break;
    case WBD_ROUTE_SEARCH:
        check(strlen(route.digest_hex) == 64);
        check(strspn(route.digest_hex, "0123456789abcdef") == 64);
        break;
    case WBD_ROUTE_CHECKPOINT:
        check(strcmp(lines[1], "/checkpoint") == 0);
        break;
    case WBD_ROUTE_SUBMIT:
        check(strcmp(lines[0], "POST") == 0 && strcmp(lines[1], "/v1/entries") == 0);
        break;
    case WBD_ROUTE_ADD_CHECKPOINT:
        check(strcmp(lines[0], "POST") == 0 && strcmp(lines[1], "/add-checkpoint") == 0);
        break;
    default:
        abort();
    }
    free(text);
    return 0;
}
