/* Shared by the bare-metal programs of rv64sys_hart_tests: the test device (QEMU virt's
 * sifive_test at 0x100000: 0x5555 passes, code << 16 | 0x3333 fails with `code`) and the
 * byte port of the test host's UART. */
#define TEST_DEVICE 0x100000
#define TEST_SCRATCH 0x100008 /* reads back 0x1234abcd */
#define TEST_GO 0x100010      /* 0 until the test host says go (test_host.hpp) */
#define UART 0x10000000

#define PASS                 \
  li t6, TEST_DEVICE;        \
  li t5, 0x5555;             \
  sw t5, 0(t6);              \
1: j 1b

/* Ends the run with exit code `code` (1..255). */
#define FAIL(code)                      \
  li t6, TEST_DEVICE;                   \
  li t5, ((code) << 16) | 0x3333;       \
  sw t5, 0(t6);                         \
1: j 1b

/* Fails with `code` unless reg == value (uses t4). */
#define EXPECT(reg, value, code) \
  li t4, value;                  \
  beq reg, t4, 2f;               \
  FAIL(code);                    \
2:
