/* Test-only LD_PRELOAD library: see JournalIOFaultShim.c. No API. */
