// The translator over a real program: a static riscv64 "hello" built with the cross compiler at
// test time (GCC's libc code: compressed instructions, atomics, CSRs, floating point). Every
// block of its .text, laid end to end, must translate and verify; the time per block is printed
// (a measurement, never asserted).
#include <elf.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "translate_test_support.hpp"

namespace strata::jit::rv64::test {
namespace {

struct Text {
  uint64_t addr = 0;
  std::vector<uint8_t> bytes;
};

// The .text section of an ELF64 little-endian file, or empty on any inconsistency.
Text read_text(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  const std::vector<uint8_t> file((std::istreambuf_iterator<char>(f)),
                                  std::istreambuf_iterator<char>());
  Text t;
  if (file.size() < sizeof(Elf64_Ehdr)) return t;
  Elf64_Ehdr eh;
  std::memcpy(&eh, file.data(), sizeof eh);
  if (eh.e_shentsize != sizeof(Elf64_Shdr) || eh.e_shstrndx >= eh.e_shnum ||
      eh.e_shoff + uint64_t{eh.e_shnum} * sizeof(Elf64_Shdr) > file.size())
    return t;
  std::vector<Elf64_Shdr> sh(eh.e_shnum);
  std::memcpy(sh.data(), file.data() + eh.e_shoff, eh.e_shnum * sizeof(Elf64_Shdr));
  const Elf64_Shdr& names = sh[eh.e_shstrndx];
  for (const Elf64_Shdr& s : sh) {
    if (names.sh_offset + s.sh_name + 6 > file.size()) continue;
    if (std::strcmp(reinterpret_cast<const char*>(file.data() + names.sh_offset + s.sh_name),
                    ".text") != 0)
      continue;
    if (s.sh_offset + s.sh_size > file.size()) return t;
    t.addr = s.sh_addr;
    t.bytes.assign(file.begin() + static_cast<long>(s.sh_offset),
                   file.begin() + static_cast<long>(s.sh_offset + s.sh_size));
  }
  return t;
}

TEST(Rv64TranslateBinary, EveryBlockOfAStaticHelloTranslatesAndVerifies) {
  const std::string dir = fmt::format("{}/tests/jit/rv64", STRATA_BINARY_DIR);
  const std::string src = dir + "/translate_hello.c", exe = dir + "/translate_hello";
  {
    std::ofstream c(src);
    c << "#include <stdio.h>\nint main(int argc, char** argv) {\n"
         "  printf(\"hello %d %f\\n\", argc, argc * 1.5);\n  return 0;\n}\n";
  }
  const std::string cmd =
      fmt::format("riscv64-linux-gnu-gcc -static -O2 -o {} {} 2>/dev/null", exe, src);
  if (std::system(cmd.c_str()) != 0)
    GTEST_SKIP() << "riscv64-linux-gnu-gcc is not installed or failed: " << cmd;
  const Text text = read_text(exe);
  ASSERT_GT(text.bytes.size(), 1000u) << "no .text in " << exe;

  const auto fetch = [&](uint64_t pc, uint16_t* parcel) {
    // GUEST-like: pc comes from decoded lengths; check before reading.
    if (pc < text.addr || pc - text.addr + 2 > text.bytes.size()) return false;
    std::memcpy(parcel, text.bytes.data() + (pc - text.addr), 2);
    return true;
  };

  // Blocks laid end to end over the whole section: each starts where the previous ended.
  std::vector<TranslatedBlock> blocks;
  const auto t0 = std::chrono::steady_clock::now();
  for (uint64_t pc = text.addr; pc < text.addr + text.bytes.size();) {
    auto b = translate_block(pc, fetch);
    ASSERT_TRUE(b.has_value()) << b.error().message;
    ASSERT_GT(b->end, pc);
    pc = b->end;
    blocks.push_back(std::move(*b));
  }
  const auto t1 = std::chrono::steady_clock::now();
  const double us = std::chrono::duration<double, std::micro>(t1 - t0).count();
  uint64_t insns = 0, words = 0, regs = 0;
  for (const TranslatedBlock& b : blocks) {
    insns += b.guest_insns;
    words += b.fn.code.size();
    regs += b.fn.regs.size();
  }
  std::printf(
      "translated %zu blocks (%llu guest instructions, %llu SVI words) in %.0f us: "
      "%.2f us/block, %.3f us/instruction; %.1f SVI registers/block\n",
      blocks.size(), static_cast<unsigned long long>(insns), static_cast<unsigned long long>(words),
      us, us / static_cast<double>(blocks.size()), us / static_cast<double>(insns),
      static_cast<double>(regs) / static_cast<double>(blocks.size()));

  isa::Module m = make_guest_module(kGuestBytes);
  m.funcs.reserve(blocks.size());
  for (const TranslatedBlock& b : blocks) m.funcs.push_back(b.fn);
  size_t bad = 0;
  for (uint32_t i = 0; i < m.funcs.size(); ++i) {
    auto ok = isa::verify_code(m, i);
    if (!ok && bad++ < 5)
      ADD_FAILURE() << "block at 0x" << std::hex << blocks[i].start << ": " << ok.error().message;
  }
  EXPECT_EQ(bad, 0u);
}

}  // namespace
}  // namespace strata::jit::rv64::test
