// Threads in syscalls that block: each case has one thread wait in the kernel (a read of an empty
// pipe, a sleep, a poll or select with a timeout, a wait for a child, a write to a full pipe, a
// file lock another process holds) while another thread must run for the wait to end or to be
// seen overlapping it. An emulator that blocks every thread in such a call deadlocks (the run
// times out) or prints "no". The end returns from main while threads still wait in read and
// sleep. Every line printed depends only on the program, not on the scheduling.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static atomic_int ready;       // a thread is about to wait
static atomic_ullong counter;  // counted by a busy thread
static atomic_int stop_counting;

static void check(int ok, const char* what) {
  if (!ok) {
    printf("FAILED: %s (errno %s)\n", what, strerror(errno));
    exit(1);
  }
}

static int64_t now_ns(clockid_t clock) {
  struct timespec ts;
  clock_gettime(clock, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void wait_ready(void) {
  while (!atomic_load(&ready)) sched_yield();
  atomic_store(&ready, 0);
}

static void* count_until_stopped(void* arg) {
  (void)arg;
  while (!atomic_load(&stop_counting)) atomic_fetch_add(&counter, 1);
  return NULL;
}

static pthread_t start_counter(void) {
  pthread_t t;
  atomic_store(&stop_counting, 0);
  atomic_store(&counter, 0);
  check(pthread_create(&t, NULL, count_until_stopped, NULL) == 0, "pthread_create counter");
  while (atomic_load(&counter) == 0) sched_yield();
  return t;
}

static void stop_counter(pthread_t t) {
  atomic_store(&stop_counting, 1);
  pthread_join(t, NULL);
}

// 1. A reader blocked on an empty pipe while the main thread computes, then writes.
static int pipe_fds[2];
static char read_buf[64];
static ssize_t read_result;

static void* pipe_reader(void* arg) {
  (void)arg;
  memset(read_buf, 0, sizeof read_buf);
  atomic_store(&ready, 1);
  read_result = read(pipe_fds[0], read_buf, sizeof read_buf - 1);
  return NULL;
}

static void case_pipe_read(void) {
  check(pipe(pipe_fds) == 0, "pipe");
  pthread_t t;
  check(pthread_create(&t, NULL, pipe_reader, NULL) == 0, "pthread_create reader");
  wait_ready();
  unsigned long long sum = 0;
  for (unsigned i = 1; i <= 200000; ++i) sum += i % 7;
  char msg[32];
  const int n = snprintf(msg, sizeof msg, "sum %llu", sum);
  check(write(pipe_fds[1], msg, (size_t)n) == n, "write");
  pthread_join(t, NULL);
  printf("pipe read: %zd bytes \"%s\"\n", read_result, read_buf);
  // A closed write end: EOF at once, nothing to wait for.
  struct iovec iov = {read_buf, sizeof read_buf};
  close(pipe_fds[1]);
  printf("readv at EOF: %zd\n", readv(pipe_fds[0], &iov, 1));
  close(pipe_fds[0]);
}

// 2. A sleeping thread while another counts: the count moves during the sleep.
static unsigned long long seen_before, seen_after;
static int64_t slept_ns;

static void* sleeper(void* arg) {
  const int absolute = arg != NULL;
  seen_before = atomic_load(&counter);
  const int64_t start = now_ns(CLOCK_MONOTONIC);
  if (absolute) {
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += 150000000;
    if (until.tv_nsec >= 1000000000) until.tv_nsec -= 1000000000, until.tv_sec += 1;
    check(clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &until, NULL) == 0, "clock_nanosleep");
  } else {
    struct timespec d = {0, 150000000}, rem = {7, 7};
    check(nanosleep(&d, &rem) == 0, "nanosleep");
  }
  slept_ns = now_ns(CLOCK_MONOTONIC) - start;
  seen_after = atomic_load(&counter);
  return NULL;
}

static void case_sleep(int absolute) {
  pthread_t c = start_counter(), s;
  check(pthread_create(&s, NULL, sleeper, absolute ? (void*)1 : NULL) == 0, "pthread_create");
  pthread_join(s, NULL);
  stop_counter(c);
  printf("%s: slept at least 150 ms: %s; the counter ran meanwhile: %s\n",
         absolute ? "clock_nanosleep absolute" : "nanosleep", slept_ns >= 150000000 ? "yes" : "no",
         seen_after > seen_before ? "yes" : "no");
}

// 3. poll and select with a timeout in one thread while another runs; then a poll woken by a
// write from the main thread.
static int poll_result, poll_revents;
static int64_t poll_ns;
static unsigned long long poll_before, poll_after;

static void* poller(void* arg) {
  const int mode = (int)(intptr_t)arg;  // 0 poll that times out, 1 select, 2 poll woken
  poll_before = atomic_load(&counter);
  const int64_t start = now_ns(CLOCK_MONOTONIC);
  if (mode == 1) {
    fd_set set;
    FD_ZERO(&set);
    FD_SET(pipe_fds[0], &set);
    struct timeval tv = {0, 120000};
    poll_result = select(pipe_fds[0] + 1, &set, NULL, NULL, &tv);
    poll_revents = (int)(tv.tv_sec * 1000000 + tv.tv_usec);  // the time left: 0
  } else {
    struct pollfd p = {pipe_fds[0], POLLIN, 0};
    atomic_store(&ready, mode == 2);
    poll_result = poll(&p, 1, mode == 2 ? 20000 : 120);
    poll_revents = p.revents;
  }
  poll_ns = now_ns(CLOCK_MONOTONIC) - start;
  poll_after = atomic_load(&counter);
  return NULL;
}

static void case_poll(void) {
  check(pipe(pipe_fds) == 0, "pipe");
  for (int mode = 0; mode < 2; ++mode) {
    pthread_t c = start_counter(), p;
    check(pthread_create(&p, NULL, poller, (void*)(intptr_t)mode) == 0, "pthread_create");
    pthread_join(p, NULL);
    stop_counter(c);
    printf("%s with a 120 ms timeout: %d (left %d); waited it out: %s; the counter ran: %s\n",
           mode ? "select" : "poll", poll_result, mode ? poll_revents : 0,
           poll_ns >= 120000000 ? "yes" : "no", poll_after > poll_before ? "yes" : "no");
  }
  pthread_t p;
  check(pthread_create(&p, NULL, poller, (void*)2) == 0, "pthread_create");
  wait_ready();
  check(write(pipe_fds[1], "x", 1) == 1, "write");
  pthread_join(p, NULL);
  printf("poll woken by a write: %d, revents POLLIN: %s, well before its timeout: %s\n",
         poll_result, poll_revents == POLLIN ? "yes" : "no", poll_ns < 10000000000 ? "yes" : "no");
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

// 4. waitpid in a thread while the main thread works, then lets the child exit. The child is
// forked while another thread waits in read (the child has only the forking thread).
static pid_t child;
static int child_status;
static pid_t waited;

static void* child_waiter(void* arg) {
  (void)arg;
  atomic_store(&ready, 1);
  waited = waitpid(child, &child_status, 0);
  return NULL;
}

static void case_wait(void) {
  int release[2];
  check(pipe(pipe_fds) == 0 && pipe(release) == 0, "pipe");
  pthread_t reader, waiter;
  check(pthread_create(&reader, NULL, pipe_reader, NULL) == 0, "pthread_create reader");
  wait_ready();
  child = fork();
  check(child >= 0, "fork");
  if (child == 0) {
    char b = 0;
    // One thread here: this read blocks until the parent's main thread writes.
    if (read(release[0], &b, 1) != 1) _exit(100);
    _exit(b);
  }
  check(pthread_create(&waiter, NULL, child_waiter, NULL) == 0, "pthread_create waiter");
  wait_ready();
  unsigned long long x = 1;
  for (int i = 0; i < 100000; ++i) x = x * 6364136223846793005ull + 1442695040888963407ull;
  const char code = (char)(20 + x % 5);
  check(write(release[1], &code, 1) == 1, "write release");
  pthread_join(waiter, NULL);
  printf("waitpid: the child: %s, exited: %d, status %d (expected %d)\n",
         waited == child ? "yes" : "no", WIFEXITED(child_status), WEXITSTATUS(child_status), code);
  check(write(pipe_fds[1], "after fork", 10) == 10, "write");
  pthread_join(reader, NULL);
  printf("the reader across the fork: %zd bytes \"%s\"\n", read_result, read_buf);
  for (int i = 0; i < 2; ++i) close(pipe_fds[i]), close(release[i]);
}

// 5. A write of more than the pipe holds, drained by another thread.
enum { kBig = 300000 };
static unsigned char big[kBig];
static ssize_t big_written;

static void* big_writer(void* arg) {
  (void)arg;
  big_written = write(pipe_fds[1], big, kBig);
  struct iovec iov[3] = {{big, 5000}, {big + 5000, 100000}, {big + 105000, 3}};
  const ssize_t v = writev(pipe_fds[1], iov, 3);
  if (v >= 0) big_written += v;
  close(pipe_fds[1]);
  return NULL;
}

static void case_full_pipe(void) {
  for (int i = 0; i < kBig; ++i) big[i] = (unsigned char)(i * 31 + i / 256);
  check(pipe(pipe_fds) == 0, "pipe");
  pthread_t w;
  check(pthread_create(&w, NULL, big_writer, NULL) == 0, "pthread_create writer");
  unsigned long long total = 0, sum = 0;
  unsigned char buf[3000];
  ssize_t n;
  while ((n = read(pipe_fds[0], buf, sizeof buf)) > 0) {
    for (ssize_t i = 0; i < n; ++i) sum = sum * 131 + buf[i];
    total += (unsigned long long)n;
  }
  pthread_join(w, NULL);
  printf("full pipe: written %zd, read %llu, checksum %llx\n", big_written, total, sum);
  close(pipe_fds[0]);
}

// 6. F_SETLKW on a lock a child process holds until the main thread lets it go.
static int lock_fd;
static int lock_result;

static void* locker(void* arg) {
  (void)arg;
  struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
  atomic_store(&ready, 1);
  lock_result = fcntl(lock_fd, F_SETLKW, &fl);
  return NULL;
}

static void case_lock(void) {
  FILE* f = tmpfile();
  check(f != NULL, "tmpfile");
  lock_fd = fileno(f);
  int locked[2], release[2];
  check(pipe(locked) == 0 && pipe(release) == 0, "pipe");
  const pid_t pid = fork();
  check(pid >= 0, "fork");
  if (pid == 0) {
    struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
    char b;
    if (fcntl(lock_fd, F_SETLK, &fl) != 0 || write(locked[1], "L", 1) != 1) _exit(1);
    _exit(read(release[0], &b, 1) == 1 ? 0 : 2);
  }
  char b;
  check(read(locked[0], &b, 1) == 1, "read locked");
  pthread_t t;
  check(pthread_create(&t, NULL, locker, NULL) == 0, "pthread_create locker");
  wait_ready();
  struct flock probe = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 1};
  check(fcntl(lock_fd, F_GETLK, &probe) == 0, "F_GETLK");
  printf("lock held by the child: %s\n",
         probe.l_type == F_WRLCK && probe.l_pid == pid ? "yes" : "no");
  check(write(release[1], "R", 1) == 1, "write release");
  pthread_join(t, NULL);
  int status;
  waitpid(pid, &status, 0);
  printf("F_SETLKW after the child let go: %d; child exit %d\n", lock_result, WEXITSTATUS(status));
  fclose(f);
  for (int i = 0; i < 2; ++i) close(locked[i]), close(release[i]);
}

// 7. O_NONBLOCK keeps saying EAGAIN while other threads exist.
static void case_nonblock(void) {
  pthread_t c = start_counter();
  check(pipe2(pipe_fds, O_NONBLOCK) == 0, "pipe2");
  char b;
  const ssize_t r = read(pipe_fds[0], &b, 1);
  printf("non-blocking read of an empty pipe: %zd %s\n", r, errno == EAGAIN ? "EAGAIN" : "?");
  stop_counter(c);
  close(pipe_fds[0]);
  close(pipe_fds[1]);
}

// 8. The process ends while threads wait in read and in a long sleep.
static void* sleep_long(void* arg) {
  (void)arg;
  atomic_store(&ready, 1);
  sleep(1000);
  return NULL;
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  case_pipe_read();
  case_sleep(0);
  case_sleep(1);
  case_poll();
  case_wait();
  case_full_pipe();
  case_lock();
  case_nonblock();
  check(pipe(pipe_fds) == 0, "pipe");
  pthread_t r, s;
  check(pthread_create(&r, NULL, pipe_reader, NULL) == 0, "pthread_create");
  wait_ready();
  check(pthread_create(&s, NULL, sleep_long, NULL) == 0, "pthread_create");
  wait_ready();
  printf("exit with a reader and a sleeper still waiting\n");
  return 3;
}
