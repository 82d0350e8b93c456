// The REPL's command interpreter over any vm::Vcpu (docs/REPL.md lists the commands). It knows
// nothing of a backend beyond the Vcpu interface: register names and typed values, disassembly,
// call stacks, watchpoints and the meaning of `tc` come from the vcpu; symbols from the vcpu
// (SVI functions and source lines) or the program's ELF symbol table.
//
// Output goes to `out`, errors to `err` as one line "error: ...": a bad command never ends the
// session, and once the guest has ended every inspection command still works.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "isa/error.hpp"
#include "tools/strata/monitor/eh_frame.hpp"
#include "tools/strata/monitor/elf_symbols.hpp"
#include "vm/vcpu.hpp"

namespace strata::monitor {

class Repl {
 public:
  Repl(vm::Vcpu& cpu, const SymbolTable& syms, std::FILE* out, std::FILE* err);

  // Runs one command line. False after `quit`.
  bool execute(std::string_view line);
  // "0x105a4 <main+0x4>"; for SVI "fib+3 (fib.sasm:12)".
  std::string location(uint64_t addr) const;
  // Prints where the vcpu is now: "0x105a4 <main>:  addi sp,sp,-32".
  void print_here();
  // Prints a stop the way every run command does.
  void print_stop(const vm::StopReason& r);
  // While a command runs the guest, *slot points at the vcpu (null otherwise), so a SIGINT
  // handler can stop that run and only that run.
  void set_interrupt_slot(std::atomic<vm::Vcpu*>* slot) { interrupt_slot_ = slot; }
  // The program's unwind tables: `bt` on a vcpu without call stacks of its own (RV64) unwinds
  // with them.
  void set_call_frames(const CallFrameInfo* cfi) { cfi_ = cfi; }
  // Attached to a running guest (`strata repl attach`): `quit` and `detach` leave it running,
  // and `stop` belongs to the client (it reaches the REPL only when no run is in progress).
  void set_attached(bool attached) { attached_ = attached; }
  // Called on the thread that runs the guest, before each run (null) and after it (its result),
  // so an attach session can tell its client a run started.
  void set_run_hook(std::function<void(const vm::StopReason*)> hook) {
    run_hook_ = std::move(hook);
  }
  // Removes every breakpoint and watchpoint from the vcpu (a detach); returns how many there were.
  size_t clear_points();

 private:
  using Words = std::vector<std::string_view>;

  // A number, a symbol, symbol+offset, or a register name ("sp", "$sp").
  Result<uint64_t> value_of(std::string_view text) const;
  Result<void> dispatch(const Words& w);
  Result<void> cmd_help();
  // `regs` (system: false) or `sregs` (the registers of group "sregs").
  Result<void> cmd_regs(bool system);
  Result<void> cmd_set(const Words& w);
  Result<void> cmd_mem(const Words& w, bool physical);
  Result<void> cmd_disas(const Words& w);
  Result<void> cmd_run(uint64_t steps);
  Result<void> cmd_break(const Words& w);
  Result<void> cmd_watch(const Words& w);
  Result<void> cmd_delete(const Words& w);
  Result<void> cmd_bt();
  Result<void> cmd_tc(const Words& w);
  Result<void> cmd_stop();

  vm::Vcpu& cpu_;
  const SymbolTable& syms_;
  std::FILE* out_;
  std::FILE* err_;
  // Breakpoints (len 0) and watchpoints, numbered as the user created them; deleted ones leave
  // their number unused.
  struct Point {
    unsigned number = 0;
    uint64_t addr = 0;
    uint64_t len = 0;
  };
  std::vector<Point> points_;
  unsigned next_break_ = 1;
  uint64_t next_disas_ = 0;
  std::atomic<vm::Vcpu*>* interrupt_slot_ = nullptr;
  const CallFrameInfo* cfi_ = nullptr;
  bool attached_ = false;
  std::function<void(const vm::StopReason*)> run_hook_;
  bool ended_ = false;
  vm::StopReason end_;
};

}  // namespace strata::monitor
