// Ways to end a process: with no arguments main returns 0; otherwise exit(argc), except that
// argv[1] "abort" dies by SIGABRT, "exit255" exits with 255 and "_exit" leaves through _exit
// without flushing stdio (so its buffered line is lost).
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static void at_exit_handler(void) {
  printf("atexit handler ran\n");
}

int main(int argc, char** argv) {
  atexit(at_exit_handler);
  printf("argc=%d\n", argc);
  for (int i = 1; i < argc; ++i) printf("argv[%d]=%s\n", i, argv[i]);
  if (argc == 1) return 0;
  if (!strcmp(argv[1], "abort")) {
    fflush(stdout);
    fprintf(stderr, "aborting\n");
    abort();
  }
  if (!strcmp(argv[1], "exit255")) exit(255);
  if (!strcmp(argv[1], "_exit")) {
    printf("this buffered line is lost\n");
    _exit(9);
  }
  exit(argc);
}
