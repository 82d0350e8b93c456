// Threads under contention: atomic counters, a mutex-protected counter, a spin lock (a thread
// spins inside one translated loop until another releases it: preemption), a barrier built on
// futex directly, thread exit values through pthread_join and pthread_exit, a detached thread,
// thread-local storage, a timed wait that times out, and a condition variable broadcast. Every
// line printed depends only on the program, not on the scheduling.
#define _GNU_SOURCE
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

enum { kThreads = 6, kIters = 20000 };

static atomic_ullong atomic_sum;
static atomic_int atomic_count;
static unsigned long long locked_sum;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int spin;  // 0 free, 1 held
static unsigned long long spin_sum;
static __thread int tls_value = 7;
static __thread char tls_name[16];

static long futex(atomic_int* word, int op, int val, const struct timespec* timeout) {
  return syscall(SYS_futex, word, op, val, timeout, NULL, 0);
}

// A reusable barrier on one futex word: the generation counter changes when the last one
// arrives.
static atomic_int barrier_waiting, barrier_generation;
static void barrier_wait(int parties) {
  int gen = atomic_load(&barrier_generation);
  if (atomic_fetch_add(&barrier_waiting, 1) + 1 == parties) {
    atomic_store(&barrier_waiting, 0);
    atomic_fetch_add(&barrier_generation, 1);
    futex(&barrier_generation, FUTEX_WAKE_PRIVATE, parties, NULL);
    return;
  }
  while (atomic_load(&barrier_generation) == gen)
    futex(&barrier_generation, FUTEX_WAIT_PRIVATE, gen, NULL);
}

static void spin_lock(void) {
  int expected = 0;
  while (!atomic_compare_exchange_weak(&spin, &expected, 1)) expected = 0;
}

static void* worker(void* arg) {
  const long id = (long)arg;
  tls_value += (int)id;
  snprintf(tls_name, sizeof tls_name, "worker-%ld", id);
  barrier_wait(kThreads);
  for (int i = 1; i <= kIters; ++i) {
    atomic_fetch_add(&atomic_sum, (unsigned long long)i);
    atomic_fetch_add(&atomic_count, 1);
    pthread_mutex_lock(&lock);
    locked_sum += (unsigned long long)(i * id);
    pthread_mutex_unlock(&lock);
    if (i % 1000 == 0) {
      spin_lock();
      spin_sum += (unsigned long long)id;
      atomic_store(&spin, 0);
    }
  }
  barrier_wait(kThreads);
  // Each thread still sees its own TLS.
  char check[16];
  snprintf(check, sizeof check, "worker-%ld", id);
  int tls_ok = tls_value == 7 + (int)id;
  for (int i = 0; check[i] || tls_name[i]; ++i)
    if (check[i] != tls_name[i]) tls_ok = 0;
  if (id % 2) pthread_exit((void*)(intptr_t)(id * 100 + tls_ok));
  return (void*)(intptr_t)(id * 100 + tls_ok);
}

static atomic_int detached_done;
static void* detached(void* arg) {
  (void)arg;
  atomic_store(&detached_done, 1);
  futex(&detached_done, FUTEX_WAKE_PRIVATE, 1, NULL);
  return NULL;
}

// A spinner holding the lock while another thread spins on it inside one loop: only
// preemption lets the holder run again.
static atomic_int holder_ready, release_now;
static void* holder(void* arg) {
  (void)arg;
  spin_lock();
  atomic_store(&holder_ready, 1);
  while (!atomic_load(&release_now)) {
  }
  atomic_store(&spin, 0);
  return NULL;
}

static pthread_cond_t go_cond = PTHREAD_COND_INITIALIZER;
static int go, woken;
static void* sleeper(void* arg) {
  (void)arg;
  pthread_mutex_lock(&lock);
  while (!go) pthread_cond_wait(&go_cond, &lock);
  ++woken;
  pthread_mutex_unlock(&lock);
  return NULL;
}

int main(void) {
  pthread_t t[kThreads];
  for (long i = 0; i < kThreads; ++i) pthread_create(&t[i], NULL, worker, (void*)i);
  int all_ok = 1;
  for (long i = 0; i < kThreads; ++i) {
    void* ret;
    pthread_join(t[i], &ret);
    printf("worker %ld returned %ld\n", i, (long)(intptr_t)ret);
    all_ok &= (intptr_t)ret == i * 100 + 1;
  }
  const unsigned long long per = (unsigned long long)kIters * (kIters + 1) / 2;
  printf("atomic sum %llu (expected %llu), count %d\n", (unsigned long long)atomic_sum,
         per * kThreads, atomic_count);
  printf("locked sum %llu (expected %llu)\n", locked_sum, per * (0 + 1 + 2 + 3 + 4 + 5));
  printf("spin sum %llu (expected %llu)\n", spin_sum, 20ULL * (0 + 1 + 2 + 3 + 4 + 5));
  printf("all workers saw their own TLS: %d; main's TLS untouched: %d\n", all_ok,
         tls_value == 7);

  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_t d;
  pthread_create(&d, &attr, detached, NULL);
  while (!atomic_load(&detached_done)) futex(&detached_done, FUTEX_WAIT_PRIVATE, 0, NULL);
  printf("detached thread ran: %d\n", atomic_load(&detached_done));

  pthread_t h;
  pthread_create(&h, NULL, holder, NULL);
  while (!atomic_load(&holder_ready)) {
  }
  atomic_store(&release_now, 1);
  spin_lock();  // spins until the holder (preempted in its own loop) lets go
  atomic_store(&spin, 0);
  pthread_join(h, NULL);
  printf("spin lock handed over\n");

  atomic_int never = 0;
  struct timespec ts = {0, 20 * 1000 * 1000};
  long r = futex(&never, FUTEX_WAIT_PRIVATE, 0, &ts);
  printf("timed futex wait: %ld %s\n", r, r == -1 && errno == ETIMEDOUT ? "ETIMEDOUT" : "?");
  r = futex(&never, FUTEX_WAIT_PRIVATE, 1, &ts);
  printf("futex wait on a changed value: %ld %s\n", r,
         r == -1 && errno == EAGAIN ? "EAGAIN" : "?");

  pthread_t s[3];
  for (int i = 0; i < 3; ++i) pthread_create(&s[i], NULL, sleeper, NULL);
  struct timespec pause = {0, 5 * 1000 * 1000};
  nanosleep(&pause, NULL);
  pthread_mutex_lock(&lock);
  go = 1;
  pthread_cond_broadcast(&go_cond);
  pthread_mutex_unlock(&lock);
  for (int i = 0; i < 3; ++i) pthread_join(s[i], NULL);
  printf("broadcast woke %d sleepers\n", woken);
  return 0;
}
