#define _GNU_SOURCE
#include "CPosixShims.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <alloca.h>
#include <sys/mman.h>
#include <sys/resource.h>
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

int cposix_peer_groups(int socket, unsigned int *groups, int *count) {
#ifdef SO_PEERGROUPS
    struct sockaddr_storage address;
    socklen_t addressLength = sizeof address;
    if (getsockname(socket, (struct sockaddr *)&address, &addressLength) != 0) return errno;
    if (address.ss_family != AF_UNIX) return EAFNOSUPPORT;
    socklen_t length = (socklen_t)(*count * (int)sizeof(gid_t));
    if (getsockopt(socket, SOL_SOCKET, SO_PEERGROUPS, groups, &length) != 0) {
        if (errno == ERANGE) *count = (int)(length / sizeof(gid_t));
        return errno;
    }
    *count = (int)(length / sizeof(gid_t));
    return 0;
#else
    (void)socket; (void)groups; (void)count;
    return ENOPROTOOPT;
#endif
}

int cposix_is_unix_socket(int socket) {
    struct sockaddr_storage address;
    socklen_t length = sizeof address;
    if (getsockname(socket, (struct sockaddr *)&address, &length) != 0) return -errno;
    return address.ss_family == AF_UNIX;
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

int cposix_lock_memory_on_fault(void) {
#ifdef MCL_ONFAULT
    if (mlockall(MCL_CURRENT | MCL_FUTURE | MCL_ONFAULT) == 0) return 1;
    if (errno != EINVAL) return 0;
#endif
    return mlockall(MCL_CURRENT | MCL_FUTURE) == 0 ? 2 : 0;
}

void cposix_prefault_stack(size_t bytes) {
    volatile unsigned char *stack = alloca(bytes);
    for (size_t offset = 0; offset < bytes; offset += 4096) stack[offset] = 0;
    stack[bytes - 1] = 0;
}

int cposix_thread_page_faults(long *minor, long *major) {
    struct rusage usage;
    if (getrusage(RUSAGE_THREAD, &usage) != 0) return errno;
    *minor = usage.ru_minflt;
    *major = usage.ru_majflt;
    return 0;
}

int cposix_name_thread(const char *name) {
    char cut[16];
    strncpy(cut, name, sizeof cut - 1);
    cut[sizeof cut - 1] = 0;
    return pthread_setname_np(pthread_self(), cut);
}
