// Calls: recursion, many arguments, indirect calls, cross-module imports, natives, linking.
#include <unistd.h>

#include <map>

#include "tests/vm/vm_test_util.hpp"
#include "vm/memory.hpp"
#include "vm/object.hpp"

namespace strata::vm::test {
namespace {

TEST(Calls, RecursionAndMutualRecursion) {
  auto p = load_sasm(R"(
.func fib(%n: i64) -> i64 export
  .reg %a: i64, %b: i64
  li %a, 2
  blt %n, %a, small
  addi %a, %n, -1
  call %a, fib(%a)
  addi %b, %n, -2
  call %b, fib(%b)
  add %a, %a, %b
  ret %a
small:
  ret %n
.end
.func even(%n: i64) -> i64 export
  .reg %z: i64
  li %z, 0
  beq %n, %z, yes
  addi %n, %n, -1
  call %z, odd(%n)
  ret %z
yes:
  ret 1
.end
.func odd(%n: i64) -> i64
  .reg %z: i64
  li %z, 0
  beq %n, %z, no
  addi %n, %n, -1
  call %z, even(%n)
  ret %z
no:
  ret 0
.end
)");
  ASSERT_TRUE(p);
  EXPECT_EQ(call_ok(*p, "fib", {vi(20)}).i, 6765);
  EXPECT_EQ(call_ok(*p, "even", {vi(1001)}).i, 0);
  EXPECT_EQ(call_ok(*p, "even", {vi(1000)}).i, 1);
}

TEST(Calls, ManyArgumentsKeepOrderAndCallerRegisters) {
  auto p = load_sasm(R"(
.func mix(%a: i64, %b: i64, %c: i64, %d: i64, %e: i64, %f: f64, %g: i64) -> i64
  .reg %t: i64
  muli %t, %a, 10
  add %t, %t, %b
  muli %t, %t, 10
  add %t, %t, %c
  muli %t, %t, 10
  add %t, %t, %d
  muli %t, %t, 10
  add %t, %t, %e
  muli %t, %t, 10
  add %t, %t, %g
  ret %t
.end
.func go() -> i64 export
  .reg %a: i64, %b: i64, %c: i64, %d: i64, %e: i64, %f: f64, %g: i64, %r: i64
  li %a, 1
  li %b, 2
  li %c, 3
  li %d, 4
  li %e, 5
  lf %f, 0.5
  li %g, 7
  call %r, mix(%g, %e, %d, %c, %b, %f, %a)
  ; the caller's registers survive the call
  add %r, %r, %a
  ret %r
.end
)");
  ASSERT_TRUE(p);
  EXPECT_EQ(call_ok(*p, "go").i, 754321 + 1);
}

constexpr std::string_view kIndirect = R"(
.func sq(%x: i64) -> i64
  mul %x, %x, %x
  ret %x
.end
.func neg(%x: f64) -> f64
  fneg %x, %x
  ret %x
.end
.func apply(%f: ref, %x: i64) -> i64
  .reg %r: i64
  calli %r, %f : (i64) -> i64 (%x)
  ret %r
.end
.func good(%x: i64) -> i64 export
  .reg %f: ref
  fnref %f, sq
  call %x, apply(%f, %x)
  ret %x
.end
.func null_call() -> i64 export
  .reg %f: ref, %x: i64
  null %f
  call %x, apply(%f, %x)
  ret %x
.end
.func wrong_sig() -> i64 export
  .reg %f: ref, %x: i64
  fnref %f, neg
  call %x, apply(%f, %x)
  ret %x
.end
.func not_fn() -> i64 export
  .reg %f: ref, %x: i64
  ldk %f, "text"
  call %x, apply(%f, %x)
  ret %x
.end
)";

TEST(Calls, IndirectCallsCheckNullAndSignature) {
  auto p = load_lib(sasm(kIndirect, "ind.sasm"));
  ASSERT_TRUE(p);
  EXPECT_EQ(call_ok(*p, "good", {vi(9)}).i, 81);
  Trap t = call_trap(*p, "null_call");
  EXPECT_EQ(t.kind, TrapKind::NullReference);
  ASSERT_EQ(t.trace.size(), 2u);
  EXPECT_EQ(t.trace[0].function, "apply");
  EXPECT_EQ(t.trace[1].function, "null_call");
  t = call_trap(*p, "wrong_sig");
  EXPECT_EQ(t.kind, TrapKind::TypeMismatch);
  EXPECT_NE(t.message.find("neg has signature (f64) -> f64, calli expects (i64) -> i64"),
            std::string::npos)
      << t.message;
  EXPECT_EQ(call_trap(*p, "not_fn").kind, TrapKind::TypeMismatch);
}

// ---- natives ---------------------------------------------------------------------------------
void nat_add3(NativeContext&, const Value* a, Value* r) {
  r->i = a[0].i + a[1].i + a[2].i;
}
void nat_fail(NativeContext& cx, const Value* a, Value*) {
  cx.trap(TrapKind::HostError, "failed with " + std::to_string(a[0].i));
}
void nat_exit(NativeContext& cx, const Value* a, Value*) {
  cx.exit(a[0].i);
}
void nat_argc(NativeContext& cx, const Value*, Value* r) {
  r->i = static_cast<int64_t>(cx.args().size());
}
void nat_print(NativeContext& cx, const Value* a, Value*) {
  cx.out().write(static_cast<String*>(a[0].r)->view());
}
void nat_peek(NativeContext& cx, const Value* a, Value* r) {
  LinearMemory* m = cx.memory();
  uint8_t b = 0;
  r->i = (m && m->read(static_cast<uint64_t>(a[0].i), &b, 1)) ? b : -1;
}

const NativeDef kNatives[] = {
    {"test", "add3", "(i64, i64, i64) -> i64", nat_add3, "sum"},
    {"test", "fail", "(i64) -> void", nat_fail, "traps"},
    {"test", "exit", "(i64)", nat_exit, "exits"},
    {"test", "argc", "() -> i64", nat_argc, "argc"},
    {"test", "print", "(ref) -> void", nat_print, "print"},
    {"test", "peek", "(i64) -> i64", nat_peek, "memory byte or -1"},
};

LoadOptions native_opts() {
  LoadOptions o;
  o.natives = kNatives;
  return o;
}

TEST(Natives, CallsTrapsAndExit) {
  auto m = sasm(R"(
.import "test" {
  add3(i64, i64, i64) -> i64
  fail(i64)
  exit(i64)
  argc() -> i64
}
.func main() -> i64 export
  .reg %a: i64, %b: i64, %c: i64
  li %a, 1
  li %b, 20
  li %c, 300
  callh %a, add3(%a, %b, %c)
  callh %b, argc()
  add %a, %a, %b
  ret %a
.end
.func trapper() export
  .reg %a: i64
  li %a, 42
  callh fail(%a)
  retv
.end
.func exiter() -> i64 export
  .reg %a: i64
  li %a, 3
  callh exit(%a)
  ret 99
.end
)",
                "nat.sasm");
  auto p = Program::load(std::move(m), native_opts());
  ASSERT_TRUE(p) << p.error().message;
  RunResult r = (*p)->run_main({"x", "y"});
  EXPECT_EQ(r.kind, RunResult::Kind::Returned);
  EXPECT_EQ(r.exit_code, 323);

