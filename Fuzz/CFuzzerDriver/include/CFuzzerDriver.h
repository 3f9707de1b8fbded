#ifndef CFUZZERDRIVER_H
#define CFUZZERDRIVER_H
#include <stddef.h>
#include <stdint.h>

/* libFuzzer's driver, for a program that has its own main (SwiftPM gives every executable one):
 * parses libFuzzer's flags from argv and runs `callback` on each input. Linked from the
 * toolchain's libclang_rt.fuzzer through `-sanitize=fuzzer`. */
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
