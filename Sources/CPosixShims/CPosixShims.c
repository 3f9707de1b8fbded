#define _GNU_SOURCE
#include "CPosixShims.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

int cposix_open_pty_controller(void) {
    int controller = posix_openpt(O_RDWR | O_NOCTTY | O_NONBLOCK);
    if (controller < 0) return -1;
    if (grantpt(controller) != 0 || unlockpt(controller) != 0) {
        close(controller);
        return -1;
    }
    return controller;
}

int cposix_pty_device_name(int controller, char *buffer, size_t length) {
    return ptsname_r(controller, buffer, length);
}

int cposix_accept_nonblocking(int listener) {
    return accept4(listener, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
}

int cposix_peer_credentials(int socket, unsigned int *uid, unsigned int *gid, int *pid) {
    struct ucred credentials;
    socklen_t length = sizeof credentials;
    if (getsockopt(socket, SOL_SOCKET, SO_PEERCRED, &credentials, &length) != 0) return errno;
    *uid = credentials.uid;
    *gid = credentials.gid;
    *pid = credentials.pid;
    return 0;
}

int cposix_group_list(const char *user, unsigned int group, unsigned int *groups, int *count) {
    return getgrouplist(user, (gid_t)group, (gid_t *)groups, count) < 0 ? -1 : 0;
}

int cposix_connect_unix(const char *path) {
    struct sockaddr_un address;
    memset(&address, 0, sizeof address);
    address.sun_family = AF_UNIX;
    if (strlen(path) >= sizeof address.sun_path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    strcpy(address.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

int cposix_allowed_cpus(int *highest, int *count) {
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(getpid(), sizeof set, &set) != 0) return errno;
    *count = CPU_COUNT(&set);
    *highest = -1;
    for (int cpu = 0; cpu < CPU_SETSIZE; cpu++) {
        if (CPU_ISSET(cpu, &set)) *highest = cpu;
    }
    return 0;
}

int cposix_pin_thread(int cpu, int only_that) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) return EINVAL;
    cpu_set_t set;
    CPU_ZERO(&set);
    if (only_that) {
        CPU_SET(cpu, &set);
    } else {
        if (sched_getaffinity(getpid(), sizeof set, &set) != 0) return errno;
        CPU_CLR(cpu, &set);
        if (CPU_COUNT(&set) == 0) return EINVAL;
    }
    return pthread_setaffinity_np(pthread_self(), sizeof set, &set);
}
