#include "jit/asmjit_install.hpp"

#include <gtest/gtest.h>

#include <asmjit/x86.h>

#include "jit/compile_timer.hpp"

namespace strata::jit {
namespace {

namespace x86 = asmjit::x86;

std::unique_ptr<CodeCache> make_cache() {
  auto c = CodeCache::create({.capacity_bytes = 1 << 20});
  EXPECT_TRUE(c) << c.error().message;
  return c ? std::move(*c) : nullptr;
}

TEST(AsmjitInstall, LeaAddsItsArguments) {
  auto cache = make_cache();
  CompileTimer timer;
  asmjit::CodeHolder code;
  ASSERT_EQ(code.init(asmjit::Environment::host()), asmjit::kErrorOk);
  x86::Assembler a(&code);
  a.lea(x86::rax, x86::ptr(x86::rdi, x86::rsi));
  a.ret();
  auto e = install_asmjit(*cache, {1, 0x100}, code, timer.elapsed_ns());
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->size, 5u);  // 48 8D 04 37 C3
  auto* add = cache->lookup(1, 0x100).as<int64_t(int64_t, int64_t)>();
  ASSERT_NE(add, nullptr);
  EXPECT_EQ(add(2, 40), 42);
  EXPECT_EQ(add(-7, 7), 0);
  EXPECT_EQ(cache->stats().translations, 1u);
}

TEST(AsmjitInstall, ForwardLabelsAndADataSection) {
  auto cache = make_cache();
  asmjit::CodeHolder code;
  ASSERT_EQ(code.init(asmjit::Environment::host()), asmjit::kErrorOk);
  asmjit::Section* data = nullptr;
  ASSERT_EQ(code.newSection(&data, ".data", SIZE_MAX, asmjit::SectionFlags::kNone, 8),
            asmjit::kErrorOk);
  x86::Assembler a(&code);
  asmjit::Label constant = a.newLabel();
  asmjit::Label negative = a.newLabel();
  // rdi < 0 ? -1 : rdi + [constant]
  a.test(x86::rdi, x86::rdi);
  a.js(negative);                       // forward: resolved when bound
  a.mov(x86::rax, x86::ptr(constant));  // rip-relative into the other section
  a.add(x86::rax, x86::rdi);
  a.ret();
  a.bind(negative);
  a.mov(x86::rax, -1);
  a.ret();
  a.section(data);
  a.bind(constant);
  a.embedUInt64(1000);

  auto e = install_asmjit(*cache, {1, 0x200}, code);
  ASSERT_TRUE(e) << e.error().message;
  auto* f = e->as<int64_t(int64_t)>();
  EXPECT_EQ(f(5), 1005);
  EXPECT_EQ(f(-5), -1);
}

int64_t host_double(int64_t x) {
  return 2 * x;
}

TEST(AsmjitInstall, CallsAHostFunctionFarAway) {
  auto cache = make_cache();
  asmjit::CodeHolder code;
  ASSERT_EQ(code.init(asmjit::Environment::host()), asmjit::kErrorOk);
  x86::Assembler a(&code);
  // The cache is mmap'ed far from the executable's text: the call goes through asmjit's
  // address table, which must be copied with the code.
  a.sub(x86::rsp, 8);
  a.call(asmjit::imm(reinterpret_cast<uint64_t>(&host_double)));
  a.add(x86::rsp, 8);
  a.add(x86::rax, 1);
  a.ret();
  auto e = install_asmjit(*cache, {2, 0}, code);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->as<int64_t(int64_t)>()(20), 41);
}

TEST(AsmjitInstall, RejectsAnUninitializedHolder) {
  auto cache = make_cache();
  asmjit::CodeHolder code;
  auto e = install_asmjit(*cache, {1, 1}, code);
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("does not target the host"), std::string::npos);
  EXPECT_EQ(cache->stats().translations, 0u);
}

TEST(AsmjitInstall, ARefusedHolderCanBeInstalledLater) {
  auto made = CodeCache::create({.capacity_bytes = 2 * 4096, .chunk_bytes = 4096});
  ASSERT_TRUE(made);
  CodeCache& cache = **made;
  CodeCache::Executor ex = cache.register_executor();
  const std::byte ret[] = {std::byte{0xC3}};
  for (uint64_t pc = 0; pc < 512; ++pc) ASSERT_TRUE(cache.install({9, pc}, ret));

  asmjit::CodeHolder code;
  ASSERT_EQ(code.init(asmjit::Environment::host()), asmjit::kErrorOk);
  x86::Assembler a(&code);
  asmjit::Label skip = a.newLabel();
  a.mov(x86::rax, x86::rdi);
  a.jmp(skip);  // an unresolved link at the time of the first attempt
  a.int3();
  a.bind(skip);
  a.imul(x86::rax, x86::rax);
  a.ret();
  auto busy = install_asmjit(cache, {4, 0}, code);
  ASSERT_FALSE(busy);  // both chunks full, the oldest not yet reclaimable
  EXPECT_NE(busy.error().message.find("busy"), std::string::npos) << busy.error().message;
  ex.quiescent();
  auto e = install_asmjit(cache, {4, 0}, code);
  ASSERT_TRUE(e) << e.error().message;
  EXPECT_EQ(e->as<int64_t(int64_t)>()(-9), 81);
}

TEST(AsmjitInstall, ManySmallFunctionsReportTheirCost) {
  // Not a timed test: it checks that the statistics are filled and prints the figures.
  auto cache = make_cache();
  for (int i = 0; i < 2000; ++i) {
    CompileTimer timer;
    asmjit::CodeHolder code;
    code.init(asmjit::Environment::host());
    x86::Assembler a(&code);
    a.mov(x86::eax, i);
    a.add(x86::rax, x86::rdi);
    a.ret();
    ASSERT_TRUE(install_asmjit(*cache, {3, static_cast<uint64_t>(i)}, code, timer.elapsed_ns()));
  }
  EXPECT_EQ(cache->lookup(3, 1234).as<int64_t(int64_t)>()(1), 1235);
  CacheStats s = cache->stats();
  EXPECT_EQ(s.translations, 2000u);
  EXPECT_GT(s.translate_mean_us, 0.0);
  EXPECT_GE(s.translate_p99_us, s.install_p99_us);
  std::printf("%s", cache->format_stats().c_str());
}

}  // namespace
}  // namespace strata::jit
