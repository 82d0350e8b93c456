// The embedded .sasm modules run: a test module imports their exports (resolved like the CLI
// does: natives first, then the stdlib's SVI module of that name) and the results are compared
// with C++ references.
#include <gtest/gtest.h>

#include <sys/mman.h>
#include <unistd.h>
#include <algorithm>
#include <random>

#include "assembler/assembler.hpp"
#include "stdlib/stdlib.hpp"
#include "vm/heap.hpp"
#include "vm/program.hpp"

namespace strata::stdlib {
namespace {

constexpr std::string_view kCaller = R"(
.module caller
.import "std.array" sort_i(ref)
.import "std.array" sort_f(ref)
.import "std.array" reverse(ref)
.import "std.str" repeat(ref, i64) -> ref
.import "std.str" join(ref, ref) -> ref
.import "std.fmt" pad_left(ref, i64, i64) -> ref
.import "std.fmt" pad_right(ref, i64, i64) -> ref

.func do_sort_i(%a: ref) export
  callh sort_i(%a)
  retv
.end
.func do_sort_f(%a: ref) export
  callh sort_f(%a)
  retv
.end
.func do_reverse(%a: ref) export
  callh reverse(%a)
  retv
.end
.func do_repeat(%s: ref, %n: i64) -> ref export
  .reg %r: ref
  callh %r, repeat(%s, %n)
  ret %r
.end
.func do_join(%a: ref, %sep: ref) -> ref export
  .reg %r: ref
  callh %r, join(%a, %sep)
  ret %r
.end
.func do_pad_left(%s: ref, %w: i64, %c: i64) -> ref export
  .reg %r: ref
  callh %r, pad_left(%s, %w, %c)
  ret %r
.end
.func do_pad_right(%s: ref, %w: i64, %c: i64) -> ref export
  .reg %r: ref
  callh %r, pad_right(%s, %w, %c)
  ret %r
.end
)";

class StdSasmRun : public ::testing::Test {
 protected:
  void SetUp() override {
    vm::heap_init();
    auto mod = as::assemble(kCaller, "caller.sasm");
    ASSERT_TRUE(mod.has_value()) << mod.error().message;
    vm::LoadOptions opts;
    opts.natives = natives();
    opts.resolver = [](std::string_view name, std::string_view) -> Result<isa::Module> {
      auto src = sasm_source(name);
      if (!src) return fail("no stdlib module {}", name);
      return as::assemble(*src, std::string(name) + ".sasm");
    };
    out_fd_ = memfd_create("out", MFD_CLOEXEC);
    opts.out_fd = opts.err_fd = out_fd_;
    auto p = vm::Program::load_library(std::move(*mod), std::move(opts));
    ASSERT_TRUE(p.has_value()) << p.error().message;
    program_ = std::move(*p);
  }
  void TearDown() override { ::close(out_fd_); }

  // Calls an export; fails the test on a load error or a trap.
  vm::Value call(std::string_view fn, std::initializer_list<vm::Value> args) {
    auto r = program_->call(fn, std::span<const vm::Value>(args.begin(), args.size()));
    EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
    if (!r) return {};
    EXPECT_EQ(r->kind, vm::RunResult::Kind::Returned)
        << fn << ": " << (r->trap ? vm::format_trap(*r->trap) : "");
    return r->value;
  }
  std::optional<vm::Trap> trap_of(std::string_view fn, std::initializer_list<vm::Value> args) {
    auto r = program_->call(fn, std::span<const vm::Value>(args.begin(), args.size()));
    return r ? r->trap : std::nullopt;
  }

  static vm::Value str(std::string_view s) { return vm::Value::from_r(vm::new_string(s)); }
  static std::string text(vm::Value v) {
    return v.r ? std::string(static_cast<vm::String*>(v.r)->view()) : "<null>";
  }

