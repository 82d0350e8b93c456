// Process::create: a real static glibc program placed in guest memory, the initial stack and
// registers, the layout, and the load errors.
#include <gtest/gtest.h>

#include "tests/vm/rv64/process_test_util.hpp"
#include "vm/rv64/elf_loader.hpp"
#include "vm/rv64/initial_stack.hpp"

namespace strata::vm::rv64::test {
namespace {

class ProcessLoadTest : public ProcessTest {
 protected:
  const std::string& program() override { return static_hello(); }

  ElfImage parsed() {
    auto bytes = read_host_file(program());
    EXPECT_TRUE(bytes);
    auto image = parse_elf(*bytes, 0x10000);
    EXPECT_TRUE(image) << image.error().message;
    return *image;
  }
};

TEST_F(ProcessLoadTest, SegmentsAreCopiedWithBssZeroAndPermissions) {
  const ElfImage image = parsed();
  ASSERT_FALSE(image.segments.empty());
  bool saw_exec = false, saw_write = false;
  for (const Segment& s : image.segments) {
    EXPECT_EQ(get(s.vaddr, s.bytes.size()), std::string(s.bytes.begin(), s.bytes.end()))
        << std::hex << s.vaddr;
    const std::string bss = get(s.vaddr + s.bytes.size(), s.memsz - s.bytes.size());
    EXPECT_EQ(bss, std::string(bss.size(), '\0'));
    for (uint64_t a = s.vaddr; a < s.vaddr + s.memsz; a += kPageSize)
      EXPECT_EQ(mem_->perms_at(a) & s.perms, s.perms) << std::hex << a;
    saw_exec |= (s.perms & kPermExec) != 0;
    saw_write |= (s.perms & kPermWrite) != 0;
  }
  EXPECT_TRUE(saw_exec && saw_write);
  // The text is not writable unless it shares a page with data.
  EXPECT_EQ(mem_->perms_at(image.entry), kPermRead | kPermExec);
  EXPECT_EQ(mem_->perms_at(image.segments.front().vaddr - kPageSize), 0u);
}

TEST_F(ProcessLoadTest, PcIsTheElfEntry) {
  const ElfImage image = parsed();
  EXPECT_EQ(proc_->entry_pc(), image.entry);
  EXPECT_EQ(mem_->state(state::kPc), image.entry);
}

TEST_F(ProcessLoadTest, InitialStackHoldsArgcArgvEnvpAndAuxv) {
  const uint64_t sp = mem_->x(2);
  const ProcessLayout& l = proc_->layout();
  EXPECT_EQ(sp % 16, 0u);
  EXPECT_GE(sp, l.stack_bottom);
  EXPECT_LT(sp, l.stack_top);
  EXPECT_EQ(get_as<uint64_t>(sp), 3u);
  std::string s;
  ASSERT_TRUE(mem_->read_cstring(get_as<uint64_t>(sp + 8), &s));
  EXPECT_EQ(s, program());
  ASSERT_TRUE(mem_->read_cstring(get_as<uint64_t>(sp + 16), &s));
  EXPECT_EQ(s, "one");
  ASSERT_TRUE(mem_->read_cstring(get_as<uint64_t>(sp + 24), &s));
  EXPECT_EQ(s, "two");
  EXPECT_EQ(get_as<uint64_t>(sp + 32), 0u);
  ASSERT_TRUE(mem_->read_cstring(get_as<uint64_t>(sp + 40), &s));
  EXPECT_EQ(s, "STRATA_TEST=1");
  EXPECT_EQ(get_as<uint64_t>(sp + 56), 0u);
  // auxv: AT_ENTRY is the ELF entry, AT_BASE 0 for a static program.
  uint64_t entry = 0, base = 1, pagesz = 0;
  for (uint64_t a = sp + 64; get_as<uint64_t>(a) != kAtNull; a += 16) {
    const uint64_t type = get_as<uint64_t>(a), value = get_as<uint64_t>(a + 8);
    if (type == kAtEntry) entry = value;
    if (type == kAtBase) base = value;
    if (type == kAtPagesz) pagesz = value;
  }
  EXPECT_EQ(entry, parsed().entry);
  EXPECT_EQ(base, 0u);
  EXPECT_EQ(pagesz, kPageSize);
}

TEST_F(ProcessLoadTest, RegistersOtherThanSpAreZero) {
  for (unsigned i = 0; i < 32; ++i) {
    if (i == 2) continue;
    EXPECT_EQ(mem_->x(i), 0u) << "x" << i;
  }
  EXPECT_EQ(mem_->state(state::kFcsr), 0u);
}

TEST_F(ProcessLoadTest, LayoutKeepsRegionsApartAndInsideTheSpace) {
  const ProcessLayout& l = proc_->layout();
  const ElfImage image = parsed();
  EXPECT_EQ(l.brk_start, image.brk_start);
  EXPECT_GT(l.brk_max, l.brk_start);
  EXPECT_LE(l.brk_max, l.mmap_floor);
  EXPECT_LT(l.mmap_floor, l.mmap_ceiling);
  EXPECT_LT(l.mmap_ceiling, l.stack_bottom);
  EXPECT_EQ(l.stack_top - l.stack_bottom, 8u << 20);
  EXPECT_LE(l.stack_top + kPageSize, mem_->top());
  EXPECT_EQ(mem_->perms_at(l.stack_bottom), kPermRead | kPermWrite);
  EXPECT_EQ(mem_->perms_at(l.stack_top - 1), kPermRead | kPermWrite);
  EXPECT_EQ(mem_->perms_at(l.stack_top), 0u);
  EXPECT_EQ(mem_->perms_at(l.stack_bottom - 1), 0u);
}

class ProcessCreateErrors : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(linear_.init(64 << 20, 64 << 20)); }
  Result<std::unique_ptr<Process>> create(const std::string& path, const std::string& sysroot) {
    GuestMemory mem(linear_);
    ProcessOptions o;
    o.path = path;
    o.argv = {path};
    o.sysroot = sysroot;
    return Process::create(mem, o);
  }
  LinearMemory linear_;
};

