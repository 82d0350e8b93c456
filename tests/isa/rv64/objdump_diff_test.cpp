// Differential tests: our decoder + disassembler against GNU objdump, on a generated blob that
// covers every instruction class with random fields (and all 49152 compressed parcels), and on
// every instruction of a real static binary compiled at test time.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <fmt/format.h>

#include "isa/rv64/decoder.hpp"
#include "isa/rv64/disasm.hpp"
#include "objdump_support.hpp"

namespace strata::isa::rv64 {
namespace {

using test::ObjdumpLine;

constexpr const char* kObjdump = "riscv64-linux-gnu-objdump";
constexpr const char* kGcc = "riscv64-linux-gnu-gcc";

std::filesystem::path scratch_dir(const char* tag) {
  auto dir =
      std::filesystem::temp_directory_path() / fmt::format("strata-rv64-{}-{}", tag, getpid());
  std::filesystem::create_directories(dir);
  return dir;
}

// Encodings objdump 2.40 rejects but the spec tells an implementation to accept (the fields are
// reserved for future use and "shall be ignored"), so the decoder decodes them on purpose.
bool accepted_by_spec_only(const DecodedInsn& d) {
  if (d.length != 4) return false;
  const uint32_t w = d.raw;
  if (d.op == Opcode::Fence) {
    const bool tso = (w >> 20) == 0x833;
    const bool plain = ((w >> 28) & 15) == 0 && ((w >> 7) & 0x1f) == 0 && ((w >> 15) & 0x1f) == 0;
    return !tso && !plain;
  }
  if (d.op == Opcode::FenceI) return w != 0x0000100f;
  // fcvt.d.w / fcvt.d.wu / fcvt.d.s are exact: rm does not matter, but objdump only knows rm=0.
  if (op_info(d.op).flags & kExact) return d.rm != 0;
  return false;
}

// The reverse: encodings objdump 2.40 prints as instructions that are reserved by the spec or
// outside RV64GC + the privileged instructions we decode.
bool rejected_by_spec_only(const DecodedInsn& d) {
  if (d.length == 2) return d.raw == 0x6101;          // c.addi16sp with nzimm = 0 is reserved
  return d.raw == 0x00200073 || d.raw == 0x7b200073;  // uret (withdrawn N extension), dret (debug)
}

struct Tally {
  int agree = 0;  // same text (both accept) or both reject
  int both_reject = 0;
  int spec_only = 0;  // accepted (or rejected) by us as the spec demands, unlike objdump
  std::vector<std::string> mismatches;