  auto t = (*p)->call("trapper", {});
  ASSERT_TRUE(t);
  ASSERT_EQ(t->kind, RunResult::Kind::Trapped);
  EXPECT_EQ(t->trap->kind, TrapKind::HostError);
  EXPECT_EQ(t->trap->message, "failed with 42");
  ASSERT_EQ(t->trap->trace.size(), 2u);
  EXPECT_EQ(t->trap->trace[0].function, "test.fail");
  EXPECT_EQ(t->trap->trace[1].function, "trapper");
  EXPECT_EQ(t->trap->trace[1].pc, 1u);
  EXPECT_EQ(format_trap(*t->trap),
            "trap: host error: failed with 42\n  at test.fail (native)\n"
            "  at trapper (nat.sasm:21, pc 1)\n");

  auto e = (*p)->call("exiter", {});
  ASSERT_TRUE(e);
  EXPECT_EQ(e->kind, RunResult::Kind::Exited);
  EXPECT_EQ(e->exit_code, 3);
  // The program is still usable after a trap and an exit.
  EXPECT_EQ((*p)->run_main({}).exit_code, 321);
}

TEST(Natives, OutputAndMemory) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  LoadOptions o = native_opts();
  o.out_fd = fds[1];
  auto p = Program::load(sasm(R"(
.import "test" {
  print(ref)
  peek(i64) -> i64
}
.memory 65536
.data 100 "A"
.func main() -> i64 export
  .reg %s: ref, %a: i64
  ldk %s, "hello "
  callh print(%s)
  ldk %s, "world"
  callh print(%s)
  li %a, 100
  callh %a, peek(%a)
  ret %a
.end
)"),
                         std::move(o));
  ASSERT_TRUE(p) << p.error().message;
  RunResult r = (*p)->run_main({});
  EXPECT_EQ(r.exit_code, 'A');
  close(fds[1]);
  char buf[64] = {};
  ssize_t n = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  EXPECT_EQ(std::string(buf, n > 0 ? n : 0), "hello world");
}

