// Rv64Vcpu's inspection side: registers by name, guest memory, disassembly, statistics and the
// translation of a block (rv64_vcpu.hpp).
#include <time.h>

#include <algorithm>

#include <fmt/format.h>

#include "isa/code_walk.hpp"
#include "isa/rv64/decoder.hpp"
#include "isa/rv64/disasm.hpp"
#include "jit/rv64/guest_module.hpp"
#include "jit/rv64/helpers.hpp"
#include "jit/rv64/rv64_vcpu.hpp"

namespace strata::jit::rv64 {

namespace {

namespace state = vm::rv64::state;

enum class RegKind { X, F, Pc, Fcsr, Fflags, Frm, Cycle, Time, Instret };

struct RegRef {
  RegKind kind;
  unsigned index = 0;
};

// The time CSR as the guest reads it (translate_csr.cpp's ReadTime helper): CLOCK_MONOTONIC in
// 100 ns ticks, a 10 MHz timebase.
uint64_t guest_time() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<uint64_t>(ts.tv_sec) * 10'000'000u + static_cast<uint64_t>(ts.tv_nsec) / 100u;
}

std::optional<RegRef> find_reg(std::string_view name) {
  if (name == "pc") return RegRef{RegKind::Pc};
  if (name == "fcsr") return RegRef{RegKind::Fcsr};
  if (name == "fflags") return RegRef{RegKind::Fflags};
  if (name == "frm") return RegRef{RegKind::Frm};
  if (name == "cycle") return RegRef{RegKind::Cycle};
  if (name == "time") return RegRef{RegKind::Time};
  if (name == "instret") return RegRef{RegKind::Instret};
  if (const auto r = isa::rv64::parse_reg_name(name))
    return RegRef{r->fp ? RegKind::F : RegKind::X, r->index};
  return std::nullopt;
}

std::string operand_text(isa::Operand k, uint16_t v, isa::Word w) {
  using isa::Operand;
  if (isa::is_reg(k)) return fmt::format("r{}", v);
  switch (k) {
    case Operand::S16:
    case Operand::J16: return fmt::format("{}", static_cast<int16_t>(v));
    case Operand::I32:
    case Operand::J32: return fmt::format("{}", isa::sbc_of(w));
    case Operand::K32: return fmt::format("k{}", isa::bc_of(w));
    case Operand::Im: {
      const auto helpers = helper_table();
      return v < helpers.size() ? fmt::format("rv64.{}", helpers[v].name) : fmt::format("#{}", v);
    }
    default: return fmt::format("{}", v);
  }
}

// One line per SVI instruction: "    12  add r64, r10, r11   ; 0x10234".
std::string svi_listing(const TranslatedBlock& b) {
  static const isa::Module guest_module = make_guest_module(0);
  std::string out;
  uint64_t last_guest = ~uint64_t{0};
  for (const isa::Insn& in : isa::CodeWalk(guest_module, b.fn)) {
    if (in.status != isa::InsnStatus::Ok) {
      out += fmt::format("  {:5}  .word 0x{:016x}\n", in.pc, in.word);
      continue;
    }
    const isa::OpInfo& info = isa::info(in.op());
    std::string text(info.mnemonic);
    const char* sep = " ";
    if (info.a != isa::Operand::__) {
      text += sep + operand_text(info.a, isa::a_of(in.word), in.word);
      sep = ", ";
    }
    if (info.b != isa::Operand::__) {
      text += sep + operand_text(info.b, isa::b_of(in.word), in.word);
      sep = ", ";
    }
    if (info.c != isa::Operand::__ && !isa::is_wide(info.b))
      text += sep + operand_text(info.c, isa::c_of(in.word), in.word);
    for (uint32_t i = 0; i < in.nargs; ++i)
      text += fmt::format("{}r{}", i == 0 ? " (" : ", ", isa::arg_of(in.args[i / 4], i % 4));
    if (in.nargs != 0) text += ")";
    const uint64_t guest = guest_pc_of(b, in.pc);
    if (guest != last_guest && !b.pc_map.empty() && in.pc >= b.pc_map.front().first) {
      out += fmt::format("  {:5}  {:<40} ; 0x{:x}\n", in.pc, text, guest);
      last_guest = guest;
    } else {
      out += fmt::format("  {:5}  {}\n", in.pc, text);
    }
  }
  return out;
}

}  // namespace

