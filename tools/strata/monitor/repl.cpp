#include "tools/strata/monitor/repl.hpp"

#include <algorithm>
#include <bit>
#include <utility>

#include <fmt/format.h>

#include "tools/strata/monitor/repl_format.hpp"
#include "tools/strata/monitor/rv64_unwind.hpp"

namespace strata::monitor {

namespace {

constexpr std::string_view kHelp =
    R"(commands (ADDR: a number, a symbol, symbol+N, or a register such as sp; for SVI code
also fib, fib+3, fib:3, fib.sasm:12):
  regs                    all registers (SVI: the current frame's, typed)
  sregs                   system registers (KVM: segment bases, CR0/2/3/4, EFER, GDT/IDT;
                          RISC-V: privilege, satp, mstatus, trap CSRs, decoded; RV64
                          programs: fflags, frm, fcsr, cycle, time, instret)
  set REG VALUE           write a register (VALUE: as ADDR, or a number for an f64 register)
  mem ADDR [LEN]          hex and ASCII dump of guest memory (LEN bytes, default 64; KVM:
                          linear addresses, through the guest's page tables when paging is on;
                          RISC-V system: virtual, through the guest's page tables)
  pmem ADDR [LEN]         the same by guest-physical address (KVM, RISC-V system)
  disas [ADDR] [N]        disassemble N instructions (default: 10 from pc, or after the last)
  step [N]                execute N instructions (default 1)
  break ADDR|SYMBOL       set a breakpoint; `break` alone lists them
  watch ADDR [LEN]        stop after an instruction changes the LEN bytes at ADDR (default 8;
                          SVI linear memory)
  delete [N]              delete breakpoint or watchpoint N, or all of them
  continue                run until a breakpoint, the guest's end, or Ctrl-C (attached: or stop)
  stop                    stop the running guest: for `strata repl attach`, where `continue`
                          runs in the guest's own process; elsewhere runs are synchronous and
                          Ctrl-C stops them
  stats                   translation and code cache statistics (KVM: exits by reason)
  tc [ADDR]               the guest block at ADDR, its SVI translation and host code size
  bt                      call stack (SVI: with source lines; RV64: unwound with .eh_frame)
  quit                    leave (the guest is killed; attached: detach)
  detach                  (attached) leave with the breakpoints deleted: the guest runs on
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
  if (w[0] == "detach" && attached_) return false;
  if (auto r = dispatch(w); !r) {
    std::fflush(out_);
    fmt::print(err_, "error: {}\n", r.error().message);
  }
  std::fflush(out_);
  std::fflush(err_);
  return true;
}

std::string Repl::location(uint64_t addr) const {
  if (auto loc = cpu_.locate(addr)) {
    std::string s = loc->offset ? fmt::format("{}+{}", loc->symbol, loc->offset) : loc->symbol;
    return loc->line.empty() ? s : fmt::format("{} ({})", s, loc->line);
  }
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
    // A trap's report is several lines: the trap and its stack trace.
    fmt::print(out_, "{}", r.kind == K::Trapped ? r.message : describe_stop(r) + "\n");
    return;
  }
  auto point = std::find_if(points_.begin(), points_.end(), [&](const Point& p) {
    return p.addr == r.addr && (p.len != 0) == (r.kind == K::Watchpoint);
  });
  if (r.kind == K::Breakpoint) {
    if (point != points_.end()) fmt::print(out_, "breakpoint {}, ", point->number);
  } else if (r.kind == K::Watchpoint) {
    fmt::print(out_, "watchpoint {}: {}\n",
               point != points_.end() ? fmt::format("{}", point->number) : "?", r.message);
  } else if (r.kind != K::Stepped) {
    // A KVM fault's report has the registers on lines of their own: the location goes below.
    const std::string what = describe_stop(r);
    fmt::print(out_, "{}{}", what, what.find('\n') == std::string::npos ? ": " : "\n");
  }
  print_here();
}

Result<uint64_t> Repl::value_of(std::string_view text) const {
  if (auto n = parse_number(text)) return *n;
  if (auto code = STRATA_TRY(cpu_.find_code(text))) return *code;
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
  if (c == "regs" || c == "registers") return cmd_regs(false);
  if (c == "sregs") return cmd_regs(true);
  if (c == "set") return cmd_set(w);
  if (c == "mem" || c == "x") return cmd_mem(w, false);
  if (c == "pmem") return cmd_mem(w, true);
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
  if (c == "bt" || c == "backtrace" || c == "where") return cmd_bt();
  if (c == "watch" || c == "w") return cmd_watch(w);
  if (c == "stop") return cmd_stop();
  if (c == "detach")
    return fail("detach is for `strata repl attach`; here quit leaves and the guest is killed");
  return fail("unknown command '{}' (type help)", c);
}

Result<void> Repl::cmd_help() {
  fmt::print(out_, "{}", kHelp);
  return {};
}

Result<void> Repl::cmd_regs(bool system) {
  const std::vector<vm::RegInfo> regs = cpu_.registers();
  if (system && std::none_of(regs.begin(), regs.end(),
                             [](const vm::RegInfo& r) { return r.group == "sregs"; }))
    return fail("sregs: a {} vcpu has no system registers (regs shows all it has)", cpu_.arch());
  for (const vm::RegInfo& r : regs) {
    if ((r.group == "sregs") != system) continue;
    auto v = STRATA_TRY(cpu_.read_reg(r.name));
    const std::string name = r.alias.empty() ? r.name : fmt::format("{}/{}", r.alias, r.name);
    if (const std::string typed = cpu_.format_reg(r, v); !typed.empty()) {
      fmt::print(out_, "{:<10} {}\n", name, typed);
      continue;
    }
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
  STRATA_TRY(cpu_.read_reg(reg));
  vm::RegInfo info{std::string(reg), "", 64, ""};
  for (const vm::RegInfo& r : cpu_.registers())
    if (r.name == reg || r.alias == reg || "%" + std::string(reg) == r.name) info = r;
  uint64_t v = 0;
  if (info.group == "f64") {
    auto d = parse_double(w[2]);
    if (!d) return fail("set: '{}' is not a number for the f64 register {}", w[2], info.name);
    v = std::bit_cast<uint64_t>(*d);
  } else {
    v = STRATA_TRY(value_of(w[2]));
  }
  STRATA_TRY(cpu_.write_reg(reg, v));
  if (const std::string typed = cpu_.format_reg(info, v); !typed.empty())
    fmt::print(out_, "{} = {}\n", reg, typed);
  else
    fmt::print(out_, "{} = 0x{:x}\n", reg, v);
  if (reg == "pc") next_disas_ = v;
  return {};
}

Result<void> Repl::cmd_mem(const Words& w, bool physical) {
  if (w.size() < 2 || w.size() > 3) return fail("usage: {} ADDR [LEN]", w[0]);
  const uint64_t addr = STRATA_TRY(value_of(w[1]));
  uint64_t len = 64;
  if (w.size() == 3) {
    auto n = parse_number(w[2]);
    if (!n || *n == 0 || *n > (1u << 20)) return fail("mem: LEN must be 1..1048576");
    len = *n;
  }
  std::vector<uint8_t> bytes(len);
  STRATA_TRY(physical ? cpu_.read_physical(addr, bytes) : cpu_.read_memory(addr, bytes));
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
    if (auto loc = cpu_.locate(addr)) {
      if (loc->offset == 0) fmt::print(out_, "<{}>:\n", loc->symbol);
    } else if (const std::string sym = syms_.describe(addr);
               sym.find('+') == std::string::npos && !sym.empty()) {
      fmt::print(out_, "<{}>:\n", sym);
    }
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
  if (run_hook_) run_hook_(nullptr);
  if (interrupt_slot_) interrupt_slot_->store(&cpu_);
  auto r = cpu_.run(vm::RunLimit{steps});
  if (interrupt_slot_) interrupt_slot_->store(nullptr);
  if (run_hook_) {
    // A failed run (the debugger's error, reported below) stopped where it was: the hook only
    // needs to know the run is over.
    const vm::StopReason failed{vm::StopReason::Kind::Stopped, 0, cpu_.pc(), "the run failed"};
    run_hook_(r ? &*r : &failed);
  }
  std::fflush(stdout);
  if (!r) return tl::unexpected(r.error());
  print_stop(*r);
  return {};
}

Result<void> Repl::cmd_break(const Words& w) {
  if (w.size() == 1) {
    bool any = false;
    for (const Point& p : points_) {
      if (p.len != 0) continue;
      fmt::print(out_, "{}  {}\n", p.number, location(p.addr));
      any = true;
    }
    if (!any) fmt::print(out_, "no breakpoints\n");
    return {};
  }
  if (w.size() != 2) return fail("usage: break ADDR|SYMBOL");
  const uint64_t addr = STRATA_TRY(value_of(w[1]));
  for (const Point& p : points_)
    if (p.len == 0 && p.addr == addr)
      return fail("breakpoint {} is already at {}", p.number, location(addr));
  STRATA_TRY(cpu_.set_breakpoint(addr));
  points_.push_back(Point{next_break_, addr, 0});
  fmt::print(out_, "breakpoint {} at {}\n", next_break_++, location(addr));
  return {};
}

Result<void> Repl::cmd_watch(const Words& w) {
  if (w.size() == 1) {
    bool any = false;
    for (const Point& p : points_) {
      if (p.len == 0) continue;
      fmt::print(out_, "{}  {} bytes at 0x{:x}\n", p.number, p.len, p.addr);
      any = true;
    }
    if (!any) fmt::print(out_, "no watchpoints\n");
    return {};
  }
  if (w.size() > 3) return fail("usage: watch ADDR [LEN]");
  const uint64_t addr = STRATA_TRY(value_of(w[1]));
  uint64_t len = 8;
  if (w.size() == 3) {
    auto n = parse_number(w[2]);
    if (!n || *n == 0 || *n > 4096) return fail("watch: LEN must be 1..4096");
    len = *n;
  }
  STRATA_TRY(cpu_.set_watchpoint(addr, len));
  points_.push_back(Point{next_break_, addr, len});
  fmt::print(out_, "watchpoint {}: {} bytes at 0x{:x}\n", next_break_++, len, addr);
  return {};
}

Result<void> Repl::cmd_delete(const Words& w) {
  auto forget = [&](const Point& p) {
    if (p.len == 0)
      cpu_.clear_breakpoint(p.addr);
    else
      cpu_.clear_watchpoint(p.addr);
  };
  if (w.size() == 1) {
    for (const Point& p : points_) forget(p);
    fmt::print(out_, "deleted all breakpoints and watchpoints ({})\n", points_.size());
    points_.clear();
    return {};
  }
  auto n = parse_number(w[1]);
  auto it = std::find_if(points_.begin(), points_.end(),
                         [&](const Point& p) { return n && p.number == *n; });
  if (it == points_.end()) return fail("no breakpoint or watchpoint number '{}'", w[1]);
  forget(*it);
  if (it->len == 0)
    fmt::print(out_, "deleted breakpoint {} at {}\n", it->number, location(it->addr));
  else
    fmt::print(out_, "deleted watchpoint {} at 0x{:x}\n", it->number, it->addr);
  points_.erase(it);
  return {};
}

Result<void> Repl::cmd_bt() {
  auto own = cpu_.backtrace();
  if (!own && cpu_.arch() == "riscv64" && cfi_ != nullptr && !cfi_->empty()) {
    if (ended_) return fail("{}: there is no call stack", describe_stop(end_));
    const std::vector<uint64_t> pcs = unwind_rv64(cpu_, *cfi_);
    for (size_t i = 0; i < pcs.size(); ++i) fmt::print(out_, "#{:<2} {}\n", i, location(pcs[i]));
    return {};
  }
  const std::vector<vm::TraceFrame> frames = STRATA_TRY(std::move(own));
  for (size_t i = 0; i < frames.size(); ++i)
    fmt::print(out_, "#{:<2} {}\n", i, vm::format_frame(frames[i]));
  return {};
}

Result<void> Repl::cmd_stop() {
  if (ended_) return fail("{}: there is nothing to stop", describe_stop(end_));
  fmt::print(out_, "the guest is already stopped at {}{}\n", location(cpu_.pc()),
             attached_ ? ""
                       : " (runs are synchronous here: Ctrl-C stops a continue; stop is for "
                         "strata repl attach)");
  return {};
}

size_t Repl::clear_points() {
  for (const Point& p : points_) {
    if (p.len == 0)
      cpu_.clear_breakpoint(p.addr);
    else
      cpu_.clear_watchpoint(p.addr);
  }
  return std::exchange(points_, {}).size();
}

Result<void> Repl::cmd_tc(const Words& w) {
  if (w.size() > 2) return fail("usage: tc [ADDR]");
  const uint64_t addr = w.size() == 2 ? STRATA_TRY(value_of(w[1])) : cpu_.pc();
  fmt::print(out_, "{}", STRATA_TRY(cpu_.describe_code(addr)));
  return {};
}

}  // namespace strata::monitor
