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

/* The uid, gid and pid of the process at the other end of a Unix socket (SO_PEERCRED: struct
 * ucred sits behind _GNU_SOURCE). 0 on success, an errno otherwise. */
int cposix_peer_credentials(int socket, unsigned int *uid, unsigned int *gid, int *pid);

/* getgrouplist(3): the ids of every group `user` is in, `group` included. On entry *count is the
 * capacity of groups; on return the number found. 0 on success, -1 if groups was too small (then
 * *count is the number needed). */
int cposix_group_list(const char *user, unsigned int group, unsigned int *groups, int *count);

/* A blocking, close-on-exec stream connection to the Unix socket at `path`: the descriptor, or
 * -1 with errno set (ENAMETOOLONG when the path does not fit a sockaddr_un). One definition for
 * infusionctl, the test rigs and the benchmark client. */
int cposix_connect_unix(const char *path);

/* The highest-numbered CPU the process may run on (its main thread's mask), and how many it may
 * run on (sched_getaffinity; cpu_set_t's macros are not visible to Swift). 0 on success, an
 * errno otherwise. */
int cposix_allowed_cpus(int *highest, int *count);

/* Restricts the calling thread to `cpu` alone (only_that != 0) or to every CPU the process may
 * use except `cpu` (only_that == 0), whatever thread created it. 0 on success, an errno otherwise. */
int cposix_pin_thread(int cpu, int only_that);

#endif
