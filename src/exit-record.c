#include "exit-record.h"
#include "fsutil.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

int
exit_record_read(const char *dir, int64_t *started, int64_t *finished, int *code)
{
  cleanup_free char *path = xasprintf("%s/" EXIT_RECORD_FILE, dir);
  cleanup_close int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  char buf[128];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  if (n <= 0)
    {
      errno = n == 0 ? EINVAL : errno;
      return -1;
    }
  buf[n] = '\0';
  int64_t s, f;
  int c;
  if (sscanf(buf, "%" SCNd64 " %" SCNd64 " %d", &s, &f, &c) != 3)
    {
      errno = EINVAL;
      return -1;
    }
  *started = s;
  *finished = f;
  *code = c;
  return 0;
}

int
exit_record_write(const char *dir, int64_t started, int64_t finished, int code, ctool_error_t *err)
{
  cleanup_close int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0)
    return ctool_error_set(err, errno, "open %s", dir);
  char line[96];
  int n = snprintf(line, sizeof line, "%" PRId64 " %" PRId64 " %d\n", started, finished, code);
  return write_file_atomic_at(dfd, EXIT_RECORD_FILE, line, (size_t) n, 0600, false, err);
}

int64_t
time_now_ns(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (int64_t) ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int
exit_code_from_wait_status(int status)
{
  if (WIFEXITED(status))
    return WEXITSTATUS(status);
  if (WIFSIGNALED(status))
    return 128 + WTERMSIG(status);
  return -1;
}