Result<void> Rv64Vcpu::check_loaded() const {
  if (!proc_) return fail("the guest is gone: the program its execve chose could not start");
  return {};
}

std::vector<vm::RegInfo> Rv64Vcpu::registers() const {
  std::vector<vm::RegInfo> regs;
  for (unsigned i = 0; i < 32; ++i)
    regs.push_back({fmt::format("x{}", i), std::string(isa::rv64::x_reg_name(i)), 64, "general"});
  regs.push_back({"pc", "", 64, "general"});
  for (unsigned i = 0; i < 32; ++i)
    regs.push_back({fmt::format("f{}", i), std::string(isa::rv64::f_reg_name(i)), 64, "float"});
  // The CSRs a user program has are the REPL's `sregs` (the counters read-only, as for the
  // guest). The order is gdb's register numbering: new ones go at the end.
  regs.push_back({"fflags", "", 32, "sregs"});
  regs.push_back({"frm", "", 32, "sregs"});
  regs.push_back({"fcsr", "", 32, "sregs"});
  regs.push_back({"cycle", "", 64, "sregs"});
  regs.push_back({"time", "", 64, "sregs"});
  regs.push_back({"instret", "", 64, "sregs"});
  return regs;
}

Result<uint64_t> Rv64Vcpu::read_reg(std::string_view name) const {
  const auto r = find_reg(name);
  if (!r) return fail("unknown register '{}' for riscv64", name);
  STRATA_TRY(check_loaded());
  switch (r->kind) {
    case RegKind::X: return r->index == 0 ? 0 : mem_->x(r->index);
    case RegKind::F: return mem_->state(vm::rv64::f_offset(r->index));
    case RegKind::Pc: return pc_;
    case RegKind::Fcsr: return mem_->state(state::kFcsr) & 0xff;
    case RegKind::Fflags: return mem_->state(state::kFcsr) & 0x1f;
    case RegKind::Frm: return (mem_->state(state::kFcsr) >> 5) & 7;
    // A guest "cycle" is one retired instruction (translate_csr.cpp); the count is exact
    // whenever the vcpu is paused, as runs stop at unit exits.
    case RegKind::Cycle:
    case RegKind::Instret: return mem_->state(state::kInstret);
    case RegKind::Time: return guest_time();
  }
  return fail("unknown register '{}' for riscv64", name);
}

Result<void> Rv64Vcpu::write_reg(std::string_view name, uint64_t value) {
  const auto r = find_reg(name);
  if (!r) return fail("unknown register '{}' for riscv64", name);
  if (ended_) return fail("the guest has ended; its registers are read-only");
  STRATA_TRY(check_loaded());
  if (r->kind == RegKind::Cycle || r->kind == RegKind::Time || r->kind == RegKind::Instret)
    return fail("{} is a read-only counter (as for the guest)", name);
  const uint64_t fcsr = mem_->state(state::kFcsr) & 0xff;
  switch (r->kind) {
    case RegKind::X: mem_->set_x(r->index, value); return {};  // x0 stays 0, as in hardware
    case RegKind::F: mem_->set_state(vm::rv64::f_offset(r->index), value); return {};
    case RegKind::Pc:
      if (value & 1) return fail("pc 0x{:x} is not 2-byte aligned", value);
      pc_ = value;
      return {};
    case RegKind::Fcsr:
      if (value > 0xff) return fail("fcsr 0x{:x} has bits above bit 7", value);
      mem_->set_state(state::kFcsr, value);
      return {};
    case RegKind::Fflags:
      if (value > 0x1f) return fail("fflags 0x{:x} has bits above bit 4", value);
      mem_->set_state(state::kFcsr, (fcsr & ~uint64_t{0x1f}) | value);
      return {};
    case RegKind::Frm:
      if (value > 7) return fail("frm {} is not a rounding mode (0..7)", value);
      mem_->set_state(state::kFcsr, (fcsr & 0x1f) | (value << 5));
      return {};
    case RegKind::Cycle:
    case RegKind::Time:
    case RegKind::Instret: break;  // refused above
  }
  return {};
}

