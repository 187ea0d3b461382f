#include "logfile.h"
#include "exit-record.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

void
log_format_time(char *buf, size_t len, int64_t ns)
{
  time_t secs = (time_t) (ns / 1000000000);
  long frac = (long) (ns % 1000000000);
  struct tm tm;
  localtime_r(&secs, &tm);
  long off = tm.tm_gmtoff % 86400;
  char sign = off < 0 ? '-' : '+';
  off = off < 0 ? -off : off;
  char date[32];
  strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &tm);
  snprintf(buf, len, "%s.%09ld%c%02ld:%02ld", date, frac, sign, off / 3600, (off % 3600) / 60);
}

static void
write_all(int fd, const char *p, size_t n)
{
  while (n > 0)
    {
      ssize_t w = write(fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return; /* a full disk loses log lines, never the container */
      p += w;
      n -= (size_t) w;
    }
}

void
log_size_init(struct log_size *ls, int log_fd, int64_t max)
{
  struct stat st;
  ls->max = max;
  ls->size = log_fd >= 0 && fstat(log_fd, &st) == 0 ? (int64_t) st.st_size : 0;
}

/* Room for a record of N bytes under LIMIT: the file is emptied when it
 * would not fit (O_APPEND writes then start at 0 again). */
static void
make_room(int log_fd, struct log_size *limit, size_t n)
{
  if (limit == NULL || limit->max <= 0 || limit->size + (int64_t) n <= limit->max)
    return;
  if (ftruncate(log_fd, 0) == 0)
    limit->size = 0;
}

static void
log_write_record(int log_fd, struct log_size *limit, const char *stream, bool partial, const char *text, size_t len)
{
  if (log_fd < 0)
    return;
  char head[80];
  log_format_time(head, sizeof head - 16, time_now_ns());
  size_t h = strlen(head);
  h += (size_t) snprintf(head + h, sizeof head - h, " %s %c ", stream, partial ? 'P' : 'F');
  /* Text too long for one record under the limit: P records that fit. */
  if (limit && limit->max > 0 && (int64_t) (h + len + 1) > limit->max && (int64_t) (h + 2) <= limit->max)
    {
      size_t room = (size_t) limit->max - h - 1;
      log_write_record(log_fd, limit, stream, true, text, room);
      log_write_record(log_fd, limit, stream, partial, text + room, len - room);
      return;
    }
  make_room(log_fd, limit, h + len + 1);
  /* One write per record keeps records whole for concurrent readers. */
  char rec[sizeof head + LOG_CHUNK_MAX + 1];
  memcpy(rec, head, h);
  memcpy(rec + h, text, len);
  rec[h + len] = '\n';
  write_all(log_fd, rec, h + len + 1);
  if (limit)
    limit->size += (int64_t) (h + len + 1);
}

void
log_stream_emit(int log_fd, struct log_stream *s, bool flush)
{
  size_t start = 0;
  for (;;)
    {
      char *nl = memchr(s->buf + start, '\n', s->len - start);
      if (nl == NULL)
        break;
      size_t n = (size_t) (nl - (s->buf + start));
      if (n > 0 && s->buf[start + n - 1] == '\r')
        log_write_record(log_fd, s->limit, s->name, false, s->buf + start, n - 1);
      else
        log_write_record(log_fd, s->limit, s->name, false, s->buf + start, n);
      start += n + 1;
    }
  if (start > 0)
    {
      memmove(s->buf, s->buf + start, s->len - start);
      s->len -= start;
    }
  if (s->len > 0 && (flush || s->len == sizeof s->buf))
    {
      log_write_record(log_fd, s->limit, s->name, true, s->buf, s->len);
      s->len = 0;
    }
}

/* Parse "YYYY-MM-DDTHH:MM:SS[.frac](Z|+hh:mm|-hh:mm)" to ns since the epoch. */
static int64_t
parse_time(const char *s)
{
  struct tm tm;
  memset(&tm, 0, sizeof tm);
  const char *p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
  if (p == NULL)
    return 0;
  int64_t frac = 0;
  if (*p == '.')
    {
      int digits = 0;
      for (p++; *p >= '0' && *p <= '9'; p++)
        if (digits++ < 9)
          frac = frac * 10 + (*p - '0');
      for (; digits < 9; digits++)
        frac *= 10;
    }
  long off = 0;
  if (*p == '+' || *p == '-')
    {
      int hh = 0, mm = 0;
      if (sscanf(p + 1, "%2d:%2d", &hh, &mm) != 2)
        return 0;
      off = (hh * 3600L + mm * 60L) * (*p == '-' ? -1 : 1);
    }
  else if (*p != 'Z')
    return 0;
  time_t t = timegm(&tm) - off;
  return (int64_t) t * 1000000000 + frac;
}

bool
log_parse_line(char *line, struct log_record *rec)
{
  char *sp1 = strchr(line, ' ');
  if (sp1 == NULL)
    return false;
  char *sp2 = strchr(sp1 + 1, ' ');
  if (sp2 == NULL)
    return false;
  *sp1 = '\0';
  *sp2 = '\0';
  rec->time = line;
  rec->time_ns = parse_time(line);
  rec->stream = sp1 + 1;
  char *tag = sp2 + 1;
  rec->partial = tag[0] == 'P';
  if ((tag[0] != 'P' && tag[0] != 'F') || (tag[1] != ' ' && tag[1] != '\0'))
    return false;
  rec->text = tag[1] == ' ' ? tag + 2 : tag + 1;
  return true;
}
