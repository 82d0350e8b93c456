// Address-space system calls as programs use them: anonymous and file mappings (private and
// shared, with an offset), MAP_FIXED replacing part of a mapping, munmap of a middle page,
// mremap growing and moving with the contents, mprotect, madvise(MADV_DONTNEED) and brk. The
// scratch directory for the file comes as argv[1]; argv[2] "shared" adds MAP_SHARED: writable
// file mappings seen by a second mapping and by the file, msync, mremap of a shared mapping, the
// errors (read-only file, unaligned offset), shared anonymous memory and /dev/zero. argv[2]
// "past_eof" dies of SIGBUS touching a shared mapping past the end of its file. Addresses never
// print; only contents and relations between them do.
#define _GNU_SOURCE  // mremap, MAP_FIXED_NOREPLACE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static long page;

static unsigned checksum(const unsigned char* p, size_t n) {
  unsigned h = 0;
  for (size_t i = 0; i < n; ++i) h = h * 31 + p[i];
  return h;
}

static void anonymous(void) {
  unsigned char* p =
      mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  int zero = 1;
  for (long i = 0; i < 4 * page; ++i) zero &= p[i] == 0;
  printf("anonymous: zero-filled %d, page aligned %d\n", zero, ((uintptr_t)p & (page - 1)) == 0);
  for (long i = 0; i < 4 * page; ++i) p[i] = (unsigned char)(i * 7);
  // Replace the second page with a fresh one.
  unsigned char* q =
      mmap(p + page, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("MAP_FIXED: same address %d, new page zero %d, neighbours kept %d %d\n", q == p + page,
         q[0] == 0 && q[page - 1] == 0, p[page - 1] == (unsigned char)((page - 1) * 7),
         p[2 * page] == (unsigned char)(2 * page * 7));
  // Punch out the third page; the fourth stays.
  printf("munmap middle: %d, last page kept %d\n", munmap(p + 2 * page, page),
         p[3 * page + 5] == (unsigned char)((3 * page + 5) * 7));
  // DONTNEED on private anonymous memory gives zero pages back.
  p[10] = 99;
  madvise(p, page, MADV_DONTNEED);
  printf("MADV_DONTNEED: byte now %d\n", p[10]);
  munmap(p, 2 * page);
  munmap(p + 3 * page, page);
}

static void remapping(void) {
  unsigned char* p =
      mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  for (long i = 0; i < 2 * page; ++i) p[i] = (unsigned char)(i ^ (i >> 8));
  unsigned before = checksum(p, 2 * page);
  // Block the way so growing must move.
  unsigned char* blocker =
      mmap(p + 2 * page, page, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  unsigned char* r = mremap(p, 2 * page, 8 * page, 0);
  printf("mremap without MAYMOVE: %s\n", r == MAP_FAILED ? strerror(errno) : "grew in place");
  if (r == MAP_FAILED) r = mremap(p, 2 * page, 8 * page, MREMAP_MAYMOVE);
  int tail_zero = 1;
  for (long i = 2 * page; i < 8 * page; ++i) tail_zero &= r[i] == 0;
  printf("mremap MAYMOVE: contents kept %d, new tail zero %d\n", checksum(r, 2 * page) == before,
         tail_zero);
  r = mremap(r, 8 * page, page, 0);
  printf("mremap shrink: contents kept %d\n",
         r[page - 1] == (unsigned char)((page - 1) ^ ((page - 1) >> 8)));
  munmap(r, page);
  if (blocker != MAP_FAILED) munmap(blocker, page);
}

static void protection(void) {
  unsigned char* p = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  p[0] = 42;
  printf("mprotect read-only: %d, still readable %d\n", mprotect(p, page, PROT_READ), p[0]);
  printf("mprotect unaligned: %s\n", mprotect(p + 1, page, PROT_READ) ? strerror(errno) : "ok");
  printf("munmap unaligned: %s\n", munmap(p + 1, page) ? strerror(errno) : "ok");
  printf("mmap length 0: %s\n",
         mmap(NULL, 0, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) == MAP_FAILED
             ? strerror(errno)
             : "ok");
  printf("mmap bad fd: %s\n",
         mmap(NULL, page, PROT_READ, MAP_PRIVATE, 999, 0) == MAP_FAILED ? strerror(errno) : "ok");
  munmap(p, page);
}

static const char* result(long r) {
  return r < 0 ? strerror(errno) : "ok";
}

// `shared` maps page 2 of the file read-write.
static void shared_file(int fd, const char* path, unsigned char* shared) {
  unsigned char* view = mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 2 * page);
  unsigned char b;
  shared[1] = 0x5a;
  printf("shared write seen by a second mapping: %d\n", view != MAP_FAILED && view[1] == 0x5a);
  printf("msync: %s\n", result(msync(shared, page, MS_SYNC)));
  pread(fd, &b, 1, 2 * page + 1);
  printf("shared write reaches file: %d\n", b == 0x5a);
  pwrite(fd, "Q", 1, 2 * page + 2);
  printf("file write seen by the mapping: %d\n", shared[2] == 'Q' && view[2] == 'Q');
  printf("msync unaligned: %s\n", result(msync(shared + 1, page, MS_SYNC)));
  printf("msync SYNC|ASYNC: %s\n", result(msync(shared, page, MS_SYNC | MS_ASYNC)));
  // Private memory over part of it: the file keeps its bytes.
  unsigned char* priv =
      mmap(shared, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  priv[1] = 1;
  printf("private over shared: zero %d, file kept %d\n", priv[2] == 0, view[1] == 0x5a);
  munmap(priv, page);
  // Moved, a shared mapping stays the file's.
  shared = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * page);
  unsigned char* moved = mremap(shared, page, 2 * page, MREMAP_MAYMOVE);
  if (moved == MAP_FAILED) {
    printf("mremap shared: %s\n", strerror(errno));
  } else {
    moved[3] = 0x77;
    pread(fd, &b, 1, 2 * page + 3);
    printf("mremap shared: contents kept %d, still shared %d\n", moved[1] == 0x5a, b == 0x77);
    printf("mprotect shared read-only: %s, readable %d\n", result(mprotect(moved, page, PROT_READ)),
           moved[3]);
    munmap(moved, 2 * page);
  }
  munmap(view, page);
  int ro = open(path, O_RDONLY);
  printf("read-write shared map of a read-only file: %s\n",
         result((long)mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, ro, 0)));
  unsigned char* rmap = mmap(NULL, page, PROT_READ, MAP_SHARED, ro, 2 * page);
  printf("read-only shared map of it: %s, sees %d\n", result((long)rmap),
         rmap != MAP_FAILED && rmap[1] == 0x5a);
  printf("mprotect it writable: %s\n", result(mprotect(rmap, page, PROT_READ | PROT_WRITE)));
  munmap(rmap, page);
  close(ro);
  printf("shared map at an unaligned offset: %s\n",
         result((long)mmap(NULL, page, PROT_READ, MAP_SHARED, fd, 100)));
}

