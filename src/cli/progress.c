/*
 * progress.c: a one-line progress bar on stderr for long hashing runs.
 *
 * Drawn only when stderr is a terminal (and not --quiet): files, bytes,
 * rate and, once the walk has found everything, an ETA.
 */
#include <stdio.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void cli_format_bytes(char *out, size_t size, uint64_t bytes)
{
    static const char *const units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    size_t u = 0;
    while (v >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
        v /= 1024;
        u++;
    }
    if (u == 0)
        snprintf(out, size, "%llu B", (unsigned long long)bytes);
    else
        snprintf(out, size, "%.1f %s", v, units[u]);
}

static void draw(const wb_tree_progress *p, void *payload)
{
    cli_progress *bar = payload;
    char done[32], total[32], rate[32], eta[32] = "";
    double elapsed = now_seconds() - bar->started, speed;
    int width = 24, filled = 0, i;

    speed = elapsed > 0 ? (double)p->bytes_done / elapsed : 0;
    cli_format_bytes(done, sizeof(done), p->bytes_done);
    cli_format_bytes(total, sizeof(total), p->bytes_total);
    cli_format_bytes(rate, sizeof(rate), (uint64_t)speed);
    if (p->walk_done && p->bytes_total > 0) {
        filled = (int)((double)width * (double)p->bytes_done / (double)p->bytes_total);
        if (speed > 0)
            snprintf(eta, sizeof(eta), "  ETA %.0fs",
                     (double)(p->bytes_total - p->bytes_done) / speed);
    }
    fputs("\r[", stderr);
    for (i = 0; i < width; i++)
        fputc(i < filled ? '#' : p->walk_done ? '.' : '?', stderr);
    fprintf(stderr, "] %llu/%llu%s files  %s/%s  %s/s%s\033[K", (unsigned long long)p->files_done,
            (unsigned long long)p->files_total, p->walk_done ? "" : "+", done, total, rate, eta);
    fflush(stderr);
    bar->drawn = true;
}

void cli_progress_init(cli_progress *bar, wb_tree_options *opts, bool quiet)
{
    bar->started = now_seconds();
    bar->drawn = false;
    if (!quiet && isatty(STDERR_FILENO)) {
        opts->progress = draw;
        opts->payload = bar;
    }
}

void cli_progress_done(cli_progress *bar)
{
    if (bar->drawn)
        fputs("\r\033[K", stderr);
}
