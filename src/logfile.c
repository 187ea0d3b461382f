#include "logfile.h"
#include "exit-record.h"
#include "fsutil.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* DIGITS decimal digits of V at P, zero-padded; returns the end. */
static char *
put_digits(char *p, long v, int digits)
{
  for (int i = digits - 1; i >= 0; i--, v /= 10)
    p[i] = (char) ('0' + v % 10);
  return p + digits;
}

/* Year, month (1-12) and day of the month of DAYS since 1970-01-01, in
 * the proleptic Gregorian calendar: count in 400-year eras that start on
 * March 1st, so that the leap day ends a year. */
static void
civil_from_days(int64_t days, long *year, int *month, int *day)
{
  days += 719468; /* 0000-03-01 to 1970-01-01 */
  int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  int64_t doe = days - era * 146097;                            /* [0, 146096] */
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);        /* [0, 365] */
  int64_t mp = (5 * doy + 2) / 153;                             /* March = 0 */
  *day = (int) (doy - (153 * mp + 2) / 5 + 1);
  *month = (int) (mp < 10 ? mp + 3 : mp - 9);
  *year = (long) (yoe + era * 400 + (*month <= 2));
}

static bool offset_fixed;
static long fixed_offset;

void
log_fix_utc_offset(long seconds)
{
  offset_fixed = true;
  fixed_offset = seconds % 86400;
}

long
log_local_utc_offset(void)
{
  time_t now = time(NULL);
  struct tm tm;
  return localtime_r(&now, &tm) ? tm.tm_gmtoff : 0;
}

/* RFC 3339 with nanoseconds and the UTC offset, as conmon writes it. By
 * hand, without localtime, strftime and printf when the offset is fixed:
 * the monitor formats a time for every record and stays small (the time
 * zone, locale and stdio code of libc is never paged in). */
void
log_format_time(char *buf, size_t len, int64_t ns)
{
  int64_t secs = ns / 1000000000;
  long frac = (long) (ns % 1000000000);
  if (frac < 0)
    frac += 1000000000, secs--;
  long off = offset_fixed ? fixed_offset : 0;
  if (!offset_fixed)
    {
      time_t t = (time_t) secs;
      struct tm tm;
      if (localtime_r(&t, &tm))
        off = tm.tm_gmtoff % 86400;
    }
  int64_t local = secs + off;
  int64_t days = local / 86400, sod = local % 86400;
  if (sod < 0)
    sod += 86400, days--;
  long year;
  int month, day;
  civil_from_days(days, &year, &month, &day);
  char sign = off < 0 ? '-' : '+';
  off = off < 0 ? -off : off;
  char out[48], *p = out;
  p = put_digits(p, year, 4);
  *p++ = '-';
  p = put_digits(p, month, 2);
  *p++ = '-';
  p = put_digits(p, day, 2);
  *p++ = 'T';
  p = put_digits(p, (long) (sod / 3600), 2);
  *p++ = ':';
  p = put_digits(p, (long) (sod % 3600 / 60), 2);
  *p++ = ':';
  p = put_digits(p, (long) (sod % 60), 2);
  *p++ = '.';
  p = put_digits(p, frac, 9);
  *p++ = sign;
  p = put_digits(p, off / 3600, 2);
  *p++ = ':';
  p = put_digits(p, off % 3600 / 60, 2);
  size_t n = (size_t) (p - out);
  if (len == 0)
    return;
  if (n >= len)
    n = len - 1;
  memcpy(buf, out, n);
  buf[n] = '\0';
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
  size_t sl = strlen(stream);
  head[h++] = ' ';
  memcpy(head + h, stream, sl);
  h += sl;
  head[h++] = ' ';
  head[h++] = partial ? 'P' : 'F';
  head[h++] = ' ';
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
