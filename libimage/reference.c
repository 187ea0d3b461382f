/* Image references, parsed and normalized by the grammar of the
 * distribution project (the one Podman and Docker share):
 *
 *   reference := name [":" tag] ["@" digest]
 *   name      := [domain "/"] path-component ("/" path-component)*
 *   domain    := host [":" port], host a DNS name, "localhost" or "[IPv6]"
 *   component := [a-z0-9]+ (separator [a-z0-9]+)*, separator . _ __ -+
 *   tag       := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
 *   digest    := algorithm ":" hex
 *
 * The first path component is a registry only when it holds '.' or ':'
 * or is "localhost"; otherwise docker.io is implied (and library/ for a
 * one-component name). */
#include "reference.h"
#include "quote.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REF_NAME_MAX 255   /* "registry/repository", as distribution */
#define REF_TAG_MAX 128
#define REF_QUOTE_MAX 80   /* how much of hostile input an error repeats */

#define DEFAULT_REGISTRY "docker.io"
#define LEGACY_DEFAULT_REGISTRY "index.docker.io"
#define OFFICIAL_NAMESPACE "library/"

static bool
is_lower_alnum(char c)
{
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool
is_alnum(char c)
{
  return is_lower_alnum(c) || (c >= 'A' && c <= 'Z');
}

static bool
is_hex(char c)
{
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
}

static bool
is_word(char c)
{
  return is_alnum(c) || c == '_';
}

/* The input as an error may repeat it (no terminal escapes from hostile
 * input, long input cut). */
static char *
quote_input(const char *s)
{
  return quote_untrusted(s, REF_QUOTE_MAX);
}

static int __attribute__((format(printf, 3, 4)))
ref_error(ctool_error_t *err, const char *input, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  cleanup_free char *reason = xvasprintf(fmt, ap);
  va_end(ap);
  cleanup_free char *quoted = quote_input(input);
  return ctool_error_set(err, 0, "invalid reference '%s': %s", quoted, reason);
}

/* Port: 1..65535, decimal digits only. */
static bool
port_valid(const char *p, size_t len)
{
  if (len == 0 || len > 5)
    return false;
  unsigned v = 0;
  for (size_t i = 0; i < len; i++)
    {
      if (p[i] < '0' || p[i] > '9')
        return false;
      v = v * 10 + (unsigned) (p[i] - '0');
    }
  return v >= 1 && v <= 65535;
}

/* DNS name: labels of [A-Za-z0-9-], not starting or ending with '-'. */
static bool
hostname_valid(const char *h, size_t len)
{
  if (len == 0)
    return false;
  size_t label = 0;
  for (size_t i = 0; i < len; i++)
    {
      char c = h[i];
      if (c == '.')
        {
          if (label == 0 || h[i - 1] == '-')
            return false;
          label = 0;
        }
      else if (is_alnum(c) || (c == '-' && label > 0))
        label++;
      else
        return false;
    }
  return label > 0 && h[len - 1] != '-';
}

/* "[" hex, ':' and '.' "]": loose, as the distribution grammar. */
static size_t
ipv6_literal_len(const char *d, size_t len)
{
  if (len < 3 || d[0] != '[')
    return 0;
  size_t i = 1;
  while (i < len && (is_hex(d[i]) || (d[i] >= 'A' && d[i] <= 'F') || d[i] == ':' || d[i] == '.'))
    i++;
  if (i == 1 || i >= len || d[i] != ']')
    return 0;
  return i + 1;
}

static const char *
domain_problem(const char *d, size_t len)
{
  size_t host_len = ipv6_literal_len(d, len);
  if (host_len == 0)
    {
      const char *colon = memchr(d, ':', len);
      host_len = colon ? (size_t) (colon - d) : len;
      if (!hostname_valid(d, host_len))
        return "invalid registry host name";
    }
  if (host_len == len)
    return NULL;
  if (d[host_len] != ':' || !port_valid(d + host_len + 1, len - host_len - 1))
    return "invalid registry port (use HOST:PORT with a port from 1 to 65535)";
  return NULL;
}

/* One path component: [a-z0-9]+ joined by '.', '_', '__' or '-'+. */
static const char *
component_problem(const char *c, size_t len)
{
  if (len == 0)
    return "empty path component (check for '//' or a '/' at either end)";
  for (size_t i = 0; i < len; i++)
    if (c[i] >= 'A' && c[i] <= 'Z')
      return "repository name must be lowercase";
  size_t i = 0;
  for (;;)
    {
      size_t run = 0;
      while (i < len && is_lower_alnum(c[i]))
        i++, run++;
      if (run == 0)
        return "a path component must start and end with a lowercase letter or digit";
      if (i == len)
        return NULL;
      if (c[i] == '.')
        i++;
      else if (c[i] == '_')
        i += (i + 1 < len && c[i + 1] == '_') ? 2 : 1;
      else if (c[i] == '-')
        while (i < len && c[i] == '-')
          i++;
      else
        return "only lowercase letters, digits, '.', '_', '__' and '-' may appear in a repository name";
      if (i == len || !is_lower_alnum(c[i]))
        return i == len ? "a path component must start and end with a lowercase letter or digit"
                        : "separators in a repository name are one '.', one or two '_', or dashes";
    }
}

static const char *
path_problem(const char *path)
{
  const char *p = path;
  for (;;)
    {
      const char *slash = strchr(p, '/');
      size_t len = slash ? (size_t) (slash - p) : strlen(p);
      const char *problem = component_problem(p, len);
      if (problem)
        return problem;
      if (slash == NULL)
        return NULL;
      p = slash + 1;
    }
}

static const char *
tag_problem(const char *tag)
{
  size_t len = strlen(tag);
  if (len == 0)
    return "empty tag after ':' (use NAME:TAG or leave out the ':')";
  if (len > REF_TAG_MAX)
    return "tag longer than 128 characters";
  if (!is_word(tag[0]))
    return "a tag must start with a letter, digit or '_'";
  for (size_t i = 1; i < len; i++)
    if (!is_word(tag[i]) && tag[i] != '.' && tag[i] != '-')
      return "a tag may only hold letters, digits, '_', '.' and '-'";
  return NULL;
}

struct digest_algorithm {
  const char *name;
  size_t hex_len;
};

static const struct digest_algorithm digest_algorithms[] = {
  { "sha256", 64 },
  { "sha384", 96 },
  { "sha512", 128 },
};

/* Writes the reason into BUF (digests name the algorithm in the message). */
static bool
digest_valid(const char *digest, char *buf, size_t buflen)
{
  const char *colon = strchr(digest, ':');
  if (*digest == '\0')
    {
      snprintf(buf, buflen, "'@' must be followed by a digest such as sha256:<64 hex digits>");
      return false;
    }
  if (colon == NULL || colon == digest || colon[1] == '\0')
    {
      snprintf(buf, buflen, "a digest looks like sha256:<64 hex digits>");
      return false;
    }
  size_t alg_len = (size_t) (colon - digest);
  const struct digest_algorithm *alg = NULL;
  for (size_t i = 0; i < ARRAY_SIZE(digest_algorithms); i++)
    if (strlen(digest_algorithms[i].name) == alg_len && memcmp(digest, digest_algorithms[i].name, alg_len) == 0)
      alg = &digest_algorithms[i];
  if (alg == NULL)
    {
      cleanup_free char *raw = xstrndup(digest, alg_len);
      cleanup_free char *name = quote_input(raw);
      snprintf(buf, buflen, "unsupported digest algorithm '%s' (use sha256, sha384 or sha512)", name);
      return false;
    }
  const char *hex = colon + 1;
  size_t hex_len = strlen(hex);
  bool all_hex = true;
  for (size_t i = 0; i < hex_len; i++)
    all_hex = all_hex && is_hex(hex[i]);
  if (hex_len != alg->hex_len || !all_hex)
    {
      snprintf(buf, buflen, "a %s digest is %zu lowercase hex digits", alg->name, alg->hex_len);
      return false;
    }
  return true;
}

static bool
is_hex_string(const char *s, size_t min, size_t max)
{
  size_t n = strlen(s);
  if (n < min || n > max)
    return false;
  for (size_t i = 0; i < n; i++)
    if (!is_hex(s[i]))
      return false;
  return true;
}

bool
image_id_like(const char *s)
{
  return s != NULL && is_hex_string(s, 3, 64);
}

/* Does the first component of NAME (up to the first '/') name a registry? */
static size_t
registry_part_len(const char *name)
{
  const char *slash = strchr(name, '/');
  if (slash == NULL)
    return 0;
  size_t len = (size_t) (slash - name);
  if (memchr(name, '.', len) || memchr(name, ':', len) || (len == 9 && memcmp(name, "localhost", 9) == 0))
    return len;
  return 0;
}

/* Split "name[:tag][@digest]" (a copy in WORK) into its three parts. */
static int
split_reference(const char *input, char *work, char **name, char **tag, char **digest, ctool_error_t *err)
{
  *tag = *digest = NULL;
  char *at = strchr(work, '@');
  if (at)
    {
      *at = '\0';
      *digest = at + 1;
      char reason[512];
      if (!digest_valid(*digest, reason, sizeof reason))
        return ref_error(err, input, "%s", reason);
    }
  char *last_slash = strrchr(work, '/');
  char *colon = strrchr(last_slash ? last_slash : work, ':');
  if (colon)
    {
      *colon = '\0';
      *tag = colon + 1;
      const char *problem = tag_problem(*tag);
      if (problem)
        return ref_error(err, input, "%s", problem);
    }
  *name = work;
  if (**name == '\0')
    return ref_error(err, input, "no image name before '%c'", *tag ? ':' : '@');
  return 0;
}

int
image_ref_parse(const char *input, struct image_ref *out, bool *was_short, ctool_error_t *err)
{
  memset(out, 0, sizeof *out);
  if (input == NULL || *input == '\0')
    return ctool_error_set(err, 0, "invalid reference '': empty image name");
  if (strstr(input, "://"))
    return ref_error(err, input, "transport or URL prefixes (such as docker:// or https://) are not part of an image name");

  cleanup_free char *work = xstrdup(input);
  char *name, *tag, *digest;
  if (split_reference(input, work, &name, &tag, &digest, err) < 0)
    return -1;
  if (is_hex_string(name, 64, 64))
    return ref_error(err, input, "a 64-character hex string is an image ID, not a name");

  size_t reg_len = registry_part_len(name);
  const char *path = reg_len ? name + reg_len + 1 : name;
  if (reg_len)
    {
      const char *problem = domain_problem(name, reg_len);
      if (problem)
        return ref_error(err, input, "%s", problem);
    }
  const char *problem = path_problem(path);
  if (problem)
    return ref_error(err, input, "%s", problem);

  cleanup_free char *registry = reg_len ? xstrndup(name, reg_len) : xstrdup(DEFAULT_REGISTRY);
  if (strcmp(registry, LEGACY_DEFAULT_REGISTRY) == 0)
    {
      free(registry);
      registry = xstrdup(DEFAULT_REGISTRY);
    }
  bool official = strcmp(registry, DEFAULT_REGISTRY) == 0 && strchr(path, '/') == NULL;
  cleanup_free char *repository = xasprintf("%s%s", official ? OFFICIAL_NAMESPACE : "", path);
  if (strlen(registry) + 1 + strlen(repository) > REF_NAME_MAX)
    return ref_error(err, input, "name longer than %d characters", REF_NAME_MAX);

  out->registry = steal_pointer(&registry);
  out->repository = steal_pointer(&repository);
  out->tag = tag ? xstrdup(tag) : digest ? NULL : xstrdup("latest");
  out->digest = digest ? xstrdup(digest) : NULL;
  if (was_short)
    *was_short = reg_len == 0;
  return 0;
}

char *
image_ref_name(const struct image_ref *ref)
{
  return xasprintf("%s/%s", ref->registry, ref->repository);
}

char *
image_ref_string(const struct image_ref *ref)
{
  return xasprintf("%s/%s%s%s%s%s", ref->registry, ref->repository, ref->tag ? ":" : "", ref->tag ? ref->tag : "",
                   ref->digest ? "@" : "", ref->digest ? ref->digest : "");
}

void
image_ref_clear(struct image_ref *ref)
{
  free(ref->registry);
  free(ref->repository);
  free(ref->tag);
  free(ref->digest);
  memset(ref, 0, sizeof *ref);
}
