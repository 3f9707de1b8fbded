/*
 * Test-only LD_PRELOAD library: a wall clock that can be stepped. CLOCK_REALTIME (and
 * gettimeofday and time) read the true time plus the whole seconds written in the file named by
 * INFUSIOND_WALL_CLOCK_OFFSET (read on every call, so a test steps the clock by rewriting it);
 * every other clock, CLOCK_MONOTONIC above all, and every sleep pass through untouched.
 *
 * libfaketime was tried first: with FAKETIME_DONT_FAKE_MONOTONIC its clock_nanosleep returned at
 * once for an absolute CLOCK_MONOTONIC deadline, so the control loop spun at about 150 000
 * periods a second and the daemon under test was no longer the daemon. Never linked into the
 * product.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/time.h>
#include <time.h>

static long offset_seconds(void) {
    const char *path = getenv("INFUSIOND_WALL_CLOCK_OFFSET");
    if (path == NULL) return 0;
    FILE *file = fopen(path, "r");
    if (file == NULL) return 0;
    long offset = 0;
    if (fscanf(file, "%ld", &offset) != 1) offset = 0;
    fclose(file);
    return offset;
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int clock_gettime(clockid_t clock, struct timespec *now) {
    int result = NEXT(clock_gettime)(clock, now);
    if (result == 0 && (clock == CLOCK_REALTIME || clock == CLOCK_REALTIME_COARSE)) now->tv_sec += offset_seconds();
    return result;
}

int gettimeofday(struct timeval *restrict now, void *restrict zone) {
    int result = NEXT(gettimeofday)(now, zone);
    if (result == 0 && now != NULL) now->tv_sec += offset_seconds();
    return result;
}

time_t time(time_t *now) {
    time_t result = NEXT(time)(NULL);
    if (result != (time_t)-1) result += offset_seconds();
    if (now != NULL) *now = result;
    return result;
}