Result<void> Rv64Vcpu::read_memory(uint64_t addr, std::span<uint8_t> out) const {
  STRATA_TRY(check_loaded());
  for (uint64_t i = 0; i < out.size(); ++i) {
    // GUEST: a debugger sees only mapped pages, as the guest itself would.
    const uint64_t a = addr + i;
    if (a < addr || !mem_->is_mapped(a) || !mem_->read(a, &out[i], 1))
      return fail("address 0x{:x} is not mapped", a);
  }
  return {};
}

Result<void> Rv64Vcpu::write_memory(uint64_t addr, std::span<const uint8_t> in) {
  STRATA_TRY(check_loaded());
  for (uint64_t i = 0; i < in.size(); ++i) {
    const uint64_t a = addr + i;
    if (a < addr || !mem_->is_mapped(a) || !mem_->in_range(a, 1))
      return fail("address 0x{:x} is not mapped", a);
  }
  {
    // A debugger writes like the kernel does (ptrace): whatever the page's protection.
    vm::rv64::GuestMemory::KernelAccess kernel(*mem_);
    mem_->write(addr, in.data(), in.size());
  }
  // A debugger may patch code, even read-only code: translations of it are stale.
  if (!in.empty()) drop_translations(addr, in.size());
  if (mem_->has_written_code()) drop_written_code();
  return {};
}

Result<vm::GuestInsn> Rv64Vcpu::disassemble(uint64_t addr) const {
  if (addr & 1) return fail("address 0x{:x} is not 2-byte aligned", addr);
  uint16_t lo = 0;
  STRATA_TRY(read_memory(addr, {reinterpret_cast<uint8_t*>(&lo), 2}));
  uint32_t raw = lo;
  if (isa::rv64::insn_length(lo) == 4) {
    uint16_t hi = 0;
    STRATA_TRY(read_memory(addr + 2, {reinterpret_cast<uint8_t*>(&hi), 2}));
    raw |= uint32_t{hi} << 16;
  }
  const isa::rv64::DecodedInsn d = isa::rv64::decode(raw);
  return vm::GuestInsn{d.length, isa::rv64::disassemble(d, addr)};
}

std::string Rv64Vcpu::stats() const {
  if (!proc_) return "  no statistics: the program an execve chose could not start\n";
  std::string out = cache_->format_stats();
  // "executed" counts the units the loop entered, "chained jumps" those entered from another
  // unit's code: their sum is every unit entry. "Found" are those of indirect exits.
  out += fmt::format(
      "  executed       {} blocks from the loop; chained jumps {} ({} found by indirect exits); "
      "{} syscalls ({} unsupported)\n",
      executed_, chained_jumps(), found_jumps(), proc_->stats().syscalls,
      proc_->stats().unsupported);
  const auto writes = mem_->code_write_stats();
  const CodeChangeStats& c = code_changes_;
  out += fmt::format(
      "  code changes   {} stores and {} kernel writes into translated code: {} pages, {} units "
      "dropped; {} fence.i; {} by syscalls\n",
      writes.stores, writes.kernel_writes, c.written_pages, c.written_units, c.fence_i, c.syscalls);
  if (writes.unprotected != 0)
    out += fmt::format(
        "  UNSEEN         {} code pages could not be write-protected (the host refused): stores "
        "into them do not drop their translations\n",
        writes.unprotected);
  if (!c.per_page.empty()) {
    const auto most = std::max_element(c.per_page.begin(), c.per_page.end(),
                                       [](auto& a, auto& b) { return a.second < b.second; });
    out += fmt::format("  most written   page 0x{:x}: its code dropped {} times\n", most->first,
                       most->second);
  }
  if (proc_->thread_stats().created != 0)
    out += fmt::format("  threads        {} created, {} switches\n", proc_->thread_stats().created,
                       proc_->thread_stats().switches);
  if (!step_blocks_.empty() || !bps_.empty())
    out += fmt::format("  debugger       {} single-instruction blocks cached, {} breakpoints\n",
                       step_blocks_.size(), bps_.size());
  if (code_) out += code_->format_stats() + jit_->format_stats();
  if (opt_) out += opt_->format_stats();
  return out;
}

