// Four threads (clone) each sum a quarter of 1..N and add their share to a mutex-protected
// total; a condition variable counts them in. The output does not depend on the scheduling.
#include <pthread.h>
#include <stdio.h>

enum { kThreads = 4, kN = 1000000 };

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t done_cond = PTHREAD_COND_INITIALIZER;
static unsigned long long total;
static int finished;

struct Range {
  long first, last;
  unsigned long long sum;
};

static void* worker(void* arg) {
  struct Range* r = arg;
  unsigned long long s = 0;
  for (long i = r->first; i <= r->last; ++i) s += (unsigned long long)i;
  r->sum = s;
  pthread_mutex_lock(&lock);
  total += s;
  ++finished;
  pthread_cond_signal(&done_cond);
  pthread_mutex_unlock(&lock);
  return r;
}

int main(void) {
  pthread_t threads[kThreads];
  struct Range ranges[kThreads];
  for (int t = 0; t < kThreads; ++t) {
    ranges[t].first = (long)t * (kN / kThreads) + 1;
    ranges[t].last = (long)(t + 1) * (kN / kThreads);
    int e = pthread_create(&threads[t], NULL, worker, &ranges[t]);
    if (e) {
      printf("pthread_create failed: %d\n", e);
      return 1;
    }
  }
  pthread_mutex_lock(&lock);
  while (finished < kThreads) pthread_cond_wait(&done_cond, &lock);
  pthread_mutex_unlock(&lock);
  for (int t = 0; t < kThreads; ++t) {
    void* ret;
    pthread_join(threads[t], &ret);
    printf("thread %d summed %ld..%ld = %llu (returned its range: %d)\n", t, ranges[t].first,
           ranges[t].last, ranges[t].sum, ret == &ranges[t]);
  }
  printf("total %llu expected %llu\n", total, (unsigned long long)kN * (kN + 1) / 2);
  return 0;
}
