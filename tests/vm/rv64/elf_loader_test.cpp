// The load plan of real riscv64 binaries, checked against riscv64-linux-gnu-readelf.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/vm/rv64/rv64_test_util.hpp"
#include "vm/rv64/elf_loader.hpp"

namespace strata::vm::rv64 {
namespace {

using test::build_hello;
using test::capture;

struct RefSegment {
  uint64_t offset, vaddr, filesz, memsz;
  uint32_t perms;
};

struct RefElf {
  bool is_dyn = false;
  uint64_t entry = 0;
  uint64_t phnum = 0;
  std::vector<RefSegment> loads;
  std::string interp;
};

// Parses `readelf -lhW` output.
RefElf readelf(const std::string& path) {
  RefElf r;
  std::istringstream in(capture(std::string(test::kReadelf) + " -lhW " + path));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string first;
    ls >> first;
    if (first == "Type:") {
      std::string t;
      ls >> t;
      r.is_dyn = t == "DYN";
    } else if (line.find("Entry point address:") != std::string::npos) {
      r.entry = std::stoull(line.substr(line.find("0x")), nullptr, 16);
    } else if (line.find("Number of program headers:") != std::string::npos) {
      r.phnum = std::stoull(line.substr(line.find(':') + 1));
    } else if (first == "LOAD") {
      std::string off, va, pa, fs, ms, tok;
      ls >> off >> va >> pa >> fs >> ms;
      RefSegment s{std::stoull(off, nullptr, 16), std::stoull(va, nullptr, 16),
                   std::stoull(fs, nullptr, 16), std::stoull(ms, nullptr, 16), 0};
      while (ls >> tok && tok.rfind("0x", 0) != 0)
        for (char c : tok)
          s.perms |= c == 'R' ? kPermRead : c == 'W' ? kPermWrite : c == 'E' ? kPermExec : 0;
      r.loads.push_back(s);
    } else if (line.find("Requesting program interpreter: ") != std::string::npos) {
      size_t b = line.find(": ") + 2;
      r.interp = line.substr(b, line.find(']') - b);
    }
  }
  return r;
}

// Every field of `img` agrees with readelf's view of `path`.
void expect_matches(const ElfImage& img, const std::string& path,
                    const std::vector<uint8_t>& file) {
  RefElf ref = readelf(path);
  ASSERT_FALSE(ref.loads.empty()) << "readelf gave no LOAD lines for " << path;
  EXPECT_EQ(img.is_dyn, ref.is_dyn);
  EXPECT_EQ(img.entry, ref.entry + img.bias);
  EXPECT_EQ(img.phnum, ref.phnum);
  EXPECT_EQ(img.phent, 56);
  EXPECT_EQ(img.interp, ref.interp);
  ASSERT_EQ(img.segments.size(), ref.loads.size());
  uint64_t end = 0;
  for (size_t i = 0; i < ref.loads.size(); ++i) {
    const Segment& s = img.segments[i];
    const RefSegment& r = ref.loads[i];
    EXPECT_EQ(s.vaddr, r.vaddr + img.bias) << i;
    EXPECT_EQ(s.bytes.size(), r.filesz) << i;
    EXPECT_EQ(s.memsz, r.memsz) << i;
    EXPECT_EQ(s.perms, r.perms) << i;
    EXPECT_TRUE(std::equal(s.bytes.begin(), s.bytes.end(), file.begin() + r.offset)) << i;
    end = std::max(end, s.vaddr + s.memsz);
  }
  EXPECT_EQ(img.brk_start, (end + 4095) & ~uint64_t{4095});
  EXPECT_NE(img.phdr_addr, 0u);
}

class ElfLoaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!test::have_tool(test::kCrossGcc) || !test::have_tool(test::kReadelf))
      GTEST_SKIP() << "riscv64-linux-gnu-gcc / readelf not installed";
  }
};

TEST_F(ElfLoaderTest, StaticExecutable) {
  std::string path = build_hello("static", "-static");
  ASSERT_FALSE(path.empty()) << "cross compile failed (is libc6-dev-riscv64-cross installed?)";
  auto file = read_host_file(path);
  ASSERT_TRUE(file) << file.error().message;
  auto plan = plan_load(*file, LoadOptions{});
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_FALSE(plan->exe.is_dyn);
  EXPECT_EQ(plan->exe.bias, 0u);
  EXPECT_FALSE(plan->interp.has_value());
  EXPECT_EQ(plan->start_pc, plan->exe.entry);
  EXPECT_EQ(plan->at_base, 0u);
  EXPECT_EQ(plan->brk_start, plan->exe.brk_start);
  expect_matches(plan->exe, path, *file);
}

