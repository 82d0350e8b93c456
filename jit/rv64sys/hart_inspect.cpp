// The hart as the REPL and the gdb stub see it (vm::Vcpu): registers and CSRs by name, memory
// through the guest's page tables without side effects, disassembly, statistics.
#include <cstring>
#include <optional>
#include <utility>

#include <fmt/format.h>

#include "isa/rv64/decoder.hpp"
#include "isa/rv64/disasm.hpp"
#include "jit/rv64sys/csr_text.hpp"
#include "jit/rv64sys/hart_impl.hpp"

namespace strata::jit::rv64sys {

namespace state = vm::rv64::state;
using namespace vm::rv64sys;

namespace {

constexpr std::pair<std::uint16_t, const char*> kCsrNames[] = {
#include "isa/rv64/csr_names.inc"
};

// The CSRs registers() lists (every named CSR is readable by name).
constexpr std::uint16_t kListedCsrs[] = {csr::kMstatus, csr::kMisa,  csr::kMedeleg,  csr::kMideleg,
                                         csr::kMie,     csr::kMtvec, csr::kMscratch, csr::kMepc,
                                         csr::kMcause,  csr::kMtval, csr::kMip,      csr::kSstatus,
                                         csr::kSie,     csr::kStvec, csr::kSscratch, csr::kSepc,
                                         csr::kScause,  csr::kStval, csr::kSip,      csr::kSatp};

enum class RegKind { X, F, Pc, Fcsr, Priv, Csr };
struct RegRef {
  RegKind kind;
  unsigned index = 0;
};

std::optional<RegRef> find_reg(std::string_view name) {
  if (name == "pc") return RegRef{RegKind::Pc};
  if (name == "fcsr") return RegRef{RegKind::Fcsr};
  if (name == "priv") return RegRef{RegKind::Priv};
  if (const auto r = isa::rv64::parse_reg_name(name))
    return RegRef{r->fp ? RegKind::F : RegKind::X, r->index};
  for (const auto& [num, n] : kCsrNames)
    if (name == n) return RegRef{RegKind::Csr, num};
  return std::nullopt;
}

// Page-table reads for the debugger: the walk's A/D updates are acknowledged and dropped, so
// looking at memory never changes what the guest sees.
class SideEffectFreePtes final : public PhysAccess {
 public:
  explicit SideEffectFreePtes(PhysAccess& ram) : ram_(ram) {}
  bool read_pte(std::uint64_t pa, std::uint64_t* value) override {
    return ram_.read_pte(pa, value);
  }
  bool cas_pte(std::uint64_t, std::uint64_t, std::uint64_t) override { return true; }

