#include "util.h"

#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

static void __attribute__((noreturn))
oom(void)
{
  fputs("ctool: out of memory\n", stderr);
  abort();
}

void *
xmalloc(size_t n)
{
  void *p = malloc(n ? n : 1);
  if (p == NULL)
    oom();
  return p;
}

void *
xzalloc(size_t n)
{
  void *p = calloc(1, n ? n : 1);
  if (p == NULL)
    oom();
  return p;
}

void *
xrealloc(void *p, size_t n)
{
  p = realloc(p, n ? n : 1);
  if (p == NULL)
    oom();
  return p;
}

char *
xstrdup(const char *s)
{
  if (s == NULL)
    return NULL;
  char *r = strdup(s);
  if (r == NULL)
    oom();
  return r;
}

char *
xstrndup(const char *s, size_t n)
{
  char *r = strndup(s, n);
  if (r == NULL)
    oom();
  return r;
}

char *
xvasprintf(const char *fmt, va_list ap)
{
  char *r;
  if (vasprintf(&r, fmt, ap) < 0)
    oom();
  return r;
}

char *
xasprintf(const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  char *r = xvasprintf(fmt, ap);
  va_end(ap);
  return r;
}

void
cleanup_freep(void *p)
{
  free(*(void **) p);
}

void
cleanup_closep(int *fd)
{
  if (*fd >= 0)
    {
      int saved = errno;
      close(*fd);
      errno = saved;
    }
}

void
cleanup_fclosep(FILE **f)
{
  if (*f)
    fclose(*f);
}

void
cleanup_closedirp(DIR **d)
{
  if (*d)
    closedir(*d);
}

void
cleanup_strvp(char ***v)
{
  strv_free(*v);
}

size_t
strv_len(char *const *v)
{
  size_t n = 0;
  while (v && v[n])
    n++;
  return n;
}

void
strv_free(char **v)
{
  for (size_t i = 0; v && v[i]; i++)
    free(v[i]);
  free(v);
}

char **
strv_dup(char *const *v)
{
  size_t n = strv_len(v);
  char **r = xzalloc((n + 1) * sizeof *r);
  for (size_t i = 0; i < n; i++)
    r[i] = xstrdup(v[i]);
  return r;
}

void
strv_push(char ***v, const char *s)
{
  size_t n = strv_len(*v);
  *v = xrealloc(*v, (n + 2) * sizeof **v);
  (*v)[n] = xstrdup(s);
  (*v)[n + 1] = NULL;
}

bool
strv_contains(char *const *v, const char *s)
{
  for (size_t i = 0; v && v[i]; i++)
    if (strcmp(v[i], s) == 0)
      return true;
  return false;
}

bool
str_has_prefix(const char *s, const char *prefix)
{
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_has_suffix(const char *s, const char *suffix)
{
  size_t ls = strlen(s), lx = strlen(suffix);
  return ls >= lx && strcmp(s + ls - lx, suffix) == 0;
}

bool
str_to_u64(const char *s, unsigned long long *out)
{
  if (s == NULL || *s < '0' || *s > '9')
    return false;
  char *end;
  errno = 0;
  unsigned long long v = strtoull(s, &end, 10);
  if (errno != 0 || *end != '\0')
    return false;
  *out = v;
  return true;
}

void
format_size(char *buf, size_t len, unsigned long long bytes)
{
  static const char *const units[] = { "B", "kB", "MB", "GB", "TB" };
  double v = (double) bytes;
  size_t u = 0;
  while (v >= 1000.0 && u + 1 < ARRAY_SIZE(units))
    {
      v /= 1000.0;
      u++;
    }
  if (u == 0)
    snprintf(buf, len, "%llu %s", bytes, units[0]);
  else
    snprintf(buf, len, "%.3g %s", v, units[u]);
}

void
format_ago(char *buf, size_t len, long long s)
{
  if (s < 1)
    snprintf(buf, len, "Less than a second ago");
  else if (s < 60)
    snprintf(buf, len, "%lld second%s ago", s, s == 1 ? "" : "s");
  else if (s < 3600)
    snprintf(buf, len, s < 120 ? "About a minute ago" : "%lld minutes ago", s / 60);
  else if (s < 86400)
    snprintf(buf, len, s < 7200 ? "About an hour ago" : "%lld hours ago", s / 3600);
  else if (s < 86400 * 14)
    snprintf(buf, len, "%lld days ago", s / 86400);
  else if (s < 86400 * 60)
    snprintf(buf, len, "%lld weeks ago", s / (86400 * 7));
  else if (s < 86400 * 730)
    snprintf(buf, len, "%lld months ago", s / (86400 * 30));
  else
    snprintf(buf, len, "%lld years ago", s / (86400 * 365));
}

void
random_hex(char *buf, size_t n)
{
  static const char hex[] = "0123456789abcdef";
  unsigned char raw[64];
  size_t need = (n + 1) / 2;
  if (need > sizeof raw)
    need = sizeof raw;
  if (getrandom(raw, need, 0) != (ssize_t) need)
    {
      fputs("ctool: getrandom failed\n", stderr);
      abort();
    }
  for (size_t i = 0; i < n && i / 2 < need; i++)
    buf[i] = hex[(raw[i / 2] >> ((i & 1) ? 0 : 4)) & 0xf];
  buf[n] = '\0';
}

size_t
utf8_encode(uint32_t cp, char out[4])
{
  if (cp < 0x80)
    {
      out[0] = (char) cp;
      return 1;
    }
  if (cp < 0x800)
    {
      out[0] = (char) (0xC0 | (cp >> 6));
      out[1] = (char) (0x80 | (cp & 0x3F));
      return 2;
    }
  if (cp < 0x10000)
    {
      out[0] = (char) (0xE0 | (cp >> 12));
      out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
      out[2] = (char) (0x80 | (cp & 0x3F));
      return 3;
    }
  out[0] = (char) (0xF0 | (cp >> 18));
  out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char) (0x80 | (cp & 0x3F));
  return 4;
}

void
signals_reset_default(void)
{
  struct sigaction dfl = { .sa_handler = SIG_DFL };
  for (int sig = 1; sig < NSIG; sig++)
    if (sig != SIGKILL && sig != SIGSTOP)
      sigaction(sig, &dfl, NULL);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
}
