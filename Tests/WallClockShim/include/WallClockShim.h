/* Test-only LD_PRELOAD library: see WallClockShim.c. No API. */
