/* Standard base64 (RFC 4648, "+/" alphabet), as the "auth" fields of
 * auth.json and the Basic authorization header use it. */
#ifndef CTOOL_BASE64_H
#define CTOOL_BASE64_H

#include <stdbool.h>
#include <stddef.h>

/* Encode LEN bytes with '=' padding; a NUL-ended string. */
char *base64_encode(const void *data, size_t len);
/* Decode TEXT (padding optional, but correct when present). *out is
 * NUL-ended (not counted in *out_len). false on any invalid input. */
bool base64_decode(const char *text, unsigned char **out, size_t *out_len);

#endif
