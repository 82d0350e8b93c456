// SviVcpu: an SVI program (vm::Program) as a vm::Vcpu, so `strata repl run PROG.sasm` debugs it
// with the commands RV64 guests have, plus a call stack (bt) and write watchpoints.
//
// CODE ADDRESSES. SVI code is not in an address space: an instruction is (module, function, pc).
// A code address packs them as  module << 48 | function << 32 | pc  (module: the index in
// Program::instances(), the main module being 0; pc: the word index in the function), so
// main's fib at pc 3 is a small number when fib is function 0. The monitor shows and takes
// them as symbols: `fib+3 (fib.sasm:12)`; `fib`, `fib+3`, `fib:3`, `fib.sasm:12` (a source line,
// through the debug line table); other modules' functions as `MODULE.fn`. Memory addresses
// (mem, watch) are offsets in the main module's linear memory.
//
// HOW IT STOPS. The interpreter is never slowed down for this: at creation the vcpu gives every
// function a private copy of its code (FuncInfo::code points at it; the module keeps the
// original), and stops the program by planting break words in the copy, words whose opcode
// field is vm::kDebugBreakOp (vm/interp.hpp "Debugging"). Reaching one returns Paused from the
// interpreter with the frames intact; the vcpu resumes with run_frames on the innermost frame.
//   - A breakpoint is a break word at its address.
//   - A single step executes one instruction exactly: the break word under the pc (if any) is
//     lifted, break words go on every successor of the instruction (the next one, a branch
//     target, a callee's first instruction for call/callh/calli: steps go into calls), the
//     frame is resumed, and the words are restored. A `ret` needs no successor: a resumed frame
//     that returns comes back to the vcpu (Returned), which completes the return into its
//     caller itself. `step N` is N such steps.
//   - `continue` steps over the instruction at the pc, then resumes with only breakpoints (and
//     watch sites) planted: the program runs at interpreter speed between them.
//   - A watchpoint plants break words on the main module's stores (st.*, mcopy, mfill) and its
//     host calls (a native may write the caller's memory); each is single-stepped with the
//     watched bytes compared before and after. Nothing else can write the main module's linear
//     memory (other modules have their own).
//   - request_stop() sets the interpreter's stop word: a running program stops at its next fuel
//     slice (an Interrupted trap, whose pc is the call or branch that has not taken effect, so
//     the vcpu resumes it as a pause).
// Every function runs interpreted while debugged: compiled code has no break words. A program
// whose step lands on itself (a branch to its own pc, a function whose first instruction calls
// itself) cannot be single-stepped by successors; such a step runs until the next stop instead.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "vm/interp.hpp"
#include "vm/program.hpp"
#include "vm/vcpu.hpp"

namespace strata::vm {

class SviVcpu final : public Vcpu {
 public:
  // Takes over a loaded `program` that has not run, stopped before the first instruction of its
  // main; `args` are the program's arguments (std.sys.arg). Compiled code is dropped.
  static Result<std::unique_ptr<SviVcpu>> create(std::unique_ptr<Program> program,
                                                 std::vector<std::string> args);

  std::string_view arch() const override { return "svi"; }
  std::vector<RegInfo> registers() const override;
  Result<uint64_t> read_reg(std::string_view name) const override;
  Result<void> write_reg(std::string_view name, uint64_t value) override;
  Result<void> read_memory(uint64_t addr, std::span<uint8_t> out) const override;
  Result<void> write_memory(uint64_t addr, std::span<const uint8_t> in) override;
  uint64_t pc() const override;

  Result<StopReason> run(RunLimit limit) override;
  void request_stop() override { st_->stop.store(true, std::memory_order_relaxed); }

  Result<void> set_breakpoint(uint64_t addr) override;
  bool clear_breakpoint(uint64_t addr) override;

  Result<GuestInsn> disassemble(uint64_t addr) const override;
  std::string stats() const override;
  Result<std::string> describe_code(uint64_t addr) override;

  Result<std::vector<TraceFrame>> backtrace() const override;
  Result<void> set_watchpoint(uint64_t addr, uint64_t len) override;
  bool clear_watchpoint(uint64_t addr) override;
  std::optional<CodeLocation> locate(uint64_t addr) const override;
  Result<std::optional<uint64_t>> find_code(std::string_view text) const override;
  std::string format_reg(const RegInfo& reg, uint64_t value) const override;

 private:
  // A decoded code address.
  struct Site {
    Instance* inst = nullptr;
    FuncInfo* fn = nullptr;
    uint32_t module = 0;
    uint32_t pc = 0;
  };
  // Why a break word is planted at an address (bits).
  enum : uint8_t { kBreak = 1, kWatch = 2, kStep = 4 };
  struct Watch {
    uint64_t addr = 0;
    uint64_t len = 0;
  };

  SviVcpu(std::unique_ptr<Program> program, std::vector<std::string> args);

  // The site at `addr` if it is a function's instruction boundary, else an error naming it.
  Result<Site> site_of(uint64_t addr) const;
  uint64_t address_of(const FuncInfo* fn, uint32_t pc) const;
  uint32_t module_index(const Instance* inst) const;
  Frame& top() const { return st_->frames[depth_]; }
  isa::Word original_word(uint64_t addr) const;
  // Writes the word at addr into the code copy: the original, or a break word when any reason
  // is set and the address is not the one being stepped over.
  void sync_word(uint64_t addr);
  void mark(uint64_t addr, uint8_t why, bool on);
  void plant_watch_sites(bool on);

  // One instruction at the pc. nullopt: done, the pc is at the next instruction; else the stop
  // that ended it (the program's end, a trap, a stop request).
  std::optional<StopReason> step_one();
  // The addresses the instruction at the pc can go to next (a ret's is handled on return).
  std::vector<uint64_t> successors() const;
  // Resumes the innermost frame in the interpreter until a break word, its return (completed
  // here) or the end. nullopt: paused at a break word or returned into the caller.
  std::optional<StopReason> resume();
  StopReason run_loop(RunLimit limit);
  std::vector<std::vector<uint8_t>> watched_bytes() const;
  std::optional<StopReason> watch_hit(const std::vector<std::vector<uint8_t>>& before,
                                      uint64_t writer) const;

  std::unique_ptr<Program> program_;
  ExecState* st_;
  HostContext* cx_;
  // code_[module][function]: the copies the interpreter runs.
  std::vector<std::vector<std::vector<isa::Word>>> code_;
  std::map<uint64_t, uint8_t> planted_;
  std::optional<uint64_t> stepping_over_;
  std::vector<Watch> watches_;
  size_t depth_ = 0;  // index of the innermost frame in st_->frames
  std::optional<StopReason> ended_;
  std::optional<Trap> trap_;  // the trap that ended the program
  uint64_t steps_ = 0;
  uint64_t pauses_ = 0;
  uint64_t resumes_ = 0;
};

}  // namespace strata::vm