  std::unique_ptr<vm::Program> program_;
  int out_fd_ = -1;
};

TEST_F(StdSasmRun, SortIntegers) {
  std::mt19937_64 rng(1);
  for (int n : {0, 1, 2, 3, 5, 8, 13, 100, 1000, 20000}) {
    vm::Array* a = vm::new_array(vm::ObjKind::ArrayI64, n);
    auto* d = static_cast<int64_t*>(a->data);
    for (int i = 0; i < n; ++i)
      d[i] = static_cast<int64_t>(rng()) >> (i % 2 ? 0 : 58);  // many duplicates too
    std::vector<int64_t> want(d, d + n);
    std::sort(want.begin(), want.end());
    call("do_sort_i", {vm::Value::from_r(a)});
    ASSERT_EQ(std::vector<int64_t>(d, d + n), want) << "n = " << n;
  }
}

TEST_F(StdSasmRun, SortFloats) {
  std::mt19937_64 rng(2);
  for (int n : {0, 1, 2, 7, 64, 5000}) {
    vm::Array* a = vm::new_array(vm::ObjKind::ArrayF64, n);
    auto* d = static_cast<double*>(a->data);
    for (int i = 0; i < n; ++i)
      d[i] = static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / 7;
    std::vector<double> want(d, d + n);
    std::sort(want.begin(), want.end());
    call("do_sort_f", {vm::Value::from_r(a)});
    ASSERT_EQ(std::vector<double>(d, d + n), want) << "n = " << n;
  }
  // The element type is enforced: sort_i on an f64 array traps.
  vm::Array* f = vm::new_array(vm::ObjKind::ArrayF64, 3);
  auto t = trap_of("do_sort_i", {vm::Value::from_r(f)});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, vm::TrapKind::TypeMismatch);
}

TEST_F(StdSasmRun, ReverseAnyKind) {
  vm::Array* a = vm::new_array(vm::ObjKind::ArrayU8, 5);
  std::memcpy(a->data, "abcde", 5);
  call("do_reverse", {vm::Value::from_r(a)});
  EXPECT_EQ(std::string(static_cast<char*>(a->data), 5), "edcba");
  vm::Array* r = vm::new_array(vm::ObjKind::ArrayRef, 4);
  for (int i = 0; i < 4; ++i)
    static_cast<vm::Object**>(r->data)[i] = vm::new_string(std::to_string(i));
  call("do_reverse", {vm::Value::from_r(r)});
  EXPECT_EQ(text(vm::Value::from_r(static_cast<vm::Object**>(r->data)[0])), "3");
  EXPECT_EQ(text(vm::Value::from_r(static_cast<vm::Object**>(r->data)[3])), "0");
  vm::Array* e = vm::new_array(vm::ObjKind::ArrayI64, 0);
  call("do_reverse", {vm::Value::from_r(e)});
  auto t = trap_of("do_reverse", {vm::Value::from_r(nullptr)});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, vm::TrapKind::NullReference);
}

TEST_F(StdSasmRun, RepeatAndJoin) {
  EXPECT_EQ(text(call("do_repeat", {str("ab"), vm::Value::from_i(3)})), "ababab");
  EXPECT_EQ(text(call("do_repeat", {str("ab"), vm::Value::from_i(0)})), "");
  EXPECT_EQ(text(call("do_repeat", {str("ab"), vm::Value::from_i(-4)})), "");
  vm::Array* parts = vm::new_array(vm::ObjKind::ArrayRef, 3);
  const char* words[] = {"x", "", "zz"};
  for (int i = 0; i < 3; ++i) static_cast<vm::Object**>(parts->data)[i] = vm::new_string(words[i]);
  EXPECT_EQ(text(call("do_join", {vm::Value::from_r(parts), str(", ")})), "x, , zz");
  vm::Array* none = vm::new_array(vm::ObjKind::ArrayRef, 0);
  EXPECT_EQ(text(call("do_join", {vm::Value::from_r(none), str("-")})), "");
  auto t = trap_of("do_join", {vm::Value::from_r(parts), vm::Value::from_r(nullptr)});
  ASSERT_TRUE(t);
  EXPECT_EQ(t->kind, vm::TrapKind::NullReference);
}

TEST_F(StdSasmRun, Padding) {
  auto I = vm::Value::from_i;
  EXPECT_EQ(text(call("do_pad_left", {str("7"), I(3), I('0')})), "007");
  EXPECT_EQ(text(call("do_pad_right", {str("ab"), I(5), I('.')})), "ab...");
  EXPECT_EQ(text(call("do_pad_left", {str("long"), I(2), I(' ')})), "long");
  EXPECT_EQ(text(call("do_pad_right", {str(""), I(0), I(' ')})), "");
  EXPECT_EQ(text(call("do_pad_left", {str("x"), I(-5), I(' ')})), "x");
}

}  // namespace
}  // namespace strata::stdlib
