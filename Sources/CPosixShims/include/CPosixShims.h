#ifndef CPOSIXSHIMS_H
#define CPOSIXSHIMS_H

/* POSIX and Linux calls that Swift's Glibc module does not expose (they sit behind
 * _GNU_SOURCE / _XOPEN_SOURCE), wrapped once so Swift code can call them. */

#include <stddef.h>

/* Opens a pseudo-terminal controller (O_RDWR | O_NOCTTY | O_NONBLOCK), grants and unlocks it.
 * Returns the descriptor, or -1 with errno set. */
int cposix_open_pty_controller(void);

/* Writes the device path of the controller's pty into buffer; 0 on success, an errno otherwise. */
int cposix_pty_device_name(int controller, char *buffer, size_t length);

/* accept4 with SOCK_NONBLOCK | SOCK_CLOEXEC; the descriptor, or -1 with errno set. */
int cposix_accept_nonblocking(int listener);

#endif