 private:
  PhysAccess& ram_;
};

}  // namespace

Result<std::uint64_t> Hart::Impl::debug_translate(std::uint64_t va, std::uint64_t len) {
  SideEffectFreePtes ptes(*this);
  const Translation t = translate(va, Access::Load, walk_context(priv), ptes);
  if (!t.ok) return fail("0x{:x}: not mapped ({})", va, cause_name(t.cause));
  if (!in_ram(t.pa, len)) return fail("0x{:x}: physical 0x{:x} is not RAM", va, t.pa);
  return t.pa;
}

std::vector<vm::RegInfo> Hart::registers() const {
  std::vector<vm::RegInfo> regs;
  for (unsigned i = 0; i < 32; ++i)
    regs.push_back({fmt::format("x{}", i), std::string(isa::rv64::x_reg_name(i)), 64, "general"});
  regs.push_back({"pc", "", 64, "general"});
  for (unsigned i = 0; i < 32; ++i)
    regs.push_back({fmt::format("f{}", i), std::string(isa::rv64::f_reg_name(i)), 64, "float"});
  regs.push_back({"fcsr", "", 32, "float"});
  // "sregs": the REPL's `sregs` lists them, `regs` the rest.
  regs.push_back({"priv", "", 8, "sregs"});
  for (std::uint16_t n : kListedCsrs)
    regs.push_back({std::string(isa::rv64::csr_name(n)), "", 64, "sregs"});
  return regs;
}

Result<std::uint64_t> Hart::read_reg(std::string_view name) const {
  const auto r = find_reg(name);
  if (!r) return fail("unknown register '{}' for riscv64", name);
  Impl& m = *impl_;
  switch (r->kind) {
    case RegKind::X: return m.x(r->index);
    case RegKind::F: return m.word(vm::rv64::f_offset(r->index));
    case RegKind::Pc: return m.pc;
    case RegKind::Fcsr: return m.word(state::kFcsr) & 0xff;
    case RegKind::Priv: return static_cast<std::uint64_t>(m.priv);
    case RegKind::Csr: {
      std::uint64_t v = 0;
      // As M-mode reads it: the debugger sees every CSR the hart has.
      if (!m.csrs.read(static_cast<std::uint16_t>(r->index), Priv::Machine, m, &v))
        return fail("CSR '{}' does not exist on this hart", name);
      return v;
    }
  }
  return fail("unknown register '{}' for riscv64", name);
}

Result<void> Hart::write_reg(std::string_view name, std::uint64_t value) {
  const auto r = find_reg(name);
  if (!r) return fail("unknown register '{}' for riscv64", name);
  Impl& m = *impl_;
  switch (r->kind) {
    case RegKind::X:
      if (r->index == 0) return fail("x0 is always 0");
      m.set_x(r->index, value);
      return {};
    case RegKind::F: m.word(vm::rv64::f_offset(r->index)) = value; return {};
    case RegKind::Pc:
      if ((value & 1) != 0)
        return fail("pc 0x{:x} is odd (RISC-V instructions are 2-aligned)", value);
      m.pc = value;
      return {};
    case RegKind::Fcsr: m.word(state::kFcsr) = value & 0xff; return {};
    case RegKind::Priv:
      if (value != 0 && value != 1 && value != 3)
        return fail("priv {} is not a mode (0 U, 1 S, 3 M)", value);
      m.priv = static_cast<Priv>(value);
      return {};
    case RegKind::Csr:
      if (!m.csrs.write(static_cast<std::uint16_t>(r->index), Priv::Machine, m, value))
        return fail("CSR '{}' is not writable", name);
      if (m.csrs.take_translation_changed()) m.tlb->flush_all();
      return {};
  }
  return fail("unknown register '{}' for riscv64", name);
}

Result<void> Hart::read_memory(std::uint64_t addr, std::span<std::uint8_t> out) const {
  std::uint64_t done = 0;
  while (done < out.size()) {
    const std::uint64_t va = addr + done;
    const std::uint64_t n = std::min<std::uint64_t>(out.size() - done, 0x1000 - (va & 0xfff));
    const std::uint64_t pa = STRATA_TRY(impl_->debug_translate(va, n));
    std::memcpy(out.data() + done, impl_->ram_at(pa), n);
    done += n;
  }
  return {};
}

Result<void> Hart::write_memory(std::uint64_t addr, std::span<const std::uint8_t> in) {
  std::uint64_t done = 0;
  while (done < in.size()) {
    const std::uint64_t va = addr + done;
    const std::uint64_t n = std::min<std::uint64_t>(in.size() - done, 0x1000 - (va & 0xfff));
    const std::uint64_t pa = STRATA_TRY(impl_->debug_translate(va, n));
    std::memcpy(impl_->ram_at(pa), in.data() + done, n);
    impl_->cache->drop_page(pa);
    done += n;
  }
  return {};
}

Result<void> Hart::read_physical(std::uint64_t addr, std::span<std::uint8_t> out) const {
  if (!impl_->in_ram(addr, out.size()))
    return fail("physical 0x{:x}..0x{:x} is not RAM (0x{:x}..0x{:x})", addr, addr + out.size(),
                impl_->opts.ram_base, impl_->opts.ram_base + impl_->opts.ram_size);
  std::memcpy(out.data(), impl_->ram_at(addr), out.size());
  return {};
}

std::string Hart::format_reg(const vm::RegInfo& reg, std::uint64_t value) const {
  return reg.group == "sregs" ? csr_text(reg.name, value) : std::string();
}

std::uint64_t Hart::pc() const {
  return impl_->pc;
}

Result<void> Hart::set_breakpoint(std::uint64_t addr) {
  if ((addr & 1) != 0) return fail("0x{:x} is odd: no RISC-V instruction starts there", addr);
  impl_->bps.insert(addr);
  return {};
}

bool Hart::clear_breakpoint(std::uint64_t addr) {
  return impl_->bps.erase(addr) != 0;
}

Result<vm::GuestInsn> Hart::disassemble(std::uint64_t addr) const {
  std::uint16_t lo = 0, hi = 0;
  STRATA_TRY(read_memory(addr, {reinterpret_cast<std::uint8_t*>(&lo), 2}));
  const int len = isa::rv64::insn_length(lo);
  if (len == 4) STRATA_TRY(read_memory(addr + 2, {reinterpret_cast<std::uint8_t*>(&hi), 2}));
  const isa::rv64::DecodedInsn in = len == 4 ? isa::rv64::decode(lo | (std::uint32_t{hi} << 16))
                                             : isa::rv64::decode_compressed(lo);
  return vm::GuestInsn{static_cast<std::uint32_t>(len), isa::rv64::disassemble(in, addr)};
}

std::string Hart::stats() const {
  const Impl& m = *impl_;
  const HartStats& s = m.stats;
  std::string out = m.cache->format_stats();
  if (m.opt != nullptr) out += m.opt->format_stats();
  out += "rv64 hart\n";
  out += fmt::format(
      "  cpu            {:.3f} s in Hart::run (the compile threads apart), {:.3f} s of it in "
      "the host kernel\n",
      static_cast<double>(s.run_cpu_ns) / 1e9, static_cast<double>(s.run_system_ns) / 1e9);
  const std::uint64_t retired = m.word(state::kInstret);
  out += fmt::format(
      "  units run      {} ({} interpreted); {} guest instructions retired ({:.1f} per unit)\n",
      s.units_run, s.units_interpreted, retired,
      s.units_run == 0 ? 0.0 : static_cast<double>(retired) / static_cast<double>(s.units_run));
  out += fmt::format("  memory         {} slow-path accesses, {} walks, {} device accesses\n",
                     s.slow_accesses, s.walks, s.mmio);
  out += fmt::format("  tlb            {} flushes (sfence.vma, satp, mstatus)\n", s.tlb_flushes);
  out += fmt::format(
      "  code           {} stores into pages with translations; {} instructions "
      "across a page end\n",
      s.code_writes, s.cross_page_insns);
  out += fmt::format("  sbi            {} calls; wfi {} sleeps\n", s.sbi_calls, s.wfi_sleeps);
  std::string exits;
  for (std::size_t i = 0; i < s.exits.size(); ++i)
    if (s.exits[i] != 0) exits += fmt::format(" {}:{}", i, s.exits[i]);
  out += fmt::format("  exits by kind {}\n", exits.empty() ? " none" : exits);
  for (const auto& [cause, n] : s.traps)
    out += fmt::format("  trap           {} ({}): {}\n", cause_name(cause), cause, n);
  for (const auto& [cause, n] : s.interrupts)
    out +=
        fmt::format("  interrupt      {} ({}): {}\n", cause_name(cause | kInterruptBit), cause, n);
  return out;
}

Result<std::string> Hart::describe_code(std::uint64_t addr) {
  Impl& m = *impl_;
  const std::uint64_t pa = STRATA_TRY(m.debug_translate(addr, 2));
  const UnitKey key{addr, pa, m.data_index()};
  const rv64::CachedBlock* b = m.cache->lookup(key);
  if (b == nullptr)
    return fail("no unit starts at 0x{:x} (physical 0x{:x}) for the current MMU index", addr, pa);
  std::string out = fmt::format(
      "unit at 0x{:x} (physical 0x{:x}, MMU index {}): {} guest instructions, {} SVI "
      "instructions, {}\n",
      addr, pa, static_cast<int>(key.index), b->block.guest_insns, b->block.fn.code.size(),
      b->func.jit_entry != nullptr ? "baseline-compiled" : "interpreted");
  for (const auto& [lo, hi] : b->block.ranges)
    out += fmt::format("  guest [0x{:x}, 0x{:x})\n", lo, hi);
  return out;
}

}  // namespace strata::jit::rv64sys
