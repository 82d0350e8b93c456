// execve, vfork and what runs programs: exec.elf MODE [ARGS].
//
//   host DIR     host programs only (/bin/sh, through system, popen, posix_spawn, vfork+exec)
//                and execve's errors: the same under qemu-riscv64, the differential reference
//   report ...   prints what an exec'd program sees: argv, its environment, AT_EXECFN, the fds
//                and signals it inherited
//   self         execs itself (/proc/self/exe) from a two-thread process, with its own argv and
//                environment, an inherited and a close-on-exec fd, a handled, an ignored and a
//                blocked signal; the new image runs `report`
//   spawn        posix_spawn of itself (success) and of a missing or garbage file (the error is
//                posix_spawn's result); vfork: the child's writes are the parent's memory
//   script DIR   a #! script whose interpreter is this program, and a script whose interpreter is
//                that script
//   fexecve      fexecve of itself (execveat with AT_EMPTY_PATH)
//   run PATH ... execv(PATH, the arguments from PATH on); prints the error if that fails
//
// Only `host` has qemu as its reference (qemu-riscv64 without binfmt_misc cannot execve a RISC-V
// program, and runs vfork as a plain fork); tests/examples/rv64/rv64_exec_test.cpp checks the
// other modes against Linux's rules.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char** environ;

static void flush(void) {
  fflush(stdout);
  fflush(stderr);
}

static const char* base(const char* path) {
  const char* slash = strrchr(path, '/');
  return slash ? slash + 1 : path;
}

static void status(const char* what, int st) {
  if (WIFEXITED(st))
    printf("%s: exit %d\n", what, WEXITSTATUS(st));
  else if (WIFSIGNALED(st))
    printf("%s: signal %d\n", what, WTERMSIG(st));
}

static void write_file(const char* path, const char* text, mode_t mode) {
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
  if (fd < 0 || write(fd, text, strlen(text)) != (ssize_t)strlen(text)) {
    perror(path);
    exit(1);
  }
  close(fd);
  chmod(path, mode);
}

// execve in this process: it fails and returns, and the caller goes on.
static void exec_error(const char* what, const char* path, char* const argv[]) {
  errno = 0;
  int r = execve(path, argv, environ);
  printf("%s: %d %s\n", what, r, strerror(errno));
}

static int host_mode(const char* dir) {
  flush();
  status("system", system("echo system says hello; exit 3"));

  FILE* p = popen("echo popen line one; echo popen line two", "r");
  char line[256];
  while (p && fgets(line, sizeof line, p)) printf("read: %s", line);
  status("pclose", pclose(p));
  flush();
  p = popen("tr a-z A-Z", "w");
  fputs("written through popen\n", p);
  status("pclose w", pclose(p));

  // fd 7 is inherited, fd 8 is close-on-exec: the shell sees only 7.
  int pfd[2];
  if (pipe(pfd) != 0) return 1;
  dup2(pfd[1], 7);
  dup3(pfd[1], 8, O_CLOEXEC);
  close(pfd[1]);
  flush();
  status("fds", system("echo through seven >&7; { echo through eight >&8; } 2>/dev/null || "
                       "echo eight is closed"));
  close(7);
  close(8);
  ssize_t n = read(pfd[0], line, sizeof line - 1);
  line[n > 0 ? n : 0] = 0;
  printf("pipe got: %s", line);
  close(pfd[0]);

  pid_t pid;
  char* sh_argv[] = {"sh", "-c", "echo spawned $0 $1; exit 5", "zero", "one", NULL};
  flush();
  int rc = posix_spawn(&pid, "/bin/sh", NULL, NULL, sh_argv, environ);
  int st = 0;
  waitpid(pid, &st, 0);
  printf("posix_spawn: %d\n", rc);
  status("spawned", st);
  char* echo_argv[] = {"echo", "spawnp found echo", NULL};
  flush();
  rc = posix_spawnp(&pid, "echo", NULL, NULL, echo_argv, environ);
  waitpid(pid, &st, 0);
  printf("posix_spawnp: %d\n", rc);
  status("spawnp", st);

  flush();
  pid = vfork();
  if (pid == 0) _exit(7);
  waitpid(pid, &st, 0);
  status("vfork _exit", st);
  flush();
  pid = vfork();
  if (pid == 0) {
    execl("/bin/sh", "sh", "-c", "echo vfork then exec; exit 9", (char*)NULL);
    _exit(127);
  }
  waitpid(pid, &st, 0);
  status("vfork exec", st);

  flush();
  pid = fork();
  if (pid == 0) {
    execlp("no-such-program-anywhere", "no-such-program-anywhere", (char*)NULL);
    printf("execvp: %s\n", strerror(errno));
    flush();
    _exit(1);
  }
  waitpid(pid, &st, 0);

  char path[512];
  char* args[] = {"x", NULL};
  exec_error("missing", "/no/such/file", args);
  snprintf(path, sizeof path, "%s/plain.txt", dir);
  write_file(path, "not a program\n", 0644);
  exec_error("not executable", path, args);
  exec_error("directory", dir, args);
  snprintf(path, sizeof path, "%s/garbage", dir);
  write_file(path, "\x01\x02 garbage, neither ELF nor script\n", 0755);
  exec_error("garbage", path, args);
  snprintf(path, sizeof path, "%s/plain.txt/below", dir);
  exec_error("not a directory", path, args);
  exec_error("bad path pointer", (const char*)8, args);
  char* bad_argv[] = {"x", (char*)8, NULL};
  exec_error("bad argv pointer", "/bin/sh", bad_argv);
  char* const* volatile bad_array = (char* const*)8;  // volatile: the compiler may not see it
  exec_error("bad argv array", "/bin/sh", bad_array);
  size_t big = 200 * 1024;
  char* huge = malloc(big + 1);
  memset(huge, 'a', big);
  huge[big] = 0;
  char* huge_argv[] = {"x", huge, NULL};
  exec_error("huge argument", "/bin/sh", huge_argv);
  free(huge);

  // A script run by a host interpreter: argv is interpreter, argument, script, then the rest.
  snprintf(path, sizeof path, "%s/hello.sh", dir);
  write_file(path, "#!/bin/sh -e\necho script ${0##*/} got $# args: \"$1\" \"$2\"\n", 0755);
  flush();
  pid = fork();
  if (pid == 0) {
    execl(path, "ignored-argv0", "first", "second arg", (char*)NULL);
    _exit(127);
  }
  waitpid(pid, &st, 0);
  status("script", st);
  flush();
  printf("still running after the failed execs\n");
  return 0;
}