// ---- cross-module imports ----------------------------------------------------------------------
struct Sources {
  std::map<std::string, std::string> text;
  std::vector<std::string> requests;
  ModuleResolver resolver() {
    return [this](std::string_view name, std::string_view importer) -> Result<isa::Module> {
      requests.push_back(std::string(name) + "<-" + std::string(importer));
      auto it = text.find(std::string(name));
      if (it == text.end()) return fail("no file {}.sasm", name);
      return as::assemble(it->second, std::string(name) + ".sasm");
    };
  }
};

TEST(Modules, CrossModuleCallsSwitchConstantsAndMemory) {
  Sources src;
  src.text["lib"] = R"(
.memory 65536
.data 0 i64 1000
.import "main" base() -> i64
.func scaled(%x: i64) -> i64 export
  .reg %k: i64, %z: i64
  li %z, 0
  ld.i64 %k, %z        ; lib's own memory
  mul %x, %x, %k
  ldk %k, 7000000000   ; lib's own constant pool
  add %x, %x, %k
  callh %k, base()     ; back into main (an import cycle)
  add %x, %x, %k
  ret %x
.end
.func strlen(%s: ref) -> i64 export
  .reg %n: i64
  slen %n, %s
  ret %n
.end
)";
  src.text["main"] = "";
  LoadOptions o;
  o.resolver = src.resolver();
  o.main_path = "dir/main.sasm";
  auto m = sasm(R"(
.module main
.memory 65536
.data 0 i64 5
.import "lib" {
  scaled(i64) -> i64
  strlen(ref) -> i64
}
.func base() -> i64 export
  .reg %z: i64
  li %z, 0
  ld.i64 %z, %z
  ret %z
.end
.func main() -> i64 export
  .reg %x: i64, %s: ref, %n: i64
  li %x, 3
  callh %x, scaled(%x)
  ldk %s, "four"
  callh %n, strlen(%s)
  add %x, %x, %n
  ; after returning, main's memory and constants are current again
  call %n, base()
  add %x, %x, %n
  ret %x
.end
)");
  auto p = Program::load(std::move(m), std::move(o));
  ASSERT_TRUE(p) << p.error().message;
  RunResult r = (*p)->run_main({});
  ASSERT_EQ(r.kind, RunResult::Kind::Returned) << format_trap(*r.trap);
  EXPECT_EQ(r.exit_code, 3 * 1000 + 7000000000 + 5 + 4 + 5);
  ASSERT_EQ(src.requests.size(), 1u);  // lib loaded once; main found in the cache
  EXPECT_EQ(src.requests[0], "lib<-dir/main.sasm");
}

