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

/// The peer's supplementary groups as the kernel saw them at connect (SO_PEERGROUPS, Linux 4.13),
/// after checking the socket is AF_UNIX. 0, or the errno; ERANGE with `count` set to what is needed.
int cposix_peer_groups(int socket, unsigned int *groups, int *count);

/// 1 when `socket` is an AF_UNIX socket, 0 when it is another, minus the errno when not a socket.
int cposix_is_unix_socket(int socket);

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

/* Locks the process's memory as it is touched (mlockall MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT):
 * a page, once in, stays in, but what is mapped and never touched (most of a 65 MB static Swift
 * binary, thread stacks' unused depth, malloc's reserved arenas) is never made resident. Falls back
 * to locking everything now where the kernel has no MCL_ONFAULT (before 4.4). 1 when locked on
 * fault, 2 when everything was locked, 0 with errno set when neither. */
int cposix_lock_memory_on_fault(void);

/* Touches `bytes` of the calling thread's stack below the caller's frame, so the loop's deepest
 * ticks find their stack pages already in and locked. */
void cposix_prefault_stack(size_t bytes);

/* The calling thread's minor and major page faults so far (getrusage RUSAGE_THREAD, which needs
 * _GNU_SOURCE and so is not visible to Swift). 0 on success, an errno otherwise. */
int cposix_thread_page_faults(long *minor, long *major);

/* Names the calling thread for the kernel (comm: `ps -L`, `top -H`), cut to its 15 bytes.
 * pthread_setname_np needs _GNU_SOURCE and so is not visible to Swift. 0 or an errno. */
int cposix_name_thread(const char *name);

#endif
