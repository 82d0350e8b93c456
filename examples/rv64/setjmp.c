// Non-local control flow and deep recursion: setjmp/longjmp across several frames (with values
// that must survive in volatile locals), then the 8-queens problem solved recursively and the
// Ackermann function, which recurses deeply.
#include <setjmp.h>
#include <stdio.h>

static jmp_buf env;
static int depth_reached;

static void dive(int depth, int limit) {
  volatile char pad[64];  // gives every frame some stack to unwind past
  pad[depth % 64] = (char)depth;
  depth_reached = pad[depth % 64];
  if (depth >= limit) longjmp(env, depth * 10 + 1);
  if (depth < 1000) dive(depth + 1, limit);
  printf("never printed %d\n", depth);
}

static int queens_count;
static int first_solution[8];

static int safe(const int* cols, int row, int col) {
  for (int r = 0; r < row; ++r)
    if (cols[r] == col || cols[r] - col == r - row || cols[r] - col == row - r) return 0;
  return 1;
}

static void queens(int* cols, int row) {
  if (row == 8) {
    if (queens_count++ == 0)
      for (int i = 0; i < 8; ++i) first_solution[i] = cols[i];
    return;
  }
  for (int c = 0; c < 8; ++c)
    if (safe(cols, row, c)) {
      cols[row] = c;
      queens(cols, row + 1);
    }
}

static unsigned long ackermann(unsigned long m, unsigned long n) {
  if (m == 0) return n + 1;
  if (n == 0) return ackermann(m - 1, 1);
  return ackermann(m - 1, ackermann(m, n - 1));
}

int main(void) {
  volatile int attempts = 0;
  for (volatile int limit = 0; limit < 40; limit += 13) {
    int r = setjmp(env);
    if (r == 0) {
      ++attempts;
      dive(0, limit);
    } else {
      printf("longjmp from depth %d returned %d (attempts %d)\n", depth_reached, r, attempts);
    }
  }
  // longjmp(env, 0) makes setjmp return 1.
  if (setjmp(env) == 0)
    longjmp(env, 0);
  else
    printf("longjmp with 0 gives 1\n");

  sigjmp_buf senv;
  if (sigsetjmp(senv, 1) == 0)
    siglongjmp(senv, 7);
  else
    printf("siglongjmp ok\n");

  int cols[8];
  queens(cols, 0);
  printf("8 queens: %d solutions, first:", queens_count);
  for (int i = 0; i < 8; ++i) printf(" %d", first_solution[i]);
  printf("\n");
  printf("ackermann(2, 300) = %lu, ackermann(3, 6) = %lu\n", ackermann(2, 300), ackermann(3, 6));
  return 0;
}
