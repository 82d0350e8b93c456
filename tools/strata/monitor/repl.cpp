#include "tools/strata/monitor/repl.hpp"

#include <algorithm>

#include <fmt/format.h>

#include "tools/strata/monitor/repl_format.hpp"

namespace strata::monitor {

namespace {

constexpr std::string_view kHelp =
    R"(commands (ADDR: a number, a symbol, symbol+N, or a register such as sp):
  regs                    all registers
  set REG VALUE           write a register (VALUE: as ADDR)
  mem ADDR [LEN]          hex and ASCII dump of guest memory (LEN bytes, default 64)
  disas [ADDR] [N]        disassemble N instructions (default: 10 from pc, or after the last)
  step [N]                execute N instructions (default 1)
  break ADDR|SYMBOL       set a breakpoint; `break` alone lists them
  delete [N]              delete breakpoint N, or all of them
  continue                run until a breakpoint, the guest's end, or Ctrl-C
  stats                   translation and code cache statistics
  tc [ADDR]               the guest block at ADDR, its SVI translation and host code size
  bt                      call stack (SVI programs)
  quit                    leave (the guest is killed)
)";

std::vector<std::string_view> split(std::string_view line) {
  std::vector<std::string_view> w;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    const size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) w.push_back(line.substr(start, i - start));
  }
  return w;
}

}  // namespace

Repl::Repl(vm::Vcpu& cpu, const SymbolTable& syms, std::FILE* out, std::FILE* err)
    : cpu_(cpu), syms_(syms), out_(out), err_(err), next_disas_(cpu.pc()) {}

bool Repl::execute(std::string_view line) {
  const Words w = split(line);
  if (w.empty()) return true;
  if (w[0] == "quit" || w[0] == "q" || w[0] == "exit") return false;
  if (auto r = dispatch(w); !r) {
    std::fflush(out_);
    fmt::print(err_, "error: {}\n", r.error().message);
  }
  std::fflush(out_);
  std::fflush(err_);
  return true;
}

std::string Repl::location(uint64_t addr) const {
  const std::string sym = syms_.describe(addr);
  return sym.empty() ? fmt::format("0x{:x}", addr) : fmt::format("0x{:x} <{}>", addr, sym);
}

void Repl::print_here() {
  const uint64_t pc = cpu_.pc();
  auto insn = cpu_.disassemble(pc);
  fmt::print(out_, "{}:\t{}\n", location(pc), insn ? insn->text : "(no code here)");
  next_disas_ = pc;
}

void Repl::print_stop(const vm::StopReason& r) {
  using K = vm::StopReason::Kind;
  if (r.ended()) {
    ended_ = true;
    end_ = r;
    fmt::print(out_, "{}\n", describe_stop(r));
    return;
  }
  if (r.kind == K::Breakpoint) {
    auto it = std::find_if(breaks_.begin(), breaks_.end(),
                           [&](const auto& b) { return b.second == r.addr; });
    if (it != breaks_.end()) fmt::print(out_, "breakpoint {}, ", it->first);
  } else if (r.kind != K::Stepped) {
    fmt::print(out_, "{}: ", describe_stop(r));
  }
  print_here();
}

Result<uint64_t> Repl::value_of(std::string_view text) const {
  if (auto n = parse_number(text)) return *n;
  std::string_view name = text;
  uint64_t offset = 0;
  if (const size_t plus = text.find('+'); plus != std::string_view::npos) {
    auto n = parse_number(text.substr(plus + 1));
    if (!n) return fail("bad offset in '{}'", text);
    offset = *n;
    name = text.substr(0, plus);
  }
  if (name.starts_with("$")) name.remove_prefix(1);
  if (auto a = syms_.address_of(name)) return *a + offset;
  if (auto r = cpu_.read_reg(name)) return *r + offset;
  return fail("'{}' is not a number, a symbol or a {} register", name, cpu_.arch());
}

Result<void> Repl::dispatch(const Words& w) {
  const std::string_view c = w[0];
  if (c == "help" || c == "h" || c == "?") return cmd_help();
  if (c == "regs" || c == "registers") return cmd_regs();
  if (c == "set") return cmd_set(w);
  if (c == "mem" || c == "x") return cmd_mem(w);
  if (c == "disas" || c == "disassemble") return cmd_disas(w);
  if (c == "step" || c == "s" || c == "si" || c == "stepi") {
    uint64_t n = 1;
    if (w.size() > 1) {
      auto v = parse_number(w[1]);
      if (!v || *v == 0) return fail("step: '{}' is not a positive count", w[1]);
      n = *v;
    }
    return cmd_run(n);
  }
  if (c == "continue" || c == "c" || c == "cont") return cmd_run(0);
  if (c == "break" || c == "b") return cmd_break(w);
  if (c == "delete" || c == "d") return cmd_delete(w);
  if (c == "stats") {
    fmt::print(out_, "{}", cpu_.stats());
    return {};
  }
  if (c == "tc") return cmd_tc(w);
  if (c == "bt" || c == "backtrace") {
    if (cpu_.arch() != "svi")
      return fail(
          "bt shows SVI call stacks; a {} program has no call stack the vcpu knows "
          "(use gdb through --gdb for a frame-pointer backtrace)",
          cpu_.arch());
    return fail("bt: no SVI vcpu is implemented yet");
  }
  return fail("unknown command '{}' (type help)", c);
}

Result<void> Repl::cmd_help() {
  fmt::print(out_, "{}", kHelp);
  return {};
}

