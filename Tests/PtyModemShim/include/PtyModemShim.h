/* Test-only LD_PRELOAD library: see PtyModemShim.c. No API. */
