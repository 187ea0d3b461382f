/* Container logs in Podman's k8s-file format, one line per chunk:
 *
 *   2024-05-01T12:00:00.123456789+02:00 stdout F hello
 *
 * F ends a line of output; P is part of a line that continues in the next
 * record (a long line, or output without a final newline). The monitor
 * writes them (small: libc only); `ctool logs` reads them. */
#ifndef CTOOL_LOGFILE_H
#define CTOOL_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOG_FILE "ctr.log"
/* Longest text in one record; longer lines are cut into P records. */
#define LOG_CHUNK_MAX 16384

/* The timestamp of a record: RFC 3339, nine fraction digits, local time
 * with a numeric offset. BUF holds at least 40 bytes. The offset is the
 * time zone's at NS, or the one fixed by log_fix_utc_offset: the monitor
 * takes ctool's (log_local_utc_offset) so that it never loads the time
 * zone itself; across a DST change its times stay right, in the old
 * offset. */
void log_format_time(char *buf, size_t len, int64_t ns);
void log_fix_utc_offset(long seconds);
long log_local_utc_offset(void);

/* A log's size limit (ctool.conf's containers.log_size_max), shared by
 * the streams that write to it. As conmon does, a record that would take
 * the file past MAX truncates it first, so it never grows beyond MAX and
 * keeps the newest output; a record longer than MAX alone is cut into
 * records that fit. */
struct log_size {
  int64_t max;          /* <= 0: no limit */
  int64_t size;         /* the file's size now */
};
/* MAX for the log open at LOG_FD (its size now read from it). */
void log_size_init(struct log_size *ls, int log_fd, int64_t max);

/* Writing: one stream's output cut into records. The writer reads into
 * buf + len, adds what it read to len, and calls log_stream_emit. */
struct log_stream {
  const char *name;     /* "stdout" or "stderr" */
  char buf[LOG_CHUNK_MAX];
  size_t len;
  struct log_size *limit; /* NULL: no limit */
};

/* Write every complete line buffered in S to LOG_FD (-1: none) as an F
 * record (a final \r dropped: a pty's line end), one write() each so
 * that concurrent readers see whole records; the rest stays buffered,
 * unless FLUSH is set or the buffer is full: then it goes as a P record. */
void log_stream_emit(int log_fd, struct log_stream *s, bool flush);

/* One record parsed from LINE (without its newline; modified in place). */
struct log_record {
  const char *time;     /* the timestamp text */
  int64_t time_ns;      /* parsed; 0 when unparsable */
  const char *stream;   /* "stdout" or "stderr" */
  bool partial;         /* P */
  const char *text;
};
bool log_parse_line(char *line, struct log_record *rec);

#endif
