// The KVM vcpu's registers by name: kvm_regs ("general", in gdb's amd64 order), the linear
// pc, and kvm_sregs ("sregs": segment bases, control registers, EFER, descriptor tables).
#include <cstddef>

#include "hwvm/monitor/kvm_debug_vcpu.hpp"

namespace strata::hwvm {

namespace {

struct GeneralReg {
  const char* name;
  __u64 kvm_regs::*field;
};

constexpr GeneralReg kGeneral[] = {
    {"rax", &kvm_regs::rax}, {"rbx", &kvm_regs::rbx}, {"rcx", &kvm_regs::rcx},
    {"rdx", &kvm_regs::rdx}, {"rsi", &kvm_regs::rsi}, {"rdi", &kvm_regs::rdi},
    {"rbp", &kvm_regs::rbp}, {"rsp", &kvm_regs::rsp}, {"r8", &kvm_regs::r8},
    {"r9", &kvm_regs::r9},   {"r10", &kvm_regs::r10}, {"r11", &kvm_regs::r11},
    {"r12", &kvm_regs::r12}, {"r13", &kvm_regs::r13}, {"r14", &kvm_regs::r14},
    {"r15", &kvm_regs::r15}, {"rip", &kvm_regs::rip}, {"eflags", &kvm_regs::rflags},
};

struct SegmentReg {
  const char* name;
  kvm_segment kvm_sregs::*field;
};

constexpr SegmentReg kSegments[] = {{"cs", &kvm_sregs::cs}, {"ss", &kvm_sregs::ss},
                                    {"ds", &kvm_sregs::ds}, {"es", &kvm_sregs::es},
                                    {"fs", &kvm_sregs::fs}, {"gs", &kvm_sregs::gs}};

struct SystemReg {
  const char* name;
  __u64 kvm_sregs::*field;
};

constexpr SystemReg kControl[] = {{"cr0", &kvm_sregs::cr0},
                                  {"cr2", &kvm_sregs::cr2},
                                  {"cr3", &kvm_sregs::cr3},
                                  {"cr4", &kvm_sregs::cr4},
                                  {"efer", &kvm_sregs::efer}};

constexpr std::uint64_t kCr0Pe = 1;

const SegmentReg* segment_named(std::string_view name) {
  for (const SegmentReg& s : kSegments)
    if (name == s.name) return &s;
  return nullptr;
}

// "cs_base" -> the segment "cs"; null for any other name.
const SegmentReg* segment_base_named(std::string_view name) {
  if (!name.ends_with("_base")) return nullptr;
  return segment_named(name.substr(0, name.size() - 5));
}

// The descriptor-table registers: "gdt_base", "gdt_limit", "idt_base", "idt_limit".
kvm_dtable* dtable_named(kvm_sregs& s, std::string_view name) {
  if (name.starts_with("gdt_")) return &s.gdt;
  if (name.starts_with("idt_")) return &s.idt;
  return nullptr;
}

bool is_dtable_name(std::string_view n) {
  return n == "gdt_base" || n == "gdt_limit" || n == "idt_base" || n == "idt_limit";
}

}  // namespace

std::vector<vm::RegInfo> KvmDebugVcpu::registers() const {
  std::vector<vm::RegInfo> out;
  for (const GeneralReg& r : kGeneral)
    out.push_back({r.name, "", std::string_view(r.name) == "eflags" ? 32u : 64u, "general"});
  for (const SegmentReg& s : kSegments) out.push_back({s.name, "", 32, "general"});
  out.push_back({"pc", "", 64, "general"});
  for (const SegmentReg& s : kSegments)
    out.push_back({std::string(s.name) + "_base", "", 64, "sregs"});
  for (const SystemReg& c : kControl) out.push_back({c.name, "", 64, "sregs"});
  out.push_back({"gdt_base", "", 64, "sregs"});
  out.push_back({"gdt_limit", "", 32, "sregs"});
  out.push_back({"idt_base", "", 64, "sregs"});
  out.push_back({"idt_limit", "", 32, "sregs"});
  return out;
}

Result<uint64_t> KvmDebugVcpu::read_reg(std::string_view name) const {
  if (name.starts_with("$")) name.remove_prefix(1);
  hwvm::Vcpu& v = machine_->vcpu();
  for (const GeneralReg& r : kGeneral)
    if (name == r.name) return STRATA_TRY(v.get_regs()).*r.field;
  if (name == "pc") return pc();
  kvm_sregs s = STRATA_TRY(v.get_sregs());
  if (const SegmentReg* seg = segment_named(name)) return (s.*seg->field).selector;
  if (const SegmentReg* seg = segment_base_named(name)) return (s.*seg->field).base;
  for (const SystemReg& c : kControl)
    if (name == c.name) return s.*c.field;
  if (is_dtable_name(name)) {
    const kvm_dtable* t = dtable_named(s, name);
    return name.ends_with("_base") ? t->base : t->limit;
  }
  return fail("no x86 register '{}' (regs and sregs list them)", name);
}

Result<void> KvmDebugVcpu::write_reg(std::string_view name, uint64_t value) {
  if (name.starts_with("$")) name.remove_prefix(1);
  hwvm::Vcpu& v = machine_->vcpu();
  for (const GeneralReg& r : kGeneral) {
    if (name != r.name) continue;
    kvm_regs regs = STRATA_TRY(v.get_regs());
    regs.*r.field = value;
    return v.set_regs(regs);
  }
  kvm_sregs s = STRATA_TRY(v.get_sregs());
  if (name == "pc") {
    // pc is linear: the new rip is its offset from the code segment's base.
    kvm_regs regs = STRATA_TRY(v.get_regs());
    const bool flat = mode() == x86::CpuMode::Long64;
    if (!flat && (value < s.cs.base || value - s.cs.base > s.cs.limit))
      return fail("pc 0x{:x} is outside the code segment (base 0x{:x}, limit 0x{:x})", value,
                  s.cs.base, s.cs.limit);
    regs.rip = flat ? value : value - s.cs.base;
    return v.set_regs(regs);
  }
  if (const SegmentReg* seg = segment_named(name)) {
    if (value > 0xffff) return fail("{}: a selector is 16 bits, not 0x{:x}", name, value);
    kvm_segment& sg = s.*seg->field;
    sg.selector = static_cast<std::uint16_t>(value);
    // In real mode loading a selector loads its base (selector * 16), as `mov %ax, %ds` does;
    // in protected mode the base comes from a descriptor, which the user sets as NAME_base.
    if ((s.cr0 & kCr0Pe) == 0) sg.base = value << 4;
    return v.set_sregs(s);
  }
  if (const SegmentReg* seg = segment_base_named(name)) {
    (s.*seg->field).base = value;
    return v.set_sregs(s);
  }
  for (const SystemReg& c : kControl) {
    if (name != c.name) continue;
    s.*c.field = value;
    return v.set_sregs(s);
  }
  if (is_dtable_name(name)) {
    kvm_dtable* t = dtable_named(s, name);
    if (name.ends_with("_base")) {
      t->base = value;
    } else {
      if (value > 0xffff) return fail("{}: a limit is 16 bits, not 0x{:x}", name, value);
      t->limit = static_cast<std::uint16_t>(value);
    }
    return v.set_sregs(s);
  }
  return fail("no x86 register '{}' (regs and sregs list them)", name);
}

uint64_t KvmDebugVcpu::pc() const {
  auto regs = machine_->vcpu().get_regs();
  auto s = machine_->vcpu().get_sregs();
  if (!regs || !s) return 0;
  if (mode() == x86::CpuMode::Long64) return regs->rip;
  // Real and protected mode: CS base + IP, wrapped to 32 bits as the hardware's linear address.
  return (s->cs.base + regs->rip) & 0xffffffffull;
}

x86::CpuMode KvmDebugVcpu::mode() const {
  auto s = machine_->vcpu().get_sregs();
  if (!s || (s->cr0 & kCr0Pe) == 0) return x86::CpuMode::Real16;
  constexpr std::uint64_t kEferLma = 1ull << 10;
  if ((s->efer & kEferLma) != 0 && s->cs.l != 0) return x86::CpuMode::Long64;
  return s->cs.db != 0 ? x86::CpuMode::Protected32 : x86::CpuMode::Real16;
}

}  // namespace strata::hwvm
