// Descriptor-level I/O beyond plain files: pipes (blocking and O_NONBLOCK, EAGAIN, EPIPE with
// SIGPIPE ignored), dup/dup2/dup3 and FD_CLOEXEC, fcntl flags, readv/writev, lseek on a pipe,
// poll and select readiness, isatty and FIONREAD, fstat of a pipe, symbolic and hard links,
// chmod, utimensat, fsync, truncate, access and the errors of each on bad input. Works in the
// scratch directory argv[1] and prints no paths.
#define _GNU_SOURCE  // dup3, pipe2
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/select.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

static const char* dir;

static const char* at(const char* name) {
  static char buf[2][2048];
  static int k;
  char* p = buf[k++ & 1];
  snprintf(p, sizeof buf[0], "%s/%s", dir, name);
  return p;
}

static void result(const char* what, long r) {
  if (r < 0)
    printf("%s -> -1 %s\n", what, strerror(errno));
  else
    printf("%s -> %ld\n", what, r);
}

static void pipes(void) {
  int p[2];
  result("pipe2 O_NONBLOCK", pipe2(p, O_NONBLOCK));
  char buf[64];
  result("read empty nonblocking", read(p[0], buf, sizeof buf));
  result("write", write(p[1], "hello pipe", 10));
  int avail = -1;
  ioctl(p[0], FIONREAD, &avail);
  printf("FIONREAD %d\n", avail);
  struct pollfd fds[2] = {{p[0], POLLIN, 0}, {p[1], POLLOUT, 0}};
  result("poll", poll(fds, 2, 0));
  printf("revents: read end %#x write end %#x\n", fds[0].revents, fds[1].revents);
  fd_set rd;
  FD_ZERO(&rd);
  FD_SET(p[0], &rd);
  struct timeval zero = {0, 0};
  result("select", select(p[0] + 1, &rd, NULL, NULL, &zero));
  printf("select says readable: %d\n", FD_ISSET(p[0], &rd));
  result("read", read(p[0], buf, sizeof buf));
  result("lseek on pipe", lseek(p[0], 0, SEEK_SET));
  struct stat st;
  fstat(p[0], &st);
  printf("pipe is FIFO: %d, isatty: %d (%s)\n", S_ISFIFO(st.st_mode), isatty(p[0]),
         strerror(errno));
  printf("flags: nonblock %d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
  fcntl(p[0], F_SETFL, 0);
  printf("flags after F_SETFL 0: nonblock %d\n", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
  close(p[0]);
  signal(SIGPIPE, SIG_IGN);
  result("write with no reader", write(p[1], "x", 1));
  close(p[1]);

  // Vectored I/O through a pipe.
  pipe(p);
  struct iovec out[3] = {{"abc", 3}, {"", 0}, {"defgh", 5}};
  result("writev", writev(p[1], out, 3));
  char a[2], b[10];
  struct iovec in[2] = {{a, 2}, {b, sizeof b}};
  long n = readv(p[0], in, 2);
  printf("readv %ld: %.2s|%.*s\n", n, a, (int)(n - 2), b);
  close(p[0]);
  close(p[1]);
}

static void descriptors(void) {
  int fd = open(at("f.txt"), O_CREAT | O_RDWR | O_TRUNC, 0644);
  write(fd, "0123456789", 10);
  int d = dup(fd);
  printf("dup shares the offset: %lld\n", (long long)lseek(d, 0, SEEK_CUR));
  lseek(fd, 3, SEEK_SET);
  char c;
  read(d, &c, 1);
  printf("read through the dup: %c\n", c);
  result("dup2 onto 50", dup2(fd, 50));
  result("dup3 O_CLOEXEC onto 51", dup3(fd, 51, O_CLOEXEC));
  printf("cloexec: 50=%d 51=%d\n", fcntl(50, F_GETFD) & FD_CLOEXEC,
         fcntl(51, F_GETFD) & FD_CLOEXEC);
  result("dup3 same fd", dup3(50, 50, 0));
  result("F_DUPFD from 60", fcntl(fd, F_DUPFD, 60));
  result("close 99", close(99));
  result("read bad fd", read(77, &c, 1));
  result("fsync", fsync(fd));
  result("fdatasync", fdatasync(fd));
  close(50);
  close(51);
  close(60);
  close(d);
  close(fd);
}

static void links_and_modes(void) {
  result("symlink", symlink("f.txt", at("link")));
  char target[64] = {0};
  result("readlink", readlink(at("link"), target, sizeof target - 1));
  printf("link target: %s\n", target);
  struct stat st, lst;
  memset(&st, 0, sizeof st);
  memset(&lst, 0, sizeof lst);
  stat(at("link"), &st);
  lstat(at("link"), &lst);
  printf("stat follows: regular %d; lstat: symlink %d size %lld\n", S_ISREG(st.st_mode),
         S_ISLNK(lst.st_mode), (long long)lst.st_size);
  result("link", link(at("f.txt"), at("hard")));
  stat(at("f.txt"), &st);
  printf("nlink %lu\n", (unsigned long)st.st_nlink);
  result("chmod 0600", chmod(at("f.txt"), 0600));
  stat(at("hard"), &st);
  printf("mode through the hard link %o\n", (unsigned)(st.st_mode & 0777));
  result("access R_OK", access(at("f.txt"), R_OK));
  result("access missing", access(at("nope"), F_OK));
  struct timespec times[2] = {{1000000000, 0}, {1234567890, 500}};
  result("utimensat", utimensat(AT_FDCWD, at("f.txt"), times, 0));
  stat(at("f.txt"), &st);
  printf("mtime %lld.%09ld atime %lld\n", (long long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec,
         (long long)st.st_atim.tv_sec);
  result("truncate to 4", truncate(at("f.txt"), 4));
  stat(at("hard"), &st);
  printf("size through the hard link %lld\n", (long long)st.st_size);
  result("open O_EXCL existing", open(at("f.txt"), O_CREAT | O_EXCL | O_WRONLY, 0600));
  result("open O_DIRECTORY on a file", open(at("f.txt"), O_RDONLY | O_DIRECTORY));
  result("unlink link", unlink(at("link")));
  result("unlink hard", unlink(at("hard")));
  result("unlink f.txt", unlink(at("f.txt")));
}

int main(int argc, char** argv) {
  dir = argc > 1 ? argv[1] : "/tmp";
  setvbuf(stdout, NULL, _IOLBF, 0);
  pipes();
  descriptors();
  links_and_modes();
  return 0;
}
