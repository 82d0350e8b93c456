// SviVcpu against a plain run, on the random programs of tests/support/svi_gen.hpp (every
// opcode the generator knows, calls, calli, recursion, loops, traps): a program single-stepped
// from start to end, or run with breakpoints on many instructions, or under a watchpoint, must
// print the same output and end the same way (exit code, or the same trap report) as
// Program::run_main. A step that went to the wrong successor, a break word left behind or a
// return completed wrongly shows up as a different output, code or trap.
#include <sys/mman.h>
#include <unistd.h>

#include <functional>

#include <gtest/gtest.h>

#include "assembler/assembler.hpp"
#include "isa/code_walk.hpp"
#include "stdlib/stdlib.hpp"
#include "tests/support/svi_gen.hpp"
#include "vm/debug/svi_vcpu.hpp"
#include "vm/instance.hpp"

namespace strata::vm {
namespace {

constexpr uint64_t kSeeds = 40;

struct Outcome {
  std::string out;
  std::string end;  // "exit N" or the trap report
};

class Capture {
 public:
  Capture() : fd_(memfd_create("svi_vcpu_test", MFD_CLOEXEC)) {}
  ~Capture() { close(fd_); }
  int fd() const { return fd_; }
  std::string take() {
    std::string s;
    const off_t n = lseek(fd_, 0, SEEK_END);
    s.resize(static_cast<size_t>(n));
    if (n > 0 && pread(fd_, s.data(), s.size(), 0) != n) s = "(short read)";
    if (ftruncate(fd_, 0) != 0) s += "(cannot reset)";
    lseek(fd_, 0, SEEK_SET);
    return s;
  }

 private:
  int fd_;
};

std::unique_ptr<Program> load(const std::string& sasm, int fd) {
  auto m = as::assemble(sasm, "rand.sasm");
  EXPECT_TRUE(m) << m.error().message;
  if (!m) return nullptr;
  LoadOptions opts;
  opts.natives = stdlib::natives();
  opts.out_fd = opts.err_fd = fd;
  auto p = Program::load(std::move(*m), std::move(opts));
  EXPECT_TRUE(p) << p.error().message;
  return p ? std::move(*p) : nullptr;
}

Outcome plain(const std::string& sasm, Capture& cap) {
  auto p = load(sasm, cap.fd());
  if (!p) return {};
  RunResult r = p->run_main({});
  Outcome o;
  o.end = r.kind == RunResult::Kind::Trapped ? format_trap(*r.trap)
                                             : "exit " + std::to_string(r.exit_code & 0xff);
  p.reset();
  o.out = cap.take();
  return o;
}

// Runs the program under the vcpu; `prepare` sets breakpoints or watchpoints, `limit` is each
// run's step count (0: continue).
Outcome debugged(const std::string& sasm, Capture& cap, uint64_t limit,
                 const std::function<void(SviVcpu&, Program&)>& prepare) {
  auto p = load(sasm, cap.fd());
  if (!p) return {};
  Program& prog = *p;
  auto v = SviVcpu::create(std::move(p), {});
  EXPECT_TRUE(v) << v.error().message;
  if (!v) return {};
  prepare(**v, prog);
  Outcome o;
  for (int runs = 0; runs < 10'000'000; ++runs) {
    auto r = (*v)->run(RunLimit{limit});
    EXPECT_TRUE(r);
    if (!r) break;
    if (r->kind == StopReason::Kind::Exited) {
      o.end = "exit " + std::to_string(r->code);
      break;
    }
    if (r->kind == StopReason::Kind::Trapped) {
      o.end = r->message;
      break;
    }
    EXPECT_TRUE(r->kind == StopReason::Kind::Stepped || r->kind == StopReason::Kind::Breakpoint ||
                r->kind == StopReason::Kind::Watchpoint)
        << static_cast<int>(r->kind) << " " << r->message;
  }
  v->reset();
  o.out = cap.take();
  return o;
}

TEST(SviVcpu, SteppingBreakpointsAndWatchpointsRunRandomProgramsAsAPlainRunDoes) {
  Capture cap;
  for (uint64_t seed = 1; seed <= kSeeds; ++seed) {
    const svigen::GenProgram gen = svigen::generate(seed);
    SCOPED_TRACE("seed " + std::to_string(seed));
    const Outcome want = plain(gen.sasm, cap);
    ASSERT_FALSE(want.end.empty());

    const Outcome stepped = debugged(gen.sasm, cap, 1, [](SviVcpu&, Program&) {});
    EXPECT_EQ(stepped.out, want.out);
    EXPECT_EQ(stepped.end, want.end);

    // A breakpoint on every third instruction of every function of the program.
    const Outcome broken = debugged(gen.sasm, cap, 0, [](SviVcpu& v, Program& p) {
      const Instance& inst = p.main_instance();
      for (size_t f = 0; f < inst.module.funcs.size(); ++f)
        for (const isa::Insn& in : isa::CodeWalk(inst.module, inst.module.funcs[f]))
          if (in.pc % 3 == 0) {
            EXPECT_TRUE(v.set_breakpoint(uint64_t{f} << 32 | in.pc));
          }
    });
    EXPECT_EQ(broken.out, want.out);
    EXPECT_EQ(broken.end, want.end);

    // Watching the integer area the generator writes (stores below 0x4010).
    const Outcome watched = debugged(gen.sasm, cap, 0, [](SviVcpu& v, Program&) {
      EXPECT_TRUE(v.set_watchpoint(0, 4096));
      EXPECT_TRUE(v.set_watchpoint(0x2000, 64));
    });
    EXPECT_EQ(watched.out, want.out);
    EXPECT_EQ(watched.end, want.end);
  }
}

}  // namespace
}  // namespace strata::vm