static int report(int argc, char** argv) {
  printf("argc %d\n", argc);
  printf("argv[0] %s\n", base(argv[0]));
  for (int i = 1; i < argc; ++i) printf("argv[%d] \"%s\"\n", i, argv[i]);
  int envc = 0;
  for (char** e = environ; *e; ++e) ++envc;
  printf("envc %d\n", envc);
  for (char** e = environ; *e; ++e)
    if (strncmp(*e, "EXEC_TEST_", 10) == 0 && strncmp(*e, "EXEC_TEST_PID=", 14) != 0)
      printf("env %s\n", *e);
  const char* pid = getenv("EXEC_TEST_PID");
  if (pid) printf("same pid: %s\n", atoi(pid) == getpid() ? "yes" : "no");
  const char* execfn = (const char*)getauxval(AT_EXECFN);
  const char* want = getenv("EXEC_TEST_EXECFN");
  if (want)
    printf("AT_EXECFN is the path given: %s\n", execfn && !strcmp(execfn, want) ? "yes" : execfn);
  printf("AT_RANDOM: %s\n", getauxval(AT_RANDOM) ? "set" : "missing");
  if (getenv("EXEC_TEST_FDS")) {
    char buf[64] = {0};
    ssize_t n = pread(5, buf, sizeof buf - 1, 0);
    printf("fd 5: %s", n > 0 ? buf : "closed\n");
    printf("fd 6: %s\n", fcntl(6, F_GETFD) < 0 && errno == EBADF ? "closed" : "open");
    struct sigaction sa;
    sigaction(SIGUSR1, NULL, &sa);
    printf("SIGUSR1 (was handled): %s\n", sa.sa_handler == SIG_DFL ? "default" : "not default");
    sigaction(SIGUSR2, NULL, &sa);
    printf("SIGUSR2 (was ignored): %s\n", sa.sa_handler == SIG_IGN ? "ignored" : "not ignored");
    sigset_t set;
    sigprocmask(SIG_BLOCK, NULL, &set);
    printf("SIGTERM blocked: %s\n", sigismember(&set, SIGTERM) ? "yes" : "no");
    sigpending(&set);
    printf("SIGTERM pending: %s\n", sigismember(&set, SIGTERM) ? "yes" : "no");
  }
  char self[512];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = 0;
  printf("/proc/self/exe %s\n", base(self));
  return 0;
}

static void on_usr1(int sig) {
  (void)sig;
}

static void* blocked_thread(void* arg) {
  char c;
  // Never returns: the exec ends this thread with the old program.
  if (read(*(int*)arg, &c, 1) < 0) perror("read");
  return NULL;
}

