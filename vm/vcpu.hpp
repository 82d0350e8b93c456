// vm::Vcpu: the one interface every kind of virtual CPU implements (DESIGN.md, "Vcpu is the
// seam"). The REPL and the gdb remote stub (tools/strata/monitor/) are written against it only,
// so an SVI program, a translated RV64 program, a KVM guest and a RISC-V full-system guest are
// inspected with the same commands.
//
// CONTRACT.
// - One thread drives a Vcpu: run/step and every inspection call. Inspection (registers,
//   memory) is only meaningful while it is paused, i.e. between run() calls.
// - request_stop() is the one exception: any thread (or a signal handler) may call it while
//   run() is executing; run() then returns StopReason::Stopped at the next instruction boundary
//   it reaches (for translated code: the next block boundary). A request made while paused
//   stops the next run() before it executes anything.
// - run() returns an exit, the software echo of KVM's exit reasons. A guest fault that ends the
//   guest (its SIGSEGV) is Signaled; Fault is for a CPU that cannot go on but whose guest is not
//   dead (a full-system triple fault, a missing device...). After Exited or Signaled the guest is
//   gone: its registers and memory stay readable, run() keeps returning the same exit.
// - Errors (Result) are the debugger's mistakes, never the guest's: an unknown register name, an
//   unmapped address. Each message is one line naming the register or address.
// - Breakpoints are kept by the Vcpu, not written into guest memory: a memory read never sees
//   them and the guest cannot overwrite them. A run that starts at a breakpoint address executes
//   that instruction first (so `continue` after a stop makes progress).
// - The methods after "optional" have defaults that say the backend does not support them, so a
//   backend implements only what it can do exactly.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "isa/error.hpp"
#include "vm/trap.hpp"

namespace strata::vm {

struct StopReason {
  enum class Kind {
    Exited,      // the guest ended normally: `code` is its exit status
    Signaled,    // the guest was killed: `code` is the signal number
    Breakpoint,  // about to execute the instruction at `addr`, which has a breakpoint
    Stepped,     // the requested number of instructions ran
    Stopped,     // request_stop()
    Fault,       // the CPU cannot continue: `message` says why
    Trapped,     // the SVI program trapped and is gone: `message` is its report (format_trap)
    Watchpoint,  // an instruction changed watched bytes at `addr`: `message` says old and new
  };
  Kind kind = Kind::Stopped;
  int code = 0;
  uint64_t addr = 0;
  std::string message;

  bool ended() const {
    return kind == Kind::Exited || kind == Kind::Signaled || kind == Kind::Trapped;
  }
};

struct RunLimit {
  // 0: run until an exit, a breakpoint or a stop request. N > 0: also stop (Stepped) after N
  // guest instructions.
  uint64_t steps = 0;
};

struct RegInfo {
  std::string name;   // the canonical name ("x10", "pc", "f3", "fcsr"); read_reg also takes aliases
  std::string alias;  // the ABI name ("a0", "ft3"), or empty
  uint32_t bits = 64;
  std::string group;  // "general", "float", "csr", ...; SVI: the type, "i64", "f64" or "ref"
};

// A code address as a symbol: `symbol`+`offset`, and its source line when debug info has one.
struct CodeLocation {
  std::string symbol;  // "fib"
  uint64_t offset = 0;
  std::string line;  // "fib.sasm:12", or empty
};

// One disassembled guest instruction.
struct GuestInsn {
  uint32_t length = 0;  // in address units: bytes, or code words for SVI
  std::string text;     // "addi\tsp,sp,-16"
};

class Vcpu {
 public:
  virtual ~Vcpu() = default;

  // The gdb architecture name of the guest ISA ("riscv64", "svi", "x86-64").
  virtual std::string_view arch() const = 0;
  virtual std::vector<RegInfo> registers() const = 0;
  virtual Result<uint64_t> read_reg(std::string_view name) const = 0;
  virtual Result<void> write_reg(std::string_view name, uint64_t value) = 0;
  // The whole range or an error naming the first address that cannot be accessed.
  virtual Result<void> read_memory(uint64_t addr, std::span<uint8_t> out) const = 0;
  virtual Result<void> write_memory(uint64_t addr, std::span<const uint8_t> in) = 0;
  // The program counter (the address the next run starts at).
  virtual uint64_t pc() const = 0;

  virtual Result<StopReason> run(RunLimit limit) = 0;
  Result<StopReason> step(uint64_t n) { return run(RunLimit{n == 0 ? 1 : n}); }
  virtual void request_stop() = 0;

  virtual Result<void> set_breakpoint(uint64_t addr) = 0;
  // False when there was none at `addr`.
  virtual bool clear_breakpoint(uint64_t addr) = 0;

  // One guest instruction at `addr` in the guest ISA's assembly syntax.
  virtual Result<GuestInsn> disassemble(uint64_t addr) const = 0;
  // Statistics of the engine (translation and code caches, exits by reason...), multi-line.
  virtual std::string stats() const = 0;
  // How the engine runs the code at `addr` (for a translating vcpu: the guest block, its SVI
  // translation, its host code size). An error when the backend has no such notion.
  virtual Result<std::string> describe_code(uint64_t addr) = 0;

  // ---- optional ----

  // The call stack, innermost frame first, with what a trap's stack trace shows.
  virtual Result<std::vector<TraceFrame>> backtrace() const {
    return fail(
        "bt shows SVI call stacks; a {} program has no call stack the vcpu knows "
        "(use gdb through --gdb for a frame-pointer backtrace)",
        arch());
  }
  // Write watchpoints on guest memory: a run stops (StopReason::Watchpoint) right after an
  // instruction that changed any of the `len` bytes at `addr`.
  virtual Result<void> set_watchpoint(uint64_t addr, uint64_t len) {
    (void)addr, (void)len;
    return fail("watchpoints are not supported on {}", arch());
  }
  // False when there was none at `addr`.
  virtual bool clear_watchpoint(uint64_t addr) {
    (void)addr;
    return false;
  }
  // Guest-physical memory, for a backend whose read_memory addresses are virtual (a KVM guest
  // with paging on: read_memory walks the guest's page tables, this does not).
  virtual Result<void> read_physical(uint64_t addr, std::span<uint8_t> out) const {
    (void)addr, (void)out;
    return fail("{} has one address space: use mem", arch());
  }
  // For guests whose code addresses are not plain numbers (SVI: a function and a pc): the
  // symbol of `addr`, and the address a text names ("fib", "fib+3", "fib:3", "fib.sasm:12").
  // nullopt: not a code address / not such a name (the monitor then tries ELF symbols,
  // registers); an error: a name of that form that is wrong ("no line 99 in fib.sasm").
  virtual std::optional<CodeLocation> locate(uint64_t addr) const {
    (void)addr;
    return std::nullopt;
  }
  virtual Result<std::optional<uint64_t>> find_code(std::string_view text) const {
    (void)text;
    return std::optional<uint64_t>{};
  }
  // A register value as its type reads (SVI: i64 in decimal and hex, f64 as a double, a ref as
  // a short description of the object), or empty: the monitor prints hex.
  virtual std::string format_reg(const RegInfo& reg, uint64_t value) const {
    (void)reg, (void)value;
    return {};
  }
};

}  // namespace strata::vm