TEST(Modules, TrapInAnImportedModuleNamesItsModuleAndFile) {
  Sources src;
  src.text["lib"] = R"(
.func boom(%x: i64) -> i64 export
  .reg %z: i64
  li %z, 0
  div %x, %x, %z
  ret %x
.end
)";
  LoadOptions o;
  o.resolver = src.resolver();
  auto p = Program::load(sasm(R"(
.module app
.import "lib" boom(i64) -> i64
.func main() -> i64 export
  .reg %x: i64
  li %x, 1
  callh %x, boom(%x)
  ret %x
.end
)",
                              "app.sasm"),
                         std::move(o));
  ASSERT_TRUE(p) << p.error().message;
  RunResult r = (*p)->run_main({});
  ASSERT_EQ(r.kind, RunResult::Kind::Trapped);
  ASSERT_EQ(r.trap->trace.size(), 2u);
  EXPECT_EQ(r.trap->trace[0].module, "lib");
  EXPECT_EQ(r.trap->trace[0].source, "lib.sasm");
  EXPECT_EQ(r.trap->trace[0].pc, 1u);
  EXPECT_EQ(r.trap->trace[1].module, "app");
  EXPECT_EQ(format_trap(*r.trap),
            "trap: integer divide by zero\n  at boom (lib.sasm:5, pc 1)\n"
            "  at main (app.sasm:7, pc 1)\n");
}

// ---- link errors ---------------------------------------------------------------------------
std::string load_error(std::string_view text, LoadOptions o) {
  auto p = Program::load(sasm(text, "main.sasm"), std::move(o));
  return p ? std::string("loaded") : p.error().message;
}

TEST(Link, ClearErrors) {
  EXPECT_EQ(load_error(R"(
.module main
.import "test" printx(i64)
.func main() -> i64 export
  ret 0
.end
)",
                       native_opts()),
            "link: module 'main' imports test.printx (i64) -> void: no such function in test");
  EXPECT_EQ(load_error(R"(
.module main
.import "test" add3(i64, i64) -> i64
.func main() -> i64 export
  ret 0
.end
)",
                       native_opts()),
            "link: module 'main' imports test.add3 (i64, i64) -> i64: test.add3 has signature "
            "(i64, i64, i64) -> i64");
  EXPECT_EQ(load_error(R"(
.module main
.import "nowhere" f()
.func main() -> i64 export
  ret 0
.end
)",
                       native_opts()),
            "link: module 'main' imports nowhere.f () -> void: no such module nowhere");
  Sources src;
  src.text["lib"] = ".func g(%x: i64) -> i64 export\n  ret %x\n.end\n";
  LoadOptions o;
  o.resolver = src.resolver();
  EXPECT_EQ(load_error(R"(
.module main
.import "lib" g(f64) -> i64
.func main() -> i64 export
  ret 0
.end
)",
                       o),
            "link: module 'main' imports lib.g (f64) -> i64: lib.g has signature (i64) -> i64");
  o.resolver = src.resolver();
  EXPECT_EQ(load_error(R"(
.module main
.import "other" g()
.func main() -> i64 export
  ret 0
.end
)",
                       o),
            "link: module 'main' imports other.g () -> void: cannot load module 'other': no "
            "file other.sasm");
}

TEST(Link, MainMustExistWithTheRightType) {
  EXPECT_EQ(load_error(".module main\n.func f() -> i64 export\n  ret 0\n.end\n", {}),
            "module 'main' has no exported function 'main'");
  EXPECT_EQ(load_error(".module main\n.func main(%x: i64) -> i64 export\n  ret %x\n.end\n", {}),
            "module 'main': main must have signature () -> i64 or () -> void, not (i64) -> i64");
  auto p = Program::load(sasm(".func main() export\n  retv\n.end\n"), {});
  ASSERT_TRUE(p);
  RunResult r = (*p)->run_main({});
  EXPECT_EQ(r.kind, RunResult::Kind::Returned);
  EXPECT_EQ(r.exit_code, 0);
}

TEST(Link, NativeSignatureParser) {
  auto s = parse_signature("(i64, ref , f64) -> ref");
  ASSERT_TRUE(s);
  EXPECT_EQ(isa::to_string(*s), "(i64, ref, f64) -> ref");
  EXPECT_EQ(isa::to_string(*parse_signature("()->void")), "() -> void");
  EXPECT_EQ(isa::to_string(*parse_signature("(i64)")), "(i64) -> void");
  EXPECT_FALSE(parse_signature("(i32) -> void"));
  EXPECT_FALSE(parse_signature("(i64 -> void"));
  EXPECT_FALSE(parse_signature("(i64) -> i64 x"));
}

}  // namespace
}  // namespace strata::vm::test
