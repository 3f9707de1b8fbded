// spawn-trampoline PROGRAM [ARGUMENTS...]: closes what the child inherited by accident, unblocks
// every signal, then becomes PROGRAM.
//
// The tests start daemons, pumpsim and infusionctl with Foundation's Process from many threads
// at once. On Linux, Process emulates "close everything else in the child" by listing
// /proc/self/fd before the spawn, so a pipe or socket another thread opens in that moment
// (Foundation's Pipe is not close-on-exec) is inherited. A long-lived daemon holding another
// test's pipe keeps that test's read from ever seeing its end, and one holding a client's socket
// keeps that connection open after the client closed it. Closing from inside the child, after the
// spawn, leaves no such moment.
//
// One inherited descriptor is meant: Process's end of a socket pair, whose closing at the child's
// exit tells Process to reap it. Closed early, Process's single reaping thread waits in waitpid
// for that child alone and no other child is reaped until it ends. So an unnamed Unix socket pair
// is kept; every other descriptor above standard error is closed.
//
// posix_spawn also hands the child the calling thread's signal mask, and the tests spawn from
// worker threads that block signals, so a child's SIGTERM waited forever.
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

/// Whether `fd` is an unnamed Unix socket connected to an unnamed peer: a socketpair's end.
static int is_socket_pair(int fd) {
    struct stat status;
    if (fstat(fd, &status) != 0 || !S_ISSOCK(status.st_mode)) return 0;
    struct sockaddr_un local, peer;
    socklen_t local_length = sizeof local, peer_length = sizeof peer;
    if (getsockname(fd, (struct sockaddr *)&local, &local_length) != 0) return 0;
    if (getpeername(fd, (struct sockaddr *)&peer, &peer_length) != 0) return 0;
    return local.sun_family == AF_UNIX && local_length <= sizeof(sa_family_t) && peer_length <= sizeof(sa_family_t);
}

int main(int argc, char *argv[]) {
    if (argc < 2) {
        fprintf(stderr, "usage: spawn-trampoline PROGRAM [ARGUMENTS...]\n");
        return 2;
    }
    DIR *listing = opendir("/proc/self/fd");
    if (listing == NULL) {
        fprintf(stderr, "spawn-trampoline: /proc/self/fd: %s\n", strerror(errno));
        return 127;
    }
    // More than this many inherited in one spawn's moment is not a race but a leak of its own.
    int inherited[1024];
    size_t count = 0;
    struct dirent *entry;
    while ((entry = readdir(listing)) != NULL && count < sizeof inherited / sizeof inherited[0]) {
        char *end;
        long fd = strtol(entry->d_name, &end, 10);
        if (*end == '\0' && end != entry->d_name && fd > 2 && fd != dirfd(listing)) inherited[count++] = (int)fd;
    }
    closedir(listing);
    for (size_t index = 0; index < count; index++) {
        if (!is_socket_pair(inherited[index])) close(inherited[index]);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execv(argv[1], argv + 1);
    fprintf(stderr, "spawn-trampoline: %s: %s\n", argv[1], strerror(errno));
    return 127;
}
