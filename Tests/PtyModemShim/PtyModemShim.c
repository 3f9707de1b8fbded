/* Test-only LD_PRELOAD library that lets libserialport 0.1.1 open a pseudo-terminal.
 *
 * sp_open() reads and sets the modem lines (TIOCMGET, TIOCMSET, TIOCMBIS, TIOCMBIC); a pty has no
 * modem lines and answers ENOTTY, so sp_open() fails. This wraps ioctl(): those four requests,
 * and only when the real call says ENOTTY or EINVAL, succeed as a line with DTR, RTS, CTS, DSR and
 * CD up would. Every other call passes through untouched, and libserialport itself runs unchanged.
 * It is loaded only into the test's driver process (docs/testing.md); nothing in the product
 * links it. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <sys/ioctl.h>

typedef int (*ioctl_function)(int, unsigned long, ...);

int ioctl(int fd, unsigned long request, ...) {
    static ioctl_function real_ioctl;
    if (!real_ioctl) real_ioctl = (ioctl_function)dlsym(RTLD_NEXT, "ioctl");
    va_list arguments;
    va_start(arguments, request);
    void *argument = va_arg(arguments, void *);
    va_end(arguments);
    int result = real_ioctl(fd, request, argument);
    int modem_request = request == TIOCMGET || request == TIOCMSET || request == TIOCMBIS || request == TIOCMBIC;
    if (result == -1 && modem_request && (errno == ENOTTY || errno == EINVAL)) {
        if (request == TIOCMGET && argument) {
            *(int *)argument = TIOCM_DTR | TIOCM_RTS | TIOCM_CTS | TIOCM_DSR | TIOCM_CD;
        }
        errno = 0;
        return 0;
    }
    return result;
}