TEST_F(ProcessCreateErrors, MissingFileNamesIt) {
  auto r = create("/nonexistent/strata/prog", "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("/nonexistent/strata/prog"), std::string::npos);
}

TEST_F(ProcessCreateErrors, NotAnElfIsRefusedNamingTheFile) {
  const std::string path = scratch_dir() + "/not_elf";
  {
    std::ofstream f(path);
    f << "#!/bin/sh\necho hi\n";
  }
  auto r = create(path, "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
}

TEST_F(ProcessCreateErrors, DynamicWithoutSysrootIsRefused) {
  if (!have_tool(kCrossGcc)) GTEST_SKIP();
  const std::string path = build_c("proc_dyn", "");
  ASSERT_FALSE(path.empty());
  auto r = create(path, "");
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find(path), std::string::npos) << r.error().message;
}

TEST_F(ProcessCreateErrors, SpaceTooSmallIsRefused) {
  if (!have_tool(kCrossGcc)) GTEST_SKIP();
  LinearMemory tiny;
  ASSERT_TRUE(tiny.init(4 << 20, 4 << 20));
  GuestMemory mem(tiny);
  ProcessOptions o;
  o.path = static_hello();
  o.argv = {o.path};
  auto r = Process::create(mem, o);
  ASSERT_FALSE(r);
  EXPECT_NE(r.error().message.find("too small"), std::string::npos) << r.error().message;
}

TEST_F(ProcessCreateErrors, DynamicWithSysrootStartsInTheInterpreter) {
  if (!have_tool(kCrossGcc) || access(kSysroot, R_OK) != 0) GTEST_SKIP();
  const std::string path = build_c("proc_dyn2", "");
  ASSERT_FALSE(path.empty());
  GuestMemory mem(linear_);
  ProcessOptions o;
  o.path = path;
  o.argv = {path};
  o.sysroot = kSysroot;
  auto r = Process::create(mem, o);
  ASSERT_TRUE(r) << r.error().message;
  const uint64_t pc = (*r)->entry_pc();
  // ld.so goes to a quarter of this small space, and starts there.
  const uint64_t interp_base = (mem.top() / 4) & ~(kPageSize - 1);
  EXPECT_GE(pc, interp_base);
  EXPECT_LT(pc, (*r)->layout().mmap_ceiling);
  EXPECT_EQ(mem.perms_at(pc), kPermRead | kPermExec);
  EXPECT_LE((*r)->layout().brk_max, interp_base);
  // AT_BASE names the interpreter.
  const uint64_t sp = mem.x(2);
  uint64_t a = sp + 8 * (1 + 2 + 1);  // argc, argv[0], NULL, envp NULL
  uint64_t base = 0;
  for (uint64_t t; mem.read(a, &t, 8) && t != kAtNull; a += 16)
    if (t == kAtBase) mem.read(a + 8, &base, 8);
  EXPECT_EQ(base, interp_base);
}

}  // namespace
}  // namespace strata::vm::rv64::test
