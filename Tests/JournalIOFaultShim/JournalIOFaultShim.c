/*
 * Test-only LD_PRELOAD library: a disk that starts failing. While the file named by
 * INFUSIOND_EIO_TRIGGER exists, every write, pwrite, writev, fsync and fdatasync on a file under
 * the directory INFUSIOND_EIO_DIR fails with EIO, as a dying SD card or a yanked USB disk does;
 * remove the file and they work again. Everything else passes straight through, so the daemon's
 * socket, its log and its reads are untouched. Never linked into the product.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

/* Whether fd is a file under the failing directory while the trigger exists. */
static int failing(int fd) {
    const char *trigger = getenv("INFUSIOND_EIO_TRIGGER");
    const char *directory = getenv("INFUSIOND_EIO_DIR");
    if (trigger == NULL || directory == NULL || access(trigger, F_OK) != 0) return 0;
    char link[64];
    char target[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t length = readlink(link, target, sizeof target - 1);
    if (length <= 0) return 0;
    target[length] = '\0';
    size_t prefix = strlen(directory);
    return strncmp(target, directory, prefix) == 0 && (target[prefix] == '/' || target[prefix] == '\0');
}

#define NEXT(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

ssize_t write(int fd, const void *buffer, size_t count) {
    if (failing(fd)) { errno = EIO; return -1; }
    return NEXT(write)(fd, buffer, count);
}

ssize_t pwrite(int fd, const void *buffer, size_t count, off_t offset) {
    if (failing(fd)) { errno = EIO; return -1; }
    return NEXT(pwrite)(fd, buffer, count, offset);
}

ssize_t pwrite64(int fd, const void *buffer, size_t count, off64_t offset) {
    if (failing(fd)) { errno = EIO; return -1; }
    return NEXT(pwrite64)(fd, buffer, count, offset);
}

ssize_t writev(int fd, const struct iovec *vector, int count) {
    if (failing(fd)) { errno = EIO; return -1; }
    return NEXT(writev)(fd, vector, count);
}

int fsync(int fd) {
    if (failing(fd)) { errno = EIO; return -1; }
    return NEXT(fsync)(fd);
}

int fdatasync(int fd) {
    if (failing(fd)) { errno = EIO; return -1; }
    return NEXT(fdatasync)(fd);
}
