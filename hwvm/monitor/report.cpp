// Register dumps and exit statistics.
#include "hwvm/monitor/report.hpp"

#include <fmt/format.h>

namespace strata::hwvm {

namespace {

std::string segment(const char* name, const kvm_segment& s) {
  return fmt::format("{}={:04x} base={:08x} limit={:08x} type={:x} l={} db={}", name, s.selector,
                     s.base, s.limit, s.type, s.l, s.db);
}

}  // namespace

std::string format_registers(const kvm_regs& r, const kvm_sregs& s) {
  std::string out;
  out += fmt::format("  rax={:016x} rbx={:016x} rcx={:016x} rdx={:016x}\n", r.rax, r.rbx, r.rcx,
                     r.rdx);
  out += fmt::format("  rsi={:016x} rdi={:016x} rsp={:016x} rbp={:016x}\n", r.rsi, r.rdi, r.rsp,
                     r.rbp);
  out +=
      fmt::format("  r8 ={:016x} r9 ={:016x} r10={:016x} r11={:016x}\n", r.r8, r.r9, r.r10, r.r11);
  out += fmt::format("  r12={:016x} r13={:016x} r14={:016x} r15={:016x}\n", r.r12, r.r13, r.r14,
                     r.r15);
  out += fmt::format("  rip={:016x} rflags={:016x}\n", r.rip, r.rflags);
  out += fmt::format("  {}\n  {}\n  {}\n", segment("cs", s.cs), segment("ds", s.ds),
                     segment("ss", s.ss));
  out += fmt::format("  cr0={:08x} cr2={:016x} cr3={:016x} cr4={:08x} efer={:x}\n", s.cr0, s.cr2,
                     s.cr3, s.cr4, s.efer);
  out += fmt::format("  gdt base={:x} limit={:x}  idt base={:x} limit={:x}\n", s.gdt.base,
                     s.gdt.limit, s.idt.base, s.idt.limit);
  return out;
}

std::string format_stats(const ExitStats& st) {
  std::uint64_t total = 0;
  for (const auto& [reason, n] : st.by_reason) total += n;
  const double rate = st.seconds > 0 ? static_cast<double>(total) / st.seconds : 0;
  std::string out = fmt::format("exits: {} in {:.3f} s ({:.0f}/s)\n", total, st.seconds, rate);
  for (const auto& [reason, n] : st.by_reason) out += fmt::format("  {:<16}{}\n", reason, n);
  out += fmt::format("  {:<16}{}\n", "unclaimed", st.unclaimed);
  out += fmt::format("  {:<16}{}\n", "irq changes", st.irq_changes);
  out += fmt::format("  {:<16}{}\n", "device faults", st.device_faults);
  return out;
}

}  // namespace strata::hwvm
