// What a process learns from the kernel at start and from simple queries: argv (with empty,
// spaced and non-ASCII arguments), the auxiliary vector, uname, ids, the environment, clocks and
// getrandom. Values that legitimately differ between runs (pids, times, random bytes) print
// only as properties (positive, ordered, filled).
#define _GNU_SOURCE  // gettid
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/times.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

extern char** environ;

int main(int argc, char** argv) {
  printf("argc=%d\n", argc);
  for (int i = 1; i < argc; ++i)
    printf("argv[%d]=\"%s\" (%zu bytes)\n", i, argv[i], strlen(argv[i]));
  printf("argv[argc] is NULL: %d\n", argv[argc] == NULL);

  printf("AT_PAGESZ=%lu AT_CLKTCK=%lu AT_SECURE=%lu\n", getauxval(AT_PAGESZ), getauxval(AT_CLKTCK),
         getauxval(AT_SECURE));
  printf("AT_HWCAP=%#lx\n", getauxval(AT_HWCAP));
  printf("AT_UID matches getuid: %d, AT_EGID matches getegid: %d\n",
         getauxval(AT_UID) == (unsigned long)getuid(),
         getauxval(AT_EGID) == (unsigned long)getegid());
  const char* execfn = (const char*)getauxval(AT_EXECFN);
  printf("AT_EXECFN is argv[0]: %d\n", execfn && !strcmp(execfn, argv[0]));
  printf("AT_RANDOM present: %d, AT_PHDR present: %d, AT_ENTRY present: %d\n",
         getauxval(AT_RANDOM) != 0, getauxval(AT_PHDR) != 0, getauxval(AT_ENTRY) != 0);
  printf("sysconf page size %ld, clock ticks %ld\n", sysconf(_SC_PAGESIZE), sysconf(_SC_CLK_TCK));

  struct utsname u;
  if (uname(&u) == 0) printf("uname: %s %s\n", u.sysname, u.machine);

  printf("pid positive: %d, ppid positive: %d, gettid == getpid: %d\n", getpid() > 0, getppid() > 0,
         gettid() == getpid());
  printf("uid == euid: %d, gid == egid: %d\n", getuid() == geteuid(), getgid() == getegid());

  int env_count = 0;
  for (char** e = environ; *e; ++e) ++env_count;
  printf("environment: %s, PATH set: %d\n", env_count > 0 ? "non-empty" : "empty",
         getenv("PATH") != NULL);

  char cwd[4096];
  const char* pwd = getenv("PWD");
  printf("getcwd works: %d, matches $PWD: %d\n", getcwd(cwd, sizeof cwd) != NULL,
         pwd && getcwd(cwd, sizeof cwd) && !strcmp(cwd, pwd));
  errno = 0;
  printf("getcwd into 1 byte: %s\n", getcwd(cwd, 1) ? "ok" : strerror(errno));

  struct timespec m1, m2, r, res;
  clock_gettime(CLOCK_MONOTONIC, &m1);
  struct timespec pause = {0, 2 * 1000 * 1000};
  int slept = nanosleep(&pause, NULL);
  clock_gettime(CLOCK_MONOTONIC, &m2);
  clock_gettime(CLOCK_REALTIME, &r);
  int64_t elapsed_ns = (int64_t)(m2.tv_sec - m1.tv_sec) * 1000000000 + (m2.tv_nsec - m1.tv_nsec);
  printf("nanosleep 2 ms: %d, monotonic advanced >= 2 ms: %d\n", slept, elapsed_ns >= 2000000);
  time_t now = time(NULL);
  printf("realtime after 2020: %d, close to time(): %d\n", r.tv_sec > 1577836800,
         r.tv_sec - now <= 1 && now - r.tv_sec <= 1);
  printf("clock_getres monotonic ok: %d\n",
         clock_getres(CLOCK_MONOTONIC, &res) == 0 && res.tv_sec == 0 && res.tv_nsec > 0);
  struct tms t;
  printf("times() ok: %d\n", times(&t) != (clock_t)-1);
  struct rusage ru;
  printf("getrusage ok: %d\n", getrusage(RUSAGE_SELF, &ru) == 0);

  unsigned char rnd[64];
  memset(rnd, 0, sizeof rnd);
  ssize_t got = getrandom(rnd, sizeof rnd, 0);
  int nonzero = 0;
  for (int i = 0; i < 64; ++i) nonzero += rnd[i] != 0;
  printf("getrandom: %zd bytes, mostly non-zero: %d\n", got, nonzero > 32);

  struct rlimit stack;
  getrlimit(RLIMIT_STACK, &stack);
  printf("stack limit at least 1 MiB: %d\n", stack.rlim_cur >= (1u << 20));
  return 0;
}
