// Hostile and foreign inputs: every one gives a clear error, none crashes.
#include <gtest/gtest.h>

#include <random>

#include "tests/vm/rv64/rv64_test_util.hpp"
#include "vm/rv64/elf_loader.hpp"

namespace strata::vm::rv64 {
namespace {

void put(std::vector<uint8_t>& b, size_t off, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[off + i] = static_cast<uint8_t>(v >> (8 * i));
}

// A minimal valid static RV64 executable: ELF header, `nload` PT_LOAD headers (the first maps
// the whole file R+X at 0x10000), then one `ret` instruction at the entry point.
std::vector<uint8_t> tiny_elf(int nload = 1) {
  size_t code = 64 + 56 * nload;
  std::vector<uint8_t> b(code + 4, 0);
  const uint8_t ident[] = {0x7f, 'E', 'L', 'F', 2, 1, 1, 0};
  std::copy(std::begin(ident), std::end(ident), b.begin());
  put(b, 16, 2, 2);               // ET_EXEC
  put(b, 18, 243, 2);             // EM_RISCV
  put(b, 20, 1, 4);               // e_version
  put(b, 24, 0x10000 + code, 8);  // e_entry
  put(b, 32, 64, 8);              // e_phoff
  put(b, 52, 64, 2);              // e_ehsize
  put(b, 54, 56, 2);              // e_phentsize
  put(b, 56, nload, 2);           // e_phnum
  for (int i = 0; i < nload; ++i) {
    size_t p = 64 + 56 * i;
    put(b, p, 1, 4);                   // PT_LOAD
    put(b, p + 4, i == 0 ? 5 : 6, 4);  // R+X, then R+W
    put(b, p + 8, 0, 8);               // p_offset
    put(b, p + 16, 0x10000 + 0x10000 * i, 8);
    put(b, p + 32, b.size(), 8);  // p_filesz
    put(b, p + 40, b.size(), 8);  // p_memsz
    put(b, p + 48, 0x1000, 8);
  }
  put(b, code, 0x00008067, 4);  // ret
  return b;
}

std::string error_of(const std::vector<uint8_t>& b) {
  auto r = plan_load(b, LoadOptions{});
  return r ? std::string("<ok>") : r.error().message;
}

void expect_error(const std::vector<uint8_t>& b, const std::string& part) {
  std::string e = error_of(b);
  EXPECT_NE(e.find(part), std::string::npos) << "got: " << e;
}

TEST(ElfHostileTest, TinyElfIsValid) {
  auto plan = plan_load(tiny_elf(2), LoadOptions{});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_EQ(plan->exe.segments.size(), 2u);
  EXPECT_EQ(plan->exe.phdr_addr, 0x10040u);
  EXPECT_EQ(plan->brk_start, 0x21000u);
}

TEST(ElfHostileTest, DynImageLinkedAboveOrBelowTheBase) {
  auto b = tiny_elf(2);
  put(b, 16, 3, 2);  // ET_DYN linked at 0x10000
  for (uint64_t base : {uint64_t{0x1000}, uint64_t{0x10000}, uint64_t{0x400000}}) {
    LoadOptions opts;
    opts.pie_base = base;
    auto plan = plan_load(b, opts);
    ASSERT_TRUE(plan) << plan.error().message;
    EXPECT_EQ(plan->exe.lowest, base);
    EXPECT_EQ(plan->exe.segments[1].vaddr, base + 0x10000);
    EXPECT_EQ(plan->exe.entry, base + 64 + 2 * 56);
    EXPECT_EQ(plan->exe.phdr_addr, base + 64);
  }
  LoadOptions opts;
  opts.pie_base = kGuestAddrLimit - 0x1000;  // the image does not fit below the limit
  expect_error(b, "<ok>");                   // default base still fine
  auto plan = plan_load(b, opts);
  ASSERT_FALSE(plan);
  EXPECT_NE(plan.error().message.find("outside the guest address space"), std::string::npos);
}

TEST(ElfHostileTest, ForeignAndBrokenHeaders) {
  expect_error({}, "not an ELF file: bad magic");
  expect_error({'#', '!', '/', 'b'}, "not an ELF file: bad magic");
  auto b = tiny_elf();
  b[4] = 1;
  expect_error(b, "32-bit ELF (ELFCLASS32)");
  b.resize(52);  // an ELF32 header is only 52 bytes: still named as 32-bit
  expect_error(b, "32-bit ELF (ELFCLASS32)");
  b = tiny_elf();
  b[5] = 2;
  expect_error(b, "big-endian");
  b = tiny_elf();
  put(b, 18, 62, 2);
  expect_error(b, "ELF for x86-64 (e_machine 62), expected RISC-V (243)");
  b = tiny_elf();
  put(b, 16, 1, 2);
  expect_error(b, "relocatable object (ET_REL)");
  put(b, 16, 4, 2);
  expect_error(b, "core dump (ET_CORE)");
  b = tiny_elf();
  put(b, 56, 0, 2);
  expect_error(b, "no program headers");
  b = tiny_elf();
  put(b, 32, ~uint64_t{0} - 8, 8);  // e_phoff near 2^64: must not wrap
  expect_error(b, "program headers");
}

TEST(ElfHostileTest, BadSegments) {
  auto b = tiny_elf();
  put(b, 64 + 8, 0x1000, 8);  // p_offset past the end (keeps vaddr congruent)
  expect_error(b, "outside the");
  b = tiny_elf();
  put(b, 64 + 32, ~uint64_t{0}, 8);  // p_filesz huge
  expect_error(b, "outside the");
  b = tiny_elf();
  put(b, 64 + 40, ~uint64_t{0}, 8);  // p_memsz wraps the address space
  expect_error(b, "outside the guest address space");
  b = tiny_elf(2);
  put(b, 64 + 56 + 16, 0x10000, 8);  // second segment on top of the first
  expect_error(b, "overlaps");
  b = tiny_elf();
  put(b, 24, 0x900000, 8);
  expect_error(b, "entry point 0x900000 is outside every executable segment");
  b = tiny_elf();
  put(b, 64 + 16, 0x10004, 8);  // vaddr not congruent to offset
  expect_error(b, "modulo the page size");
}

TEST(ElfHostileTest, InterpreterPaths) {
  auto b = tiny_elf(2);
  size_t p = 64 + 56;  // turn the second PT_LOAD into PT_INTERP pointing at our own bytes
  put(b, p, 3, 4);
  put(b, p + 8, 1, 8);  // "ELF" then byte 4 (=2): no NUL terminator
  put(b, p + 32, 3, 8);
  expect_error(b, "not one NUL-terminated path");
  put(b, p + 32, ~uint64_t{0}, 8);
  expect_error(b, "PT_INTERP at");
}

// Every prefix of the headers is rejected with a message (no crash, no read past the end).
void truncate_everywhere(const std::vector<uint8_t>& file, size_t header_end) {
  for (size_t n = 0; n < header_end && n < file.size(); ++n) {
    std::vector<uint8_t> cut(file.begin(), file.begin() + n);
    std::string e = error_of(cut);
    EXPECT_NE(e, "<ok>") << "truncated to " << n;
    EXPECT_FALSE(e.empty());
  }
}

TEST(ElfHostileTest, TruncationAtEveryHeaderByte) {
  auto b = tiny_elf(2);
  truncate_everywhere(b, b.size());
  EXPECT_NE(error_of(std::vector<uint8_t>(b.begin(), b.begin() + 40)).find("truncated ELF header"),
            std::string::npos);
  if (!test::have_tool(test::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc not installed";
  std::string path = test::build_hello("static_trunc", "-static");
  ASSERT_FALSE(path.empty());
  auto file = read_host_file(path);
  ASSERT_TRUE(file);
  uint64_t phoff = 0;
  for (int i = 0; i < 8; ++i) phoff |= uint64_t{(*file)[32 + i]} << (8 * i);
  size_t phnum = (*file)[56] | ((*file)[57] << 8);
  truncate_everywhere(*file, phoff + 56 * phnum);
}

void flip_bits(std::vector<uint8_t> file, size_t span, int rounds, uint32_t seed) {
  std::mt19937 rng(seed);
  for (int i = 0; i < rounds; ++i) {
    std::vector<uint8_t> b = file;
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; ++f) {
      size_t at = rng() % std::min(span, b.size());
      b[at] ^= static_cast<uint8_t>(1u << (rng() % 8));
    }
    auto r = plan_load(b, LoadOptions{});
    if (!r) {
      EXPECT_FALSE(r.error().message.empty());
      continue;
    }
    for (const Segment& s : r->exe.segments) {
      EXPECT_LE(s.vaddr + s.memsz, kGuestAddrLimit);
    }
  }
}

TEST(ElfHostileTest, RandomBitFlips) {
  auto b = tiny_elf(2);
  flip_bits(b, b.size(), 20000, 1);
  if (!test::have_tool(test::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc not installed";
  std::string path = test::build_hello("static_flip", "-static");
  ASSERT_FALSE(path.empty());
  auto file = read_host_file(path);
  ASSERT_TRUE(file);
  flip_bits(*file, 64 + 56 * 12, 1000, 2);
}

TEST(ElfHostileTest, HostBinaryIsForeign) {
  auto file = read_host_file("/bin/true");
  if (!file) GTEST_SKIP() << "no /bin/true";
  std::string e = error_of(*file);
#if defined(__x86_64__)
  EXPECT_NE(e.find("ELF for x86-64 (e_machine 62), expected RISC-V (243)"), std::string::npos) << e;
#else
  EXPECT_NE(e, "<ok>");
#endif
}

TEST(ElfHostileTest, ObjectFileIsNotAnExecutable) {
  if (!test::have_tool(test::kCrossGcc)) GTEST_SKIP() << "riscv64-linux-gnu-gcc not installed";
  std::string path = test::build_hello("hello.o", "-c");
  ASSERT_FALSE(path.empty());
  auto file = read_host_file(path);
  ASSERT_TRUE(file);
  expect_error(*file, "relocatable object (ET_REL)");
}

}  // namespace
}  // namespace strata::vm::rv64
