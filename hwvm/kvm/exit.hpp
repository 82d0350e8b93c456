// Why KVM_RUN returned, as a value. decode_exit() is a pure function of the kvm_run area, so
// every exit kind is unit-tested with hand-built structs and no /dev/kvm (STYLE lesson 5).
//
// Lifetime: Io::data points into the kvm_run mapping it was decoded from; it is valid until the
// next KVM_RUN on that VCPU. For an `in` exit the monitor writes the answer there (through
// Vcpu::writable) before the next KVM_RUN.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <variant>

#include <linux/kvm.h>

namespace strata::hwvm {

namespace exit {

enum class Direction : std::uint8_t { kIn, kOut };

// Port I/O (KVM_EXIT_IO). `data` holds size * count bytes: `count` > 1 for rep ins/outs.
struct Io {
  std::uint16_t port = 0;
  std::uint8_t size = 0;  // 1, 2 or 4
  Direction direction = Direction::kOut;
  std::uint32_t count = 0;
  std::span<const std::uint8_t> data;
};

// An access to guest-physical memory no slot backs (KVM_EXIT_MMIO). For a write, the first
// `len` bytes of `data` are the value (little-endian); for a read the monitor fills kvm_run's
// mmio.data before the next KVM_RUN.
struct Mmio {
  std::uint64_t addr = 0;
  std::uint32_t len = 0;  // 1..8
  bool is_write = false;
  std::array<std::uint8_t, 8> data{};
};

struct Hlt {};
// The guest triple-faulted (KVM_EXIT_SHUTDOWN).
struct Shutdown {};

// KVM could not continue: suberror KVM_INTERNAL_ERROR_EMULATION (1) is the instruction
// emulator giving up, which under kvm_pvm means an instruction it does not implement.
struct InternalError {
  std::uint32_t suberror = 0;
  std::uint32_t ndata = 0;  // entries of `data` that are valid (at most 16)
  std::array<std::uint64_t, 16> data{};
};

// VM entry failed; `reason` is the hardware's code (VMX exit qualification / SVM exit code).
struct FailEntry {
  std::uint64_t reason = 0;
  std::uint32_t cpu = 0;
};

enum class SystemEventType : std::uint8_t { kShutdown, kReset, kCrash, kOther };
struct SystemEvent {
  SystemEventType type = SystemEventType::kOther;
  std::uint32_t raw_type = 0;  // KVM_SYSTEM_EVENT_*
};

// A guest debug event (breakpoint, single step) while KVM_SET_GUEST_DEBUG is on.
struct Debug {
  std::uint32_t exception = 0;
  std::uint64_t pc = 0;
  std::uint64_t dr6 = 0;
  std::uint64_t dr7 = 0;
};

// KVM_RUN was interrupted by a signal or immediate_exit before or while running the guest.
struct Intr {};

// An exit reason this monitor does not handle, or a kvm_run whose I/O data lies outside the
// mapping (`malformed` set): the caller stops the VCPU and reports describe().
struct Unknown {
  std::uint32_t reason = 0;
  std::uint64_t hardware_exit_reason = 0;
  bool malformed = false;
};

}  // namespace exit

using Exit =
    std::variant<exit::Io, exit::Mmio, exit::Hlt, exit::Shutdown, exit::InternalError,
                 exit::FailEntry, exit::SystemEvent, exit::Debug, exit::Intr, exit::Unknown>;

// Decodes `run`. `mapped_size` is how many bytes are mapped from &run (the VCPU mmap size):
// port I/O data lives at run.io.data_offset inside that mapping, normally one page in.
[[nodiscard]] Exit decode_exit(const kvm_run& run, std::size_t mapped_size);

// One line for logs and errors: "io out port 0x3f8 size 1 count 1 data 41".
[[nodiscard]] std::string describe(const Exit& e);

}  // namespace strata::hwvm
