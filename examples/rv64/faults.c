// Death by a signal, one way per argument: a load or a store at an unmapped address, a load
// from a page just unmapped, from a PROT_NONE page, a store to read-only data, a jump into a
// page that is not executable (all SIGSEGV), an illegal instruction (SIGILL), ebreak
// (SIGTRAP), raise(SIGTERM), kill(getpid(), SIGKILL), abort() with SIGABRT blocked (still dies),
// and a signal whose action is SIG_IGN (survives). Each mode prints a line and flushes first.
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

// An address with nothing mapped, hidden from the compiler's bounds checks.
static volatile uintptr_t unmapped = 16;

// ret (jalr x0, 0(ra)), placed in writable data that is not executable.
static uint32_t data_code[2] = {0x00008067, 0};

int main(int argc, char** argv) {
  const char* mode = argc > 1 ? argv[1] : "none";
  printf("mode %s\n", mode);
  fflush(stdout);
  if (!strcmp(mode, "load")) {
    volatile int* p = (volatile int*)unmapped;
    return *p;
  }
  if (!strcmp(mode, "store")) {
    volatile int* p = (volatile int*)(unmapped + 0xffe0);
    *p = 1;
  }
  if (!strcmp(mode, "munmapped") || !strcmp(mode, "prot_none")) {
    long page = sysconf(_SC_PAGESIZE);
    volatile char* p =
        mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    p[0] = 1;
    if (mode[0] == 'm')
      munmap((void*)p, (size_t)page);
    else
      mprotect((void*)p, (size_t)page, PROT_NONE);
    return p[0];
  }
  if (!strcmp(mode, "rodata")) {
    static const char text[] = "constant";
    ((volatile char*)(uintptr_t)text)[0] = 'C';
  }
  if (!strcmp(mode, "nx")) ((void (*)(void))(uintptr_t)data_code)();
  if (!strcmp(mode, "ill")) __asm__ volatile(".word 0");
  if (!strcmp(mode, "ebreak")) __asm__ volatile("ebreak");
  if (!strcmp(mode, "term")) raise(SIGTERM);
  if (!strcmp(mode, "kill")) kill(getpid(), SIGKILL);
  if (!strcmp(mode, "abort_blocked")) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGABRT);
    sigprocmask(SIG_BLOCK, &set, NULL);
    abort();
  }
  if (!strcmp(mode, "ignored")) {
    signal(SIGUSR1, SIG_IGN);
    raise(SIGUSR1);
    printf("SIGUSR1 ignored\n");
  }
  printf("still running\n");
  return 0;
}