  void compare(const DecodedInsn& d, uint64_t address, const std::string& theirs) {
    const std::string ours = disassemble(d, address);
    const bool they_reject = test::objdump_rejects(theirs);
    if (d.op == Opcode::Illegal && they_reject) {
      ++agree;
      ++both_reject;
    } else if ((they_reject && accepted_by_spec_only(d)) ||
               (!they_reject && rejected_by_spec_only(d))) {
      ++spec_only;
    } else if (ours == theirs) {
      ++agree;
    } else {
      mismatches.push_back(fmt::format("{:#x}: {:0{}x}  objdump [{}]  ours [{}]", address, d.raw,
                                       d.length * 2, theirs, ours));
    }
  }
  void report(const char* what) const {
    const int total = agree + spec_only + static_cast<int>(mismatches.size());
    std::printf(
        "[ objdump ] %s: %d instructions, %d agree (%.3f%%), %d both-reject, %d spec-mandated "
        "differences, "
        "%zu mismatches\n",
        what, total, agree, total ? 100.0 * agree / (total - spec_only) : 0.0, both_reject,
        spec_only, mismatches.size());
    // A few of each kind: the first word of objdump's text names the kind.
    std::map<std::string, int> shown;
    for (const std::string& m : mismatches) {
      const size_t open = m.find('[');
      const std::string kind = m.substr(open + 1, m.find_first_of("\t]", open) - open - 1);
      if (++shown[kind] <= 3) std::printf("  %s\n", m.c_str());
    }
  }
};

// Every 32-bit major opcode (bits 4:2 != 111, which would start a longer instruction): those of
// RV64GC and the custom/vector/reserved ones, which must be rejected.
constexpr uint32_t kMajors[] = {0x03, 0x07, 0x0b, 0x0f, 0x13, 0x17, 0x1b, 0x23, 0x27, 0x2b,
                                0x2f, 0x33, 0x37, 0x3b, 0x43, 0x47, 0x4b, 0x4f, 0x53, 0x57,
                                0x5b, 0x63, 0x67, 0x6b, 0x6f, 0x73, 0x77, 0x7b};

// A random word for a major opcode, with the function fields drawn mostly from valid values so
// that every opcode is hit many times.
uint32_t random_word(std::mt19937& rng, uint32_t major) {
  uint32_t w = (rng() & ~0x7fu) | major;
  const uint32_t pick = rng() % 8;
  auto set = [&w](int lo, int width, uint32_t v) {
    const uint32_t mask = ((1u << width) - 1) << lo;
    w = (w & ~mask) | ((v << lo) & mask);
  };
  // Immediates that select aliases (li, mv, not, seqz, zext.b, sext.w, ret, ...).
  if (rng() % 4 == 0) set(20, 12, (const uint32_t[]){0, 1, 0xfff, 255, 0x7ff, 0x800}[rng() % 6]);
  if (rng() % 4 == 0) set(15 + 5 * (rng() % 2), 5, rng() % 2);
  switch (major) {
    case 0x13:
    case 0x1b:
    case 0x33:
    case 0x3b:
      if (pick < 6) set(25, 7, (const uint32_t[]){0, 1, 0x20, 0, 0x20, 1}[pick]);
      if (major == 0x13 && pick < 3) set(26, 6, pick == 2 ? 0x10 : 0);
      break;
    case 0x2f:
      if (pick < 7) set(12, 3, 2 + (pick & 1));
      if (pick < 2) set(20, 5, 0);
      break;
    case 0x53: {
      static constexpr uint32_t kF7[] = {0x00, 0x04, 0x08, 0x0c, 0x2c, 0x10, 0x14,
                                         0x20, 0x50, 0x60, 0x68, 0x70, 0x78};
      if (pick < 7) set(26, 6, kF7[rng() % std::size(kF7)] >> 1);
      if (pick < 6) set(25, 1, rng() & 1);
      if (pick < 4) set(20, 5, rng() % 4);
      if (pick < 2) set(12, 3, rng() % 3);
      break;
    }
    case 0x43:
    case 0x47:
    case 0x4b:
    case 0x4f:
      if (pick < 6) set(26, 1, 0);
      break;
    case 0x0f:
      if (pick < 5) set(7, 5, 0), set(15, 5, 0), set(28, 4, pick == 0 ? 8 : 0);
      if (pick == 4) set(20, 12, 0);
      break;
    case 0x73:
      if (pick < 2)
        set(12, 3, 0), set(25, 7, 9), set(7, 5, 0);
      else if (pick < 4)
        set(20, 12, rng() % 2 ? rng() % 4 : 0xc00 + rng() % 4);
      break;
    case 0x67:
      if (pick < 6) set(12, 3, 0);
      if (pick < 3) set(20, 12, pick == 0 ? 0 : rng() % 8);
      if (pick == 1) set(7, 5, rng() % 2);
      break;
    case 0x63:
      if (pick < 4) set(pick < 2 ? 15 : 20, 5, 0);
      break;
    default: break;
  }
  return w;
}

// The size and seed can be raised for a longer soak: STRATA_RV64_FUZZ_WORDS (per major opcode,
// default 4000) and STRATA_RV64_FUZZ_SEED.
unsigned env_or(const char* name, unsigned fallback) {
  const char* v = std::getenv(name);
  return v != nullptr ? static_cast<unsigned>(std::strtoul(v, nullptr, 0)) : fallback;
}

std::vector<uint8_t> make_blob(std::vector<uint32_t>* words) {
  std::mt19937 rng(env_or("STRATA_RV64_FUZZ_SEED", 20261126));
  const unsigned per_major = env_or("STRATA_RV64_FUZZ_WORDS", 4000);
  for (uint32_t major : kMajors)
    for (unsigned i = 0; i < per_major; ++i) words->push_back(random_word(rng, major));
  // Exact encodings random fields rarely produce.
  for (uint32_t w : {0x00000073u, 0x00100073u, 0x10200073u, 0x30200073u, 0x10500073u, 0x12000073u,
                     0xc0001073u, 0x0ff0000fu, 0x8330000fu, 0x0000100fu, 0x00000013u, 0x00008067u})
    words->push_back(w);
  std::vector<uint8_t> blob;
  for (uint32_t w : *words)
    for (int b = 0; b < 4; ++b) blob.push_back(static_cast<uint8_t>(w >> (8 * b)));
  // Then every compressed parcel.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 3) == 3) continue;
    blob.push_back(static_cast<uint8_t>(h));
    blob.push_back(static_cast<uint8_t>(h >> 8));
  }
  return blob;
}

TEST(Rv64Objdump, GeneratedBlobMatchesObjdump) {
  if (test::find_program(kObjdump).empty())
    GTEST_SKIP() << kObjdump << " not found (run tools/setup.sh)";
  std::vector<uint32_t> words;
  const std::vector<uint8_t> blob = make_blob(&words);
  const auto dir = scratch_dir("blob");
  const auto bin = dir / "blob.bin";
  std::ofstream(bin, std::ios::binary)
      .write(reinterpret_cast<const char*>(blob.data()), blob.size());
  int status = 0;
  const std::string out = test::run_shell(
      fmt::format("{} -D -b binary -m riscv:rv64 '{}'", kObjdump, bin.string()), &status);
  ASSERT_EQ(status, 0);
  const std::vector<ObjdumpLine> lines = test::parse_objdump(out);

  Tally tally;
  std::map<Opcode, int> seen;
  size_t offset = 0;
  for (const ObjdumpLine& l : lines) {
    ASSERT_EQ(l.address, offset) << "objdump and the blob are out of step";
    uint32_t raw = blob[offset] | blob[offset + 1] << 8;
    const int len = insn_length(static_cast<uint16_t>(raw));
    ASSERT_EQ(len, l.length) << fmt::format("at {:#x}", offset);
    if (len == 4)
      raw |= static_cast<uint32_t>(blob[offset + 2]) << 16 | static_cast<uint32_t>(blob[offset + 3])
                                                                 << 24;
    const DecodedInsn d = decode(raw);
    ++seen[d.op];
    tally.compare(d, offset, l.text);
    offset += len;
  }
  EXPECT_EQ(offset, blob.size());
  tally.report("generated blob");
  EXPECT_TRUE(tally.mismatches.empty());
  // Every opcode of the table was exercised.
  for (int op = 1; op < kOpcodeCount; ++op)
    EXPECT_GT(seen[static_cast<Opcode>(op)], 0) << op_info(static_cast<Opcode>(op)).mnemonic;
  std::filesystem::remove_all(dir);
}

// A C program that touches integer, floating-point, atomic and CSR code paths; linked
// statically, so glibc's hand-written assembly is part of the text too.
constexpr const char* kProgram = R"(
#include <fenv.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
static _Atomic long counter;
double poly(double x, int n) {
  double s = 0;
  for (int i = 0; i < n; i++) s = s * x + i / 3.0;
  return s;
}
float mix(float a, float b) { return fmaf(a, b, a - b) / sqrtf(fabsf(b) + 1.0f); }
unsigned long hash(const char* s) {
  unsigned long h = 5381;
  while (*s) h = h * 33 ^ (unsigned char)*s++;
  return h;
}
int cmp(const void* a, const void* b) { return *(const int*)a - *(const int*)b; }
int main(int argc, char** argv) {
  int v[64];
  for (int i = 0; i < 64; i++) v[i] = (i * 7919) % 97 - argc;
  qsort(v, 64, sizeof v[0], cmp);
  atomic_fetch_add(&counter, v[3]);
  fesetround(FE_TOWARDZERO);
  long r = lrint(poly(1.5, argc + 10)) + (long)mix(2.5f, (float)argc);
  char buf[128];
  snprintf(buf, sizeof buf, "%ld %lu %g", r, hash(argv[0]), exp(log(3.0) * argc));
  puts(buf);
  return (int)(atomic_load(&counter) + (long)strlen(buf)) & 1;
}
)";