void check_static_pie(const std::string& path) {
  auto file = read_host_file(path);
  ASSERT_TRUE(file) << file.error().message;
  LoadOptions opts;
  auto plan = plan_load(*file, opts);
  ASSERT_TRUE(plan) << plan.error().message;
  EXPECT_TRUE(plan->exe.is_dyn);
  EXPECT_EQ(plan->exe.lowest, opts.pie_base);
  EXPECT_EQ(plan->exe.bias, opts.pie_base);  // linked at 0
  EXPECT_FALSE(plan->interp.has_value());
  EXPECT_EQ(plan->start_pc, plan->exe.entry);
  expect_matches(plan->exe, path, *file);

  opts.pie_base = 0x200000;  // another base moves everything by the difference
  auto moved = plan_load(*file, opts);
  ASSERT_TRUE(moved) << moved.error().message;
  EXPECT_EQ(moved->exe.entry - plan->exe.entry, 0x200000u - 0x10000u);
  EXPECT_EQ(moved->exe.phdr_addr - plan->exe.phdr_addr, 0x200000u - 0x10000u);
}

TEST_F(ElfLoaderTest, FreestandingStaticPieIsPlacedAtPieBase) {
  std::string path = test::build_c("static_pie_fs",
                                   "-static-pie -nostdlib -fPIE "
                                   "-Wl,--no-dynamic-linker",
                                   test::kFreestandingC);
  ASSERT_FALSE(path.empty()) << "cross compile failed";
  check_static_pie(path);
}

TEST_F(ElfLoaderTest, GlibcStaticPieIsPlacedAtPieBase) {
  // Only where the cross libc supports it (Debian 12's ships no rcrt1.o).
  std::string glibc = build_hello("static_pie", "-static-pie");
  if (glibc.empty()) GTEST_SKIP() << "glibc -static-pie does not link here (no rcrt1.o)";
  check_static_pie(glibc);
}

TEST_F(ElfLoaderTest, DynamicWithoutSysrootIsAClearError) {
  std::string path = build_hello("dynamic", "");
  ASSERT_FALSE(path.empty()) << "cross compile failed";
  auto file = read_host_file(path);
  ASSERT_TRUE(file);
  auto plan = plan_load(*file, LoadOptions{});
  ASSERT_FALSE(plan);
  EXPECT_EQ(plan.error().message,
            "dynamically linked (interpreter /lib/ld-linux-riscv64-lp64d.so.1): give --sysroot "
            "DIR");
  // The image itself still parses, and names the interpreter readelf reports.
  auto img = parse_elf(*file, 0x10000);
  ASSERT_TRUE(img) << img.error().message;
  expect_matches(*img, path, *file);
}

TEST_F(ElfLoaderTest, DynamicWithSysrootLoadsTheInterpreter) {
  std::string path = build_hello("dynamic", "");
  ASSERT_FALSE(path.empty()) << "cross compile failed";
  auto file = read_host_file(path);
  ASSERT_TRUE(file);
  LoadOptions opts;
  opts.sysroot = test::kSysroot;
  auto plan = plan_load(*file, opts);
  ASSERT_TRUE(plan) << plan.error().message;
  ASSERT_TRUE(plan->interp.has_value());
  EXPECT_EQ(plan->at_base, opts.interp_base);
  EXPECT_EQ(plan->start_pc, plan->interp->entry);
  EXPECT_TRUE(plan->interp->interp.empty());
  std::string ld = std::string(test::kSysroot) + plan->exe.interp;
  auto ld_file = read_host_file(ld);
  ASSERT_TRUE(ld_file) << ld_file.error().message;
  expect_matches(plan->exe, path, *file);
  expect_matches(*plan->interp, ld, *ld_file);

  opts.sysroot = "/nonexistent-sysroot";
  auto missing = plan_load(*file, opts);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("cannot open"), std::string::npos);
}

}  // namespace
}  // namespace strata::vm::rv64
