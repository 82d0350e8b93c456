#include "hwvm/kvm/exit.hpp"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace strata::hwvm {

namespace {

Exit decode_io(const kvm_run& run, std::size_t mapped_size) {
  exit::Io io;
  io.port = run.io.port;
  io.size = run.io.size;
  io.direction = run.io.direction == KVM_EXIT_IO_IN ? exit::Direction::kIn : exit::Direction::kOut;
  io.count = run.io.count;
  // GUEST: size and count come from the guest's in/out/rep ins/rep outs instruction and
  // data_offset from the kernel; the bytes must lie inside the mapping. 64-bit arithmetic
  // cannot overflow: size <= 255 and count < 2^32.
  std::uint64_t bytes = std::uint64_t{io.size} * io.count;
  bool size_ok = io.size == 1 || io.size == 2 || io.size == 4;
  if (!size_ok || run.io.data_offset > mapped_size || bytes > mapped_size - run.io.data_offset) {
    return exit::Unknown{KVM_EXIT_IO, 0, true};
  }
  const auto* base = reinterpret_cast<const std::uint8_t*>(&run);
  io.data = std::span<const std::uint8_t>(base + run.io.data_offset, bytes);
  return io;
}

Exit decode_mmio(const kvm_run& run) {
  exit::Mmio mmio;
  mmio.addr = run.mmio.phys_addr;
  mmio.len = run.mmio.len;
  mmio.is_write = run.mmio.is_write != 0;
  // GUEST: the access width comes from the guest's instruction; data[] holds 8 bytes.
  if (mmio.len == 0 || mmio.len > sizeof(run.mmio.data))
    return exit::Unknown{KVM_EXIT_MMIO, 0, true};
  if (mmio.is_write) std::memcpy(mmio.data.data(), run.mmio.data, mmio.len);
  return mmio;
}

Exit decode_internal(const kvm_run& run) {
  exit::InternalError e;
  e.suberror = run.internal.suberror;
  // Clamp: ndata is written by the kernel, but never trust a count against a fixed array.
  e.ndata = std::min<std::uint32_t>(run.internal.ndata, 16);
  std::memcpy(e.data.data(), run.internal.data, e.ndata * sizeof(std::uint64_t));
  return e;
}

Exit decode_system_event(const kvm_run& run) {
  exit::SystemEvent e;
  e.raw_type = run.system_event.type;
  switch (run.system_event.type) {
    case KVM_SYSTEM_EVENT_SHUTDOWN: e.type = exit::SystemEventType::kShutdown; break;
    case KVM_SYSTEM_EVENT_RESET: e.type = exit::SystemEventType::kReset; break;
    case KVM_SYSTEM_EVENT_CRASH: e.type = exit::SystemEventType::kCrash; break;
    default: e.type = exit::SystemEventType::kOther; break;
  }
  return e;
}

}  // namespace

Exit decode_exit(const kvm_run& run, std::size_t mapped_size) {
  switch (run.exit_reason) {
    case KVM_EXIT_IO: return decode_io(run, mapped_size);
    case KVM_EXIT_MMIO: return decode_mmio(run);
    case KVM_EXIT_HLT: return exit::Hlt{};
    case KVM_EXIT_SHUTDOWN: return exit::Shutdown{};
    case KVM_EXIT_INTERNAL_ERROR: return decode_internal(run);
    case KVM_EXIT_FAIL_ENTRY:
      return exit::FailEntry{run.fail_entry.hardware_entry_failure_reason, run.fail_entry.cpu};
    case KVM_EXIT_SYSTEM_EVENT: return decode_system_event(run);
    case KVM_EXIT_DEBUG:
      return exit::Debug{run.debug.arch.exception, run.debug.arch.pc, run.debug.arch.dr6,
                         run.debug.arch.dr7};
    case KVM_EXIT_INTR: return exit::Intr{};
    case KVM_EXIT_UNKNOWN:
      return exit::Unknown{KVM_EXIT_UNKNOWN, run.hw.hardware_exit_reason, false};
    default: return exit::Unknown{run.exit_reason, 0, false};
  }
}