// Disassembles every executable section of an ELF file with objdump -d and compares line by line.
void compare_real_code(const std::filesystem::path& elf, const char* what) {
  int status = 0;
  const std::string out =
      test::run_shell(fmt::format("{} -d '{}'", kObjdump, elf.string()), &status);
  ASSERT_EQ(status, 0);
  const std::vector<ObjdumpLine> lines = test::parse_objdump(out);
  ASSERT_GT(lines.size(), 10000u);
  Tally tally;
  int compressed = 0;
  for (const ObjdumpLine& l : lines) {
    ASSERT_EQ(insn_length(static_cast<uint16_t>(l.bits)), l.length)
        << fmt::format("at {:#x}", l.address);
    const DecodedInsn d = decode(l.bits);
    compressed += d.length == 2;
    tally.compare(d, l.address, l.text);
  }
  tally.report(what);
  std::printf("[ objdump ] %s: %.1f%% compressed\n", what, 100.0 * compressed / lines.size());
  EXPECT_TRUE(tally.mismatches.empty());
}

TEST(Rv64Objdump, StaticBinaryMatchesObjdump) {
  if (test::find_program(kObjdump).empty())
    GTEST_SKIP() << kObjdump << " not found (run tools/setup.sh)";
  if (test::find_program(kGcc).empty()) GTEST_SKIP() << kGcc << " not found (run tools/setup.sh)";
  const auto dir = scratch_dir("static");
  std::ofstream(dir / "prog.c") << kProgram;
  int status = 0;
  const std::string log = test::run_shell(
      fmt::format("cd '{}' && {} -O2 -static -o prog prog.c -lm 2>&1", dir.string(), kGcc),
      &status);
  ASSERT_EQ(status, 0) << log;
  compare_real_code(dir / "prog", "static binary");
  std::filesystem::remove_all(dir);
}

TEST(Rv64Objdump, CrossLibcMatchesObjdump) {
  if (test::find_program(kObjdump).empty())
    GTEST_SKIP() << kObjdump << " not found (run tools/setup.sh)";
  const std::filesystem::path libc = "/usr/riscv64-linux-gnu/lib/libc.so.6";
  if (!std::filesystem::exists(libc)) GTEST_SKIP() << libc << " not found (libc6-riscv64-cross)";
  compare_real_code(libc, "libc.so.6");
}

}  // namespace
}  // namespace strata::isa::rv64