Result<void> Repl::cmd_regs() {
  std::string group;
  for (const vm::RegInfo& r : cpu_.registers()) {
    auto v = STRATA_TRY(cpu_.read_reg(r.name));
    const std::string name = r.alias.empty() ? r.name : fmt::format("{}/{}", r.alias, r.name);
    std::string extra;
    if (r.group == "general" && v != 0) {
      const std::string sym = syms_.describe(v);
      if (!sym.empty()) extra = fmt::format("  <{}>", sym);
    }
    if (r.bits == 32)
      fmt::print(out_, "{:<10} 0x{:08x}{}\n", name, v, extra);
    else
      fmt::print(out_, "{:<10} 0x{:016x}{}\n", name, v, extra);
  }
  return {};
}

Result<void> Repl::cmd_set(const Words& w) {
  if (w.size() != 3) return fail("usage: set REG VALUE");
  std::string_view reg = w[1];
  if (reg.starts_with("$")) reg.remove_prefix(1);
  const uint64_t v = STRATA_TRY(value_of(w[2]));
  STRATA_TRY(cpu_.write_reg(reg, v));
  fmt::print(out_, "{} = 0x{:x}\n", reg, v);
  if (reg == "pc") next_disas_ = v;
  return {};
}

Result<void> Repl::cmd_mem(const Words& w) {
  if (w.size() < 2 || w.size() > 3) return fail("usage: mem ADDR [LEN]");
  const uint64_t addr = STRATA_TRY(value_of(w[1]));
  uint64_t len = 64;
  if (w.size() == 3) {
    auto n = parse_number(w[2]);
    if (!n || *n == 0 || *n > (1u << 20)) return fail("mem: LEN must be 1..1048576");
    len = *n;
  }
  std::vector<uint8_t> bytes(len);
  STRATA_TRY(cpu_.read_memory(addr, bytes));
  fmt::print(out_, "{}", hex_dump(addr, bytes));
  return {};
}

Result<void> Repl::cmd_disas(const Words& w) {
  if (w.size() > 3) return fail("usage: disas [ADDR] [N]");
  uint64_t addr = w.size() > 1 ? STRATA_TRY(value_of(w[1])) : next_disas_;
  uint64_t n = 10;
  if (w.size() == 3) {
    auto v = parse_number(w[2]);
    if (!v || *v == 0 || *v > 10000) return fail("disas: N must be 1..10000");
    n = *v;
  }
  for (uint64_t i = 0; i < n; ++i) {
    auto insn = cpu_.disassemble(addr);
    if (!insn) {
      if (i == 0) return tl::unexpected(insn.error());
      break;
    }
    const std::string sym = syms_.describe(addr);
    if (sym.find('+') == std::string::npos && !sym.empty()) fmt::print(out_, "<{}>:\n", sym);
    fmt::print(out_, "{} {:<24} {}\n", addr == cpu_.pc() ? "=>" : "  ", location(addr) + ":",
               insn->text);
    addr += insn->length;
  }
  next_disas_ = addr;
  return {};
}

Result<void> Repl::cmd_run(uint64_t steps) {
  if (ended_) return fail("{}; nothing more to run (quit to leave)", describe_stop(end_));
  std::fflush(out_);
  if (interrupt_slot_) interrupt_slot_->store(&cpu_);
  auto r = cpu_.run(vm::RunLimit{steps});
  if (interrupt_slot_) interrupt_slot_->store(nullptr);
  std::fflush(stdout);
  if (!r) return tl::unexpected(r.error());
  print_stop(*r);
  return {};
}

Result<void> Repl::cmd_break(const Words& w) {
  if (w.size() == 1) {
    if (breaks_.empty()) fmt::print(out_, "no breakpoints\n");
    for (const auto& [n, addr] : breaks_) fmt::print(out_, "{}  {}\n", n, location(addr));
    return {};
  }
  if (w.size() != 2) return fail("usage: break ADDR|SYMBOL");
  const uint64_t addr = STRATA_TRY(value_of(w[1]));
  for (const auto& [n, a] : breaks_)
    if (a == addr) return fail("breakpoint {} is already at {}", n, location(addr));
  STRATA_TRY(cpu_.set_breakpoint(addr));
  breaks_.emplace_back(next_break_, addr);
  fmt::print(out_, "breakpoint {} at {}\n", next_break_++, location(addr));
  return {};
}

Result<void> Repl::cmd_delete(const Words& w) {
  if (w.size() == 1) {
    for (const auto& b : breaks_) cpu_.clear_breakpoint(b.second);
    fmt::print(out_, "deleted all breakpoints ({})\n", breaks_.size());
    breaks_.clear();
    return {};
  }
  auto n = parse_number(w[1]);
  auto it = std::find_if(breaks_.begin(), breaks_.end(),
                         [&](const auto& b) { return n && b.first == *n; });
  if (it == breaks_.end()) return fail("no breakpoint number '{}'", w[1]);
  cpu_.clear_breakpoint(it->second);
  fmt::print(out_, "deleted breakpoint {} at {}\n", it->first, location(it->second));
  breaks_.erase(it);
  return {};
}

Result<void> Repl::cmd_tc(const Words& w) {
  if (w.size() > 2) return fail("usage: tc [ADDR]");
  const uint64_t addr = w.size() == 2 ? STRATA_TRY(value_of(w[1])) : cpu_.pc();
  fmt::print(out_, "{}", STRATA_TRY(cpu_.describe_code(addr)));
  return {};
}

}  // namespace strata::monitor
