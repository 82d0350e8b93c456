// Processes: fork (clone with SIGCHLD) with a pipe from child to parent, waitpid with the exit
// status, a child that dies by a signal, copy-on-write (the child's writes stay in the child)
// and wait for several children in pid order. Output is printed by the parent only, after each
// wait, so it does not depend on scheduling.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int shared_value = 10;

int main(void) {
  int fds[2];
  if (pipe(fds)) return perror("pipe"), 1;
  fflush(stdout);
  pid_t parent = getpid();
  pid_t child = fork();
  if (child < 0) {
    perror("fork");
    return 1;
  }
  if (child == 0) {
    close(fds[0]);
    shared_value = 99;
    char msg[64];
    int n = snprintf(msg, sizeof msg, "child: parent matches %d, value %d", getppid() == parent,
                     shared_value);
    write(fds[1], msg, (size_t)n);
    _exit(7);
  }
  close(fds[1]);
  char buf[128] = {0};
  ssize_t got = 0, n;
  while ((n = read(fds[0], buf + got, sizeof buf - 1 - (size_t)got)) > 0) got += n;
  close(fds[0]);
  int status;
  pid_t waited = waitpid(child, &status, 0);
  printf("read from child: \"%s\"\n", buf);
  printf("waitpid matched %d, exited %d, status %d, parent's value still %d\n", waited == child,
         WIFEXITED(status), WEXITSTATUS(status), shared_value);

  fflush(stdout);
  child = fork();
  if (child == 0) {
    raise(SIGTERM);
    _exit(0);
  }
  waitpid(child, &status, 0);
  printf("child killed: signaled %d, signal %d\n", WIFSIGNALED(status), WTERMSIG(status));

  pid_t kids[3];
  for (int i = 0; i < 3; ++i) {
    fflush(stdout);
    kids[i] = fork();
    if (kids[i] == 0) _exit(20 + i);
  }
  for (int i = 0; i < 3; ++i) {
    waitpid(kids[i], &status, 0);
    printf("child %d exited with %d\n", i, WEXITSTATUS(status));
  }
  printf("no more children: %d\n", wait(&status) == -1);
  return 0;
}
