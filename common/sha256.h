/* SHA-256 (FIPS 180-4) without a crypto library, for small inputs: the
 * container start path hashes seccomp profiles for the filter cache, and
 * the store hashes manifests, configs and chain IDs; loading and
 * initializing libcrypto there costs more than the hashing itself. Layers
 * (megabytes) are hashed by libcrypto's faster code in the image helper
 * (libimage/store-blob.c). */
#ifndef CTOOL_SHA256_H
#define CTOOL_SHA256_H

#include <stddef.h>
#include <stdint.h>

struct sha256 {
  uint32_t h[8];
  uint64_t len;          /* bytes hashed so far */
  unsigned char buf[64];
  size_t fill;
};

void sha256_init(struct sha256 *s);
void sha256_update(struct sha256 *s, const void *data, size_t len);
void sha256_final(struct sha256 *s, unsigned char out[32]);
/* 64 lowercase hex digits and a NUL into HEX. */
void sha256_hex(const void *data, size_t len, char hex[65]);

#endif