static int self_mode(void) {
  int fd = open("/proc/self/exe", O_RDONLY);
  (void)fd;  // fds 3.. exist; 5 and 6 are the ones that matter
  int tmp = open("/tmp", O_RDONLY | O_DIRECTORY);
  char name[64];
  snprintf(name, sizeof name, "exec-test-%d", getpid());
  int file = openat(tmp, name, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (file < 0 || write(file, "inherited\n", 10) != 10) return 1;
  unlinkat(tmp, name, 0);
  dup2(file, 5);
  dup3(file, 6, O_CLOEXEC);
  signal(SIGUSR1, on_usr1);
  signal(SIGUSR2, SIG_IGN);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigprocmask(SIG_BLOCK, &set, NULL);
  raise(SIGTERM);  // pending across the exec
  static int pfd[2];
  if (pipe(pfd) != 0) return 1;
  pthread_t t;
  pthread_create(&t, NULL, blocked_thread, &pfd[0]);
  char pid[32];
  snprintf(pid, sizeof pid, "EXEC_TEST_PID=%d", getpid());
  char* argv[] = {"renamed", "report", "two words", "", "last", NULL};
  char* envp[] = {pid,
                  "EXEC_TEST_ONE=1",
                  "EXEC_TEST_TWO=two=2",
                  "EXEC_TEST_FDS=1",
                  "EXEC_TEST_EXECFN=/proc/self/exe",
                  NULL};
  printf("before exec\n");
  flush();
  execve("/proc/self/exe", argv, envp);
  printf("execve failed: %s\n", strerror(errno));
  return 1;
}

static int spawn_mode(void) {
  char self[512];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = 0;
  pid_t pid;
  int st = 0;
  char* argv[] = {"spawned-self", "report", "from posix_spawn", NULL};
  char* envp[] = {"EXEC_TEST_SPAWNED=yes", NULL};
  flush();
  int rc = posix_spawn(&pid, self, NULL, NULL, argv, envp);
  if (rc == 0) waitpid(pid, &st, 0);
  printf("posix_spawn self: %d\n", rc);
  status("self", st);
  rc = posix_spawn(&pid, "/no/such/program", NULL, NULL, argv, envp);
  printf("posix_spawn missing: %s\n", strerror(rc));
  rc = posix_spawnp(&pid, "no-such-program-anywhere", NULL, NULL, argv, envp);
  printf("posix_spawnp missing: %s\n", strerror(rc));
  char garbage[] = "/tmp/exec-test-garbage-XXXXXX";
  int fd = mkstemp(garbage);
  if (fd < 0 || write(fd, "\x01\x02\x03\n", 4) != 4) return 1;
  close(fd);
  chmod(garbage, 0755);
  rc = posix_spawn(&pid, garbage, NULL, NULL, argv, envp);
  printf("posix_spawn garbage: %s\n", strerror(rc));
  unlink(garbage);

  // Linux shares a vfork child's memory with its parent.
  static volatile int shared_static = 1;
  volatile int on_stack = 1;
  char* heap = malloc(64);
  strcpy(heap, "parent's");
  flush();
  pid = vfork();
  if (pid == 0) {
    shared_static = 42;
    on_stack = 43;
    strcpy(heap, "child's");
    _exit(0);
  }
  waitpid(pid, &st, 0);
  printf("after vfork: static %d, stack %d, heap %s\n", shared_static, on_stack, heap);
  free(heap);
  return 0;
}

static int script_mode(const char* dir) {
  char self[512], one[600], two[600], text[700];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  self[n > 0 ? n : 0] = 0;
  snprintf(one, sizeof one, "%s/one.sh", dir);
  snprintf(text, sizeof text, "#!%s report   \n", self);
  write_file(one, text, 0755);
  snprintf(two, sizeof two, "%s/two.sh", dir);
  snprintf(text, sizeof text, "#! %s  optional arg \nnot read\n", one);
  write_file(two, text, 0755);
  int st = 0;
  for (int i = 0; i < 2; ++i) {
    flush();
    pid_t pid = fork();
    if (pid == 0) {
      char* envp[] = {"EXEC_TEST_SCRIPT=1", NULL};
      execle(i == 0 ? one : two, "script-argv0", "x", "y z", (char*)NULL, envp);
      printf("exec: %s\n", strerror(errno));
      _exit(127);
    }
    waitpid(pid, &st, 0);
    status(i == 0 ? "one.sh" : "two.sh", st);
  }
  return 0;
}

static int fexecve_mode(void) {
  int fd = open("/proc/self/exe", O_RDONLY);
  char* argv[] = {"fx", "report", "via fexecve", NULL};
  char name[32];
  snprintf(name, sizeof name, "EXEC_TEST_EXECFN=/dev/fd/%d", fd);
  char* envp[] = {name, NULL};
  flush();
  fexecve(fd, argv, envp);
  printf("fexecve failed: %s\n", strerror(errno));
  return 1;
}

int main(int argc, char** argv) {
  setvbuf(stdout, NULL, _IOLBF, 0);
  if (argc >= 3 && !strcmp(argv[1], "host")) return host_mode(argv[2]);
  if (argc >= 2 && !strcmp(argv[1], "report")) return report(argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "self")) return self_mode();
  if (argc >= 2 && !strcmp(argv[1], "spawn")) return spawn_mode();
  if (argc >= 3 && !strcmp(argv[1], "script")) return script_mode(argv[2]);
  if (argc >= 2 && !strcmp(argv[1], "fexecve")) return fexecve_mode();
  if (argc >= 3 && !strcmp(argv[1], "run")) {
    execv(argv[2], argv + 2);
    printf("exec %s: %s\n", base(argv[2]), strerror(errno));
    return 127;
  }
  fprintf(stderr,
          "usage: exec.elf host DIR | report ... | self | spawn | script DIR | fexecve | run PATH "
          "...\n");
  return 2;
}
