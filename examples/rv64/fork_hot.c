// Fork while loops go to the LLVM tier: under --jit=auto the parent's loop is hot enough to be
// compiled by the background LLVM thread before the fork, and the child then runs a loop of its
// own that only it makes hot. A child has no copy of the parent's compile thread (fork copies
// one thread): it must start its own, and neither process may hang or crash at exit.
#include <stdio.h>
#include <sys/wait.h>
#include <unistd.h>

static unsigned long mix(long n, unsigned long s) {
  for (long i = 0; i < n; ++i) s = s * 6364136223846793005UL + (unsigned long)i;
  return s;
}

static unsigned long fold(long n, unsigned long s) {
  for (long i = 0; i < n; ++i) s = (s ^ (s >> 7)) * 31 + (unsigned long)i;
  return s;
}

int main(void) {
  unsigned long a = mix(3000000, 1);
  fflush(stdout);
  pid_t p = fork();
  if (p < 0) return perror("fork"), 1;
  if (p == 0) {
    printf("child %lu\n", fold(8000000, 2) & 0xffff);
    fflush(stdout);
    _exit(3);
  }
  int st = 0;
  waitpid(p, &st, 0);
  printf("parent %lu, child exit %d\n", a & 0xffff, WEXITSTATUS(st));
  return 0;
}
