// A library call that never returns, for the interrupt tests of test_cli and
// test_gui: preloaded (LD_PRELOAD, test::withStuckOpen) into sinar-cli or sinar, it holds for ever any open of a path
// that contains $SINAR_STUCK_MARKER, ignoring the signals that interrupt its
// wait, as a codec stuck in a loop or a read from a hung network share would.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void holdIfMarked(const char* path)
{
    const char* marker = getenv("SINAR_STUCK_MARKER");
    if (!marker || !*marker || !path || !strstr(path, marker))
        return;
    static const char note[] = "stuck_open: holding the open of the marked file\n";
    ssize_t written = write(STDERR_FILENO, note, sizeof note - 1);
    (void)written;
    for (;;)
        pause(); // a handled signal ends pause(); the hold goes on
}

static mode_t modeArgument(int flags, va_list ap)
{
    return (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE ? va_arg(ap, mode_t) : 0;
}

// The optional third argument of open(): the mode of a file it creates.
#define SINAR_MODE_ARGUMENT(flags, mode)                                       \
    va_list ap;                                                                \
    va_start(ap, flags);                                                       \
    const mode_t mode = modeArgument(flags, ap);                               \
    va_end(ap)

#define SINAR_WRAP_OPEN(name)                                                  \
    int name(const char* path, int flags, ...)                                 \
    {                                                                          \
        SINAR_MODE_ARGUMENT(flags, mode);                                      \
        holdIfMarked(path);                                                    \
        int (*real)(const char*, int, ...) =                                   \
            (int (*)(const char*, int, ...))dlsym(RTLD_NEXT, #name);           \
        return real(path, flags, mode);                                        \
    }

#define SINAR_WRAP_OPENAT(name)                                                \
    int name(int dir, const char* path, int flags, ...)                        \
    {                                                                          \
        SINAR_MODE_ARGUMENT(flags, mode);                                      \
        holdIfMarked(path);                                                    \
        int (*real)(int, const char*, int, ...) =                              \
            (int (*)(int, const char*, int, ...))dlsym(RTLD_NEXT, #name);      \
        return real(dir, path, flags, mode);                                   \
    }

#define SINAR_WRAP_FOPEN(name)                                                 \
    FILE* name(const char* path, const char* mode)                             \
    {                                                                          \
        holdIfMarked(path);                                                    \
        FILE* (*real)(const char*, const char*) =                              \
            (FILE * (*)(const char*, const char*)) dlsym(RTLD_NEXT, #name);    \
        return real(path, mode);                                               \
    }

SINAR_WRAP_OPEN(open)
SINAR_WRAP_OPEN(open64)
SINAR_WRAP_OPENAT(openat)
SINAR_WRAP_OPENAT(openat64)
SINAR_WRAP_FOPEN(fopen)
SINAR_WRAP_FOPEN(fopen64)