// --jit=auto: where the unit stands towards the LLVM tier (count_for_opt, start_opt_count).
std::string Rv64Vcpu::describe_opt(const CachedBlock& b) const {
  switch (b.opt) {
    case CachedBlock::Opt::None: {
      const uint32_t share = opt_limit() - opt_start(b);
      return fmt::format("optimizing tier: {} of {} counted (entries and loop back-edges)\n",
                         b.opt_count - opt_start(b), share);
    }
    case CachedBlock::Opt::Pending: return "optimizing tier: compile requested\n";
    case CachedBlock::Opt::Installed:
      if (b.pruned_from != 0)
        return fmt::format("optimizing tier: installed ({} of {} guest blocks: those that ran)\n",
                           b.block.guest_blocks, b.pruned_from);
      return "optimizing tier: installed\n";
    case CachedBlock::Opt::Declined: return "optimizing tier: declined\n";
  }
  return "";
}

Result<std::string> Rv64Vcpu::describe_code(uint64_t addr) {
  STRATA_TRY(check_loaded());
  if (addr & 1) return fail("address 0x{:x} is not 2-byte aligned", addr);
  const CachedBlock* cached = cache_->lookup(addr);
  std::optional<TranslatedBlock> fresh;
  if (cached == nullptr) {
    auto t = translate_region(addr, fetch_);
    if (!t) return fail("no code at 0x{:x}: {}", addr, t.error().message);
    fresh = std::move(*t);
  }
  const TranslatedBlock& b = cached ? cached->block : *fresh;
  std::string out = fmt::format(
      "guest unit at 0x{:x}: {} blocks, {} instructions{}, {}\n", b.start, b.guest_blocks,
      b.guest_insns, b.has_loop ? ", with a loop" : "",
      cached ? "in the translation cache" : "not translated yet (translated now, not cached)");
  std::vector<std::pair<uint64_t, uint64_t>> ranges = b.ranges;
  if (ranges.empty()) ranges.emplace_back(b.start, b.end);
  for (const auto& [lo, hi] : ranges) {
    out += fmt::format(" guest bytes 0x{:x}..0x{:x}\n", lo, hi);
    for (uint64_t pc = lo; pc < hi;) {
      auto insn = disassemble(pc);
      if (!insn) break;
      out += fmt::format("  0x{:x}  {}\n", pc, insn->text);
      pc += insn->length;
    }
  }
  out +=
      fmt::format("SVI translation: {} words, {} registers\n", b.fn.code.size(), b.fn.regs.size());
  out += svi_listing(b);
  if (cached == nullptr || code_ == nullptr) {
    out += "host code: none (interpreted)\n";
  } else if (const CodeEntry e =
                 code_->peek(CodeKey{reinterpret_cast<uint64_t>(&cached->func), 0})) {
    out += fmt::format("host code: {} bytes of x86-64 at {}\n", e.size, e.code);
  } else {
    out +=
        fmt::format("host code: none yet (interpreted; executed {} times)\n", cached->exec_count);
  }
  if (cached != nullptr && opts_.jit == JitMode::Auto) out += describe_opt(*cached);
  return out;
}

}  // namespace strata::jit::rv64
