// Signal handlers: a handler run by raise() and by kill() on itself, with SA_SIGINFO details;
// a blocked signal left pending and delivered on unblock; SA_RESETHAND; a SIGSEGV handler that
// escapes with siglongjmp (as garbage collectors and JITs do), twice; a SIGILL handler. The
// output is the order of events.
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static volatile sig_atomic_t count;
static sigjmp_buf recover;
static volatile uintptr_t bad_address = 24;

static void on_usr1(int sig) {
  ++count;
  // printf is not async-signal-safe in general; here the main code is not inside stdio.
  printf("  handler: signal %d (count %d)\n", sig, (int)count);
}

static void on_info(int sig, siginfo_t* info, void* ucontext) {
  (void)ucontext;
  printf("  siginfo: signo %d code %s pid matches %d\n", info->si_signo,
         info->si_code == SI_USER    ? "SI_USER"
         : info->si_code == SI_TKILL ? "SI_TKILL"
                                     : "other",
         info->si_pid == getpid());
  (void)sig;
}

static void on_fault(int sig, siginfo_t* info, void* ucontext) {
  (void)ucontext;
  printf("  fault handler: signal %d at address %lu code %d\n", sig,
         (unsigned long)(uintptr_t)info->si_addr, info->si_code);
  siglongjmp(recover, sig);
}

int main(void) {
  setvbuf(stdout, NULL, _IONBF, 0);
  signal(SIGUSR1, on_usr1);
  printf("raise SIGUSR1\n");
  raise(SIGUSR1);
  printf("kill self SIGUSR1\n");
  kill(getpid(), SIGUSR1);

  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_info;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGUSR2, &sa, NULL);
  printf("kill self SIGUSR2 with SA_SIGINFO\n");
  kill(getpid(), SIGUSR2);

  sigset_t block, pending;
  sigemptyset(&block);
  sigaddset(&block, SIGUSR1);
  sigprocmask(SIG_BLOCK, &block, NULL);
  raise(SIGUSR1);
  sigpending(&pending);
  printf("blocked: pending %d, count still %d\n", sigismember(&pending, SIGUSR1), (int)count);
  sigprocmask(SIG_UNBLOCK, &block, NULL);
  printf("unblocked: count %d\n", (int)count);

  struct sigaction old;
  sigaction(SIGUSR1, NULL, &old);
  printf("sigaction query: handler is on_usr1 %d\n", old.sa_handler == on_usr1);
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = on_usr1;
  sa.sa_flags = SA_RESETHAND;
  sigaction(SIGUSR1, &sa, NULL);
  raise(SIGUSR1);
  sigaction(SIGUSR1, NULL, &old);
  printf("SA_RESETHAND: now default %d\n", old.sa_handler == SIG_DFL);

  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_fault;
  sa.sa_flags = SA_SIGINFO;
  sigaction(SIGSEGV, &sa, NULL);
  sigaction(SIGILL, &sa, NULL);
  int sig = sigsetjmp(recover, 1);
  if (sig == 0) {
    printf("load from an unmapped address\n");
    printf("never: %d\n", *(volatile int*)bad_address);
  } else {
    printf("recovered from signal %d\n", sig);
  }
  sig = sigsetjmp(recover, 1);
  if (sig == 0) {
    printf("illegal instruction\n");
    __asm__ volatile(".word 0");
  } else {
    printf("recovered from signal %d\n", sig);
  }
  // The fault handler's mask was restored by siglongjmp(…, savemask=1): faults still deliver.
  sig = sigsetjmp(recover, 1);
  if (sig == 0) {
    printf("second load from an unmapped address\n");
    printf("never: %d\n", *(volatile int*)(bad_address + 8));
  } else {
    printf("recovered again from signal %d\n", sig);
  }
  printf("done, count %d\n", (int)count);
  return 0;
}