// A second view of shared anonymous memory needs fork or mremap with old size 0 (which
// qemu-riscv64 refuses): tests/vm/rv64 checks those.
static void shared_anonymous(void) {
  unsigned char* a =
      mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  int zero = 1;
  for (long i = 0; i < 2 * page; ++i) zero &= a[i] == 0;
  a[5] = 9;
  a[page + 6] = 10;
  printf("shared anonymous: zero %d, writable %d %d\n", zero, a[5] == 9, a[page + 6] == 10);
  munmap(a, 2 * page);
  unsigned char* again =
      mmap(a, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
  printf("private anonymous where it was: zero %d\n", again[5] == 0);
  munmap(again, page);
  int zfd = open("/dev/zero", O_RDWR);
  unsigned char* z = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, zfd, 0);
  close(zfd);
  if (z == MAP_FAILED) {
    printf("/dev/zero shared: %s\n", strerror(errno));
  } else {
    int zz = z[0] == 0 && z[page - 1] == 0;
    z[7] = 3;
    printf("/dev/zero shared: zero %d, writable %d\n", zz, z[7] == 3);
    munmap(z, page);
  }
}

// Dies of SIGBUS: the second page of the mapping lies past the end of the one-page file.
static void past_eof(const char* dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/short.bin", dir);
  int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
  ftruncate(fd, page);
  unsigned char* p = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  p[0] = 1;
  printf("past_eof: first page %d\n", p[0]);
  fflush(stdout);
  unlink(path);
  p[page] = 1;
  printf("past_eof: not reached\n");
}

static void files(const char* dir, int shared_too) {
  char path[4096];
  snprintf(path, sizeof path, "%s/mapped.bin", dir);
  int fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0600);
  for (long i = 0; i < 3 * page; ++i) {
    unsigned char b = (unsigned char)(i / 7);
    write(fd, &b, 1);
  }
  unsigned char* all = mmap(NULL, 3 * page, PROT_READ, MAP_PRIVATE, fd, 0);
  unsigned char* second = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, page);
  printf("file map: checksum %08x, offset map matches %d\n", checksum(all, 3 * page),
         memcmp(second, all + page, page) == 0);
  second[0] ^= 0xff;  // private: the file keeps its byte
  unsigned char b;
  pread(fd, &b, 1, page);
  printf("private write reaches file: %d\n", b != all[page]);
  unsigned char* shared =
      shared_too ? mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 2 * page) : NULL;
  if (!shared_too) {
    printf("(writable MAP_SHARED not tried)\n");
  } else if (shared == MAP_FAILED) {
    printf("shared file map: %s\n", strerror(errno));
  } else {
    shared_file(fd, path, shared);
  }
  // A mapping stays valid after the descriptor is closed.
  close(fd);
  printf("after close: %d\n", all[3 * page - 1] == (unsigned char)((3 * page - 1) / 7));
  munmap(all, 3 * page);
  munmap(second, page);
  unlink(path);
}

static void program_break(void) {
  char* start = sbrk(0);
  char* grown = sbrk(3 * page + 123);
  memset(grown, 0x11, 3 * page + 123);
  char* end = sbrk(0);
  printf("brk: grew by %ld, old end returned %d\n", (long)(end - start), grown == start);
  sbrk(-(3 * page + 123));
  printf("brk: shrunk back %d\n", sbrk(0) == start);
  char* again = sbrk(page);
  printf("brk: regrown memory zero %d\n", again[0] == 0 && again[page - 1] == 0);
  sbrk(-page);
}

int main(int argc, char** argv) {
  page = sysconf(_SC_PAGESIZE);
  if (argc > 2 && !strcmp(argv[2], "past_eof")) past_eof(argv[1]);
  anonymous();
  remapping();
  protection();
  const int shared = argc > 2 && !strcmp(argv[2], "shared");
  files(argc > 1 ? argv[1] : "/tmp", shared);
  if (shared) shared_anonymous();
  program_break();
  return 0;
}
