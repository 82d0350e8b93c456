// Files and directories through the Linux system calls a C library uses: open/write/read/lseek,
// fstat, rename, unlink, mkdir/opendir/readdir/rmdir and the errors of missing files. Works in
// the directory given as argv[1] (the test gives each run a fresh one) and prints only names
// relative to it, sorted, so the output does not depend on where it runs.
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char path_buf[4][4096];

// Joins the base directory and a relative name (a few rotating buffers so calls can nest).
static const char* at(const char* base, const char* name) {
  static int next = 0;
  char* p = path_buf[next++ & 3];
  snprintf(p, sizeof path_buf[0], "%s/%s", base, name);
  return p;
}

static int check(const char* what, int r) {
  printf("%s -> %s\n", what, r < 0 ? strerror(errno) : "ok");
  return r;
}

static int cmp_names(const void* a, const void* b) {
  return strcmp(*(char* const*)a, *(char* const*)b);
}

static void list_dir(const char* dir_arg) {
  char dir[2048];
  snprintf(dir, sizeof dir, "%s", dir_arg);  // at() below reuses the caller's buffer
  DIR* d = opendir(dir);
  if (!d) {
    printf("opendir: %s\n", strerror(errno));
    return;
  }
  char* names[64];
  int n = 0;
  struct dirent* e;
  while ((e = readdir(d)) && n < 64) {
    if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
    names[n++] = strdup(e->d_name);
  }
  closedir(d);
  qsort(names, (size_t)n, sizeof *names, cmp_names);
  printf("listing (%d):", n);
  for (int i = 0; i < n; ++i) {
    struct stat st;
    const char* kind = "?";
    if (stat(at(dir, names[i]), &st) == 0) kind = S_ISDIR(st.st_mode) ? "dir" : "file";
    printf(" %s(%s)", names[i], kind);
    free(names[i]);
  }
  printf("\n");
}

int main(int argc, char** argv) {
  // Without an argument, a fixed name under /tmp that includes the argument count.
  char fallback[64];
  snprintf(fallback, sizeof fallback, "/tmp/strata-rv64-files-%d", argc);
  const char* base = argc > 1 ? argv[1] : fallback;
  mkdir(base, 0755);

  const char* file = at(base, "data.txt");
  int fd = open(file, O_CREAT | O_TRUNC | O_RDWR, 0644);
  if (check("open create", fd) < 0) return 1;
  const char text[] = "The quick brown fox\njumps over the lazy dog\n";
  printf("write %zd\n", write(fd, text, sizeof text - 1));
  struct stat st;
  fstat(fd, &st);
  printf("fstat size %lld regular=%d mode=%o\n", (long long)st.st_size, S_ISREG(st.st_mode),
         (unsigned)(st.st_mode & 0777));
  printf("lseek end %lld\n", (long long)lseek(fd, 0, SEEK_END));
  printf("lseek set %lld\n", (long long)lseek(fd, 4, SEEK_SET));
  char buf[64] = {0};
  ssize_t n = read(fd, buf, 15);
  printf("read %zd \"%s\"\n", n, buf);
  printf("lseek cur %lld\n", (long long)lseek(fd, -5, SEEK_CUR));
  n = pread(fd, buf, 5, 20);
  buf[n] = 0;
  printf("pread %zd \"%s\"\n", n, buf);
  printf("lseek beyond %lld\n", (long long)lseek(fd, 100, SEEK_SET));
  printf("write at 100: %zd\n", write(fd, "!", 1));
  fstat(fd, &st);
  printf("size after hole %lld\n", (long long)st.st_size);
  printf("read at eof %zd\n", read(fd, buf, sizeof buf));
  check("ftruncate", ftruncate(fd, 10));
  fstat(fd, &st);
  printf("size after truncate %lld\n", (long long)st.st_size);
  check("close", close(fd));
  check("close again", close(fd));

  // stdio on the same file.
  FILE* f = fopen(file, "a+");
  fprintf(f, "|appended %d|", 42);
  rewind(f);
  char line[128] = {0};
  size_t got = fread(line, 1, sizeof line - 1, f);
  printf("fread %zu \"%s\"\n", got, line);
  fclose(f);

  check("rename", rename(file, at(base, "renamed.txt")));
  check("open old name", open(file, O_RDONLY));
  check("mkdir sub", mkdir(at(base, "sub"), 0755));
  check("mkdir sub again", mkdir(at(base, "sub"), 0755));
  for (int i = 5; i >= 1; --i) {
    char name[32];
    snprintf(name, sizeof name, "sub/f%d", i);
    int k = open(at(base, name), O_CREAT | O_WRONLY, 0600);
    dprintf(k, "%d", i * 111);
    close(k);
  }
  list_dir(base);
  list_dir(at(base, "sub"));
  check("rmdir non-empty", rmdir(at(base, "sub")));
  for (int i = 1; i <= 5; ++i) {
    char name[32];
    snprintf(name, sizeof name, "sub/f%d", i);
    unlink(at(base, name));
  }
  check("rmdir sub", rmdir(at(base, "sub")));
  check("unlink renamed", unlink(at(base, "renamed.txt")));
  check("unlink missing", unlink(at(base, "renamed.txt")));
  check("open missing", open(at(base, "no/such/file"), O_RDONLY));
  check("open dir for write", open(base, O_WRONLY));
  check("stat missing", stat(at(base, "nothing"), &st));
  errno = 0;
  FILE* missing = fopen(at(base, "missing.txt"), "r");
  printf("fopen missing: %s (%s)\n", missing ? "opened" : "NULL", strerror(errno));
  perror("perror says");
  list_dir(base);
  if (argc <= 1) rmdir(base);
  return 0;
}
