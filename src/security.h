/* What a container process may do: capabilities (libcap), rlimits,
 * no_new_privs and seccomp (libseccomp; compiled once, cached on disk by a
 * hash of the profile, loaded with seccomp(2) on every later start).
 *
 * Each part is parsed in the parent from the OCI spec into a plain struct
 * (parse first) and applied in the child with a few syscalls (act later). */
#ifndef CTOOL_SECURITY_H
#define CTOOL_SECURITY_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/resource.h>

#include "error.h"

/* The five capability sets of process.capabilities as bit masks. */
struct security_caps {
  bool present;        /* process.capabilities given; else all are kept */
  uint64_t bounding, effective, permitted, inheritable, ambient;
};

/* "CAP_CHOWN" (any case, "CAP_" optional) -> its number, or -1. */
int security_cap_from_name(const char *name);
int security_caps_parse(json_object *capabilities, struct security_caps *out, ctool_error_t *err);
/* Drop everything outside the bounding set (needs CAP_SETPCAP: call it
 * before changing the user). */
int security_caps_apply_bounding(const struct security_caps *caps, ctool_error_t *err);
/* Set effective, permitted, inheritable and ambient (after the user). */
int security_caps_apply(const struct security_caps *caps, ctool_error_t *err);

struct security_rlimit {
  int resource;
  struct rlimit limit;
};

/* process.rlimits: [{"type": "RLIMIT_NOFILE", "hard": N, "soft": N}]. */
int security_rlimits_parse(json_object *rlimits, struct security_rlimit **out, size_t *n, ctool_error_t *err);
int security_rlimits_apply(const struct security_rlimit *r, size_t n, ctool_error_t *err);
/* "RLIMIT_NOFILE" -> RLIMIT_NOFILE, or -1. */
int security_rlimit_from_name(const char *name);

int security_no_new_privs(ctool_error_t *err);

/* A compiled seccomp filter, ready for seccomp(SECCOMP_SET_MODE_FILTER). */
struct security_seccomp {
  void *bpf;           /* struct sock_filter[] */
  size_t len;          /* bytes */
  unsigned flags;      /* SECCOMP_FILTER_FLAG_* from linux.seccomp.flags */
  bool from_cache;
  char *save_path;     /* compiled now: where the cache wants it */
};

/* Compile linux.seccomp (an OCI object) with libseccomp, or load the
 * filter compiled earlier from CACHE_DIR/HASH.bpf, where HASH covers the
 * profile, the architecture and the libseccomp version. CACHE_DIR NULL:
 * no cache. Only reads files, so that a process whose user namespace has
 * no ID map yet can call it. */
int security_seccomp_prepare(json_object *seccomp, const char *cache_dir, struct security_seccomp *out,
                             ctool_error_t *err);
/* Store a filter compiled by security_seccomp_prepare in the cache
 * (creating the directory); failures only log. */
void security_seccomp_save(struct security_seccomp *f);
/* The cache file name (64 hex digits + ".bpf") for SECCOMP; malloc'd. */
char *security_seccomp_cache_name(json_object *seccomp);
/* Install the filter in the calling thread. */
int security_seccomp_load(const struct security_seccomp *f, ctool_error_t *err);
void security_seccomp_free(struct security_seccomp *f);

#endif
