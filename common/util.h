/* Small helpers shared by every part of ctool: allocation that aborts on
 * out-of-memory, cleanup attributes, string helpers. */
#ifndef CTOOL_UTIL_H
#define CTOOL_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <dirent.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* This machine's architecture in the OCI/Go spelling. */
#if defined(__x86_64__)
#define CTOOL_GOARCH "amd64"
#elif defined(__aarch64__)
#define CTOOL_GOARCH "arm64"
#elif defined(__arm__)
#define CTOOL_GOARCH "arm"
#elif defined(__i386__)
#define CTOOL_GOARCH "386"
#elif defined(__powerpc64__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define CTOOL_GOARCH "ppc64le"
#elif defined(__s390x__)
#define CTOOL_GOARCH "s390x"
#elif defined(__riscv) && __riscv_xlen == 64
#define CTOOL_GOARCH "riscv64"
#else
#error "unknown architecture: add its Go name to common/util.h"
#endif

void *xmalloc(size_t n);
void *xzalloc(size_t n);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *xvasprintf(const char *fmt, va_list ap);

/* Cleanup helpers for __attribute__((cleanup)). */
void cleanup_freep(void *p);
void cleanup_closep(int *fd);
void cleanup_fclosep(FILE **f);
void cleanup_closedirp(DIR **d);
void cleanup_strvp(char ***v);
#define cleanup_free __attribute__((cleanup(cleanup_freep)))
#define cleanup_close __attribute__((cleanup(cleanup_closep)))
#define cleanup_file __attribute__((cleanup(cleanup_fclosep)))
#define cleanup_dir __attribute__((cleanup(cleanup_closedirp)))
#define cleanup_strv __attribute__((cleanup(cleanup_strvp)))

/* Hand ownership to the caller: returns *pp and sets *pp to NULL. */
static inline void *
steal_ptr(void *pp)
{
  void **p = (void **) pp;
  void *v = *p;
  *p = NULL;
  return v;
}
#define steal_pointer(pp) ((__typeof__(*(pp))) steal_ptr(pp))
static inline int
steal_fd(int *fd)
{
  int v = *fd;
  *fd = -1;
  return v;
}

/* NULL-terminated string vectors. */
size_t strv_len(char *const *v);
void strv_free(char **v);
char **strv_dup(char *const *v);
/* Append a copy of s; *v may be NULL. */
void strv_push(char ***v, const char *s);
bool strv_contains(char *const *v, const char *s);

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);
/* Parse a decimal unsigned number; whole string; false on junk/overflow. */
bool str_to_u64(const char *s, unsigned long long *out);
/* Human sizes: "1.5MB", "512kB" (SI, as Podman prints them). */
void format_size(char *buf, size_t len, unsigned long long bytes);
/* "3 minutes ago", "About an hour ago", as Podman prints them. */
void format_ago(char *buf, size_t len, long long seconds);
/* Random lowercase hex of n characters (n even). */
void random_hex(char *buf, size_t n);

/* The UTF-8 bytes of code point CP (up to 0x1FFFFF) in OUT; returns how
 * many (1 to 4). No check for surrogates or range: callers that need one
 * substitute U+FFFD first. */
size_t utf8_encode(uint32_t cp, char out[4]);

/* Every signal's disposition back to the default and an empty mask, as a
 * child wants before exec (ctool changes both). */
void signals_reset_default(void);

#endif
