#include "tests/support/svi_diff.hpp"

#include <unistd.h>

#include "stdlib/stdlib.hpp"
#include "tests/support/svi_tiers.hpp"
#include "vm/program.hpp"

namespace strata::svigen {

namespace {

const char* kind_name(vm::TrapKind k) {
  switch (k) {
    case vm::TrapKind::Explicit: return "Explicit";
    case vm::TrapKind::DivideByZero: return "DivideByZero";
    case vm::TrapKind::MemoryOutOfBounds: return "MemoryOutOfBounds";
    case vm::TrapKind::IndexOutOfBounds: return "IndexOutOfBounds";
    case vm::TrapKind::NullReference: return "NullReference";
    case vm::TrapKind::TypeMismatch: return "TypeMismatch";
    default: return "other";
  }
}

}  // namespace

Outcome run_on_tier(const isa::Module& m, const std::string& tier, int fd, std::string& error) {
  Outcome o;
  vm::LoadOptions opts;
  opts.natives = stdlib::natives();
  opts.out_fd = opts.err_fd = fd;
  if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0) error = "cannot reset memfd";
  auto p = vm::Program::load(m, std::move(opts));
  if (!p) {
    error = "load: " + p.error().message;
    return o;
  }
  TierRun run = run_main_on_tier(**p, tier);
  error = run.error;
  const vm::RunResult& r = run.result;
  off_t size = lseek(fd, 0, SEEK_END);
  o.out.resize(static_cast<size_t>(size));
  if (size > 0 && pread(fd, o.out.data(), o.out.size(), 0) != size) error = "cannot read stdout";
  o.exit_code = r.exit_code;
  o.fuel = (*p)->fuel_used();
  if (r.kind == vm::RunResult::Kind::Exited) error = "exited through std.sys.exit";
  if (r.kind == vm::RunResult::Kind::Trapped && r.trap) {
    std::string k = kind_name(r.trap->kind);
    o.trap = OracleTrap::TypeMismatch;  // overwritten below unless the kind is foreign
    bool known = false;
    for (auto t :
         {OracleTrap::Explicit, OracleTrap::DivideByZero, OracleTrap::MemoryOutOfBounds,
          OracleTrap::IndexOutOfBounds, OracleTrap::NullReference, OracleTrap::TypeMismatch})
      if (k == to_string(t)) o.trap = t, known = true;
    if (!known) error = "unexpected trap: " + vm::format_trap(*r.trap);
    if (!r.trap->trace.empty()) {
      o.trap_function = r.trap->trace.front().function;
      o.trap_line = r.trap->trace.front().line;
    }
  }
  return o;
}

std::string describe(const Outcome& o) {
  std::string s = "stdout:\n" + o.out;
  if (o.trap == OracleTrap::None)
    return s + "exit code " + std::to_string(o.exit_code) + ", fuel " + std::to_string(o.fuel) +
           "\n";
  return s + "trap " + to_string(o.trap) + " in " + o.trap_function + " at line " +
         std::to_string(o.trap_line) + "\n";
}

bool same(const Outcome& a, const Outcome& b) {
  return a.out == b.out && a.trap == b.trap &&
         (a.trap == OracleTrap::None
              ? a.exit_code == b.exit_code && a.fuel == b.fuel
              : a.trap_function == b.trap_function && a.trap_line == b.trap_line);
}

}  // namespace strata::svigen