namespace {

std::string hex_bytes(std::span<const std::uint8_t> bytes) {
  constexpr std::size_t kMaxShown = 16;
  std::string s;
  for (std::size_t i = 0; i < bytes.size() && i < kMaxShown; ++i) {
    if (i) s += ' ';
    s += fmt::format("{:02x}", bytes[i]);
  }
  if (bytes.size() > kMaxShown) s += fmt::format(" ... ({} bytes)", bytes.size());
  return s;
}

std::string_view internal_suberror_name(std::uint32_t suberror) {
  switch (suberror) {
    case KVM_INTERNAL_ERROR_EMULATION: return "emulation failure";
    case KVM_INTERNAL_ERROR_SIMUL_EX: return "exception while delivering an exception";
    case KVM_INTERNAL_ERROR_DELIVERY_EV: return "event delivery failed";
    case KVM_INTERNAL_ERROR_UNEXPECTED_EXIT_REASON: return "unexpected hardware exit reason";
    default: return "unknown suberror";
  }
}

std::string_view system_event_name(exit::SystemEventType t) {
  switch (t) {
    case exit::SystemEventType::kShutdown: return "shutdown";
    case exit::SystemEventType::kReset: return "reset";
    case exit::SystemEventType::kCrash: return "crash";
    case exit::SystemEventType::kOther: return "other";
  }
  return "?";
}

struct Describer {
  std::string operator()(const exit::Io& io) const {
    if (io.direction == exit::Direction::kIn) {
      return fmt::format("io in port 0x{:x} size {} count {}", io.port, io.size, io.count);
    }
    return fmt::format("io out port 0x{:x} size {} count {} data {}", io.port, io.size, io.count,
                       hex_bytes(io.data));
  }
  std::string operator()(const exit::Mmio& m) const {
    if (!m.is_write) return fmt::format("mmio read 0x{:x} len {}", m.addr, m.len);
    return fmt::format("mmio write 0x{:x} len {} data {}", m.addr, m.len,
                       hex_bytes(std::span(m.data.data(), std::min<std::size_t>(m.len, 8))));
  }
  std::string operator()(const exit::Hlt&) const { return "hlt"; }
  std::string operator()(const exit::Shutdown&) const {
    return "shutdown (triple fault: the guest hit an exception it could not handle)";
  }
  std::string operator()(const exit::InternalError& e) const {
    std::string s = fmt::format("internal error: suberror {} ({})", e.suberror,
                                internal_suberror_name(e.suberror));
    for (std::uint32_t i = 0; i < e.ndata && i < e.data.size(); ++i) {
      s += fmt::format("{}0x{:x}", i ? " " : " data ", e.data[i]);
    }
    return s;
  }
  std::string operator()(const exit::FailEntry& f) const {
    return fmt::format("VM entry failed: hardware reason 0x{:x} on cpu {}", f.reason, f.cpu);
  }
  std::string operator()(const exit::SystemEvent& e) const {
    return fmt::format("system event {} (type {})", system_event_name(e.type), e.raw_type);
  }
  std::string operator()(const exit::Debug& d) const {
    return fmt::format("debug: exception {} at pc 0x{:x} dr6 0x{:x} dr7 0x{:x}", d.exception, d.pc,
                       d.dr6, d.dr7);
  }
  std::string operator()(const exit::Intr&) const {
    return "interrupted (signal or immediate_exit)";
  }
  std::string operator()(const exit::Unknown& u) const {
    if (u.malformed)
      return fmt::format("malformed exit {}: data outside the kvm_run area", u.reason);
    if (u.reason == KVM_EXIT_UNKNOWN) {
      return fmt::format("unknown exit: hardware reason 0x{:x}", u.hardware_exit_reason);
    }
    return fmt::format("unhandled exit reason {}", u.reason);
  }
};

}  // namespace

std::string describe(const Exit& e) {
  return std::visit(Describer{}, e);
}

}  // namespace strata::hwvm
