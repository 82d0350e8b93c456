// The x86 machine: set-up, interrupt routing and the KVM_RUN loop.
#include "hwvm/monitor/machine.hpp"

#include <sys/time.h>

#include <chrono>
#include <csignal>
#include <cstring>

#include "hwvm/devices/registry.hpp"
#include "hwvm/x86/acpi.hpp"

namespace strata::hwvm {

namespace {

// Set by the signal handlers; read by the run loop after each exit. SIGALRM only interrupts
// KVM_RUN (an Intr exit), so the loop looks at the console and the devices' poll() even while
// the guest runs without exits.
volatile std::sig_atomic_t g_stop_signal = 0;
constexpr long kTickMicros = 20'000;

extern "C" void on_stop_signal(int sig) {
  g_stop_signal = sig;
}
extern "C" void on_tick_signal(int) {}

// Installs the handlers (without SA_RESTART, so KVM_RUN returns EINTR) and the interval timer
// for the lifetime of one run; the destructor puts everything back.
class SignalScope {
 public:
  // `take_stops`: SIGINT, SIGTERM and SIGHUP end the run; otherwise they stay the caller's (a
  // debugger's Ctrl-C stops the guest through its own handler instead).
  explicit SignalScope(bool take_stops) : take_stops_(take_stops) {
    g_stop_signal = 0;
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    if (take_stops_)
      for (int i = 0; i < 3; ++i) sigaction(kStops[i], &sa, &old_stop_[i]);
    sa.sa_handler = on_tick_signal;
    sigaction(SIGALRM, &sa, &old_alarm_);
    itimerval t{{0, kTickMicros}, {0, kTickMicros}};
    setitimer(ITIMER_REAL, &t, &old_timer_);
  }
  ~SignalScope() {
    setitimer(ITIMER_REAL, &old_timer_, nullptr);
    sigaction(SIGALRM, &old_alarm_, nullptr);
    if (take_stops_)
      for (int i = 0; i < 3; ++i) sigaction(kStops[i], &old_stop_[i], nullptr);
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  static constexpr int kStops[3] = {SIGINT, SIGTERM, SIGHUP};
  bool take_stops_;
  struct sigaction old_stop_[3]{};
  struct sigaction old_alarm_ {};
  itimerval old_timer_{};
};

// The benchmark's baseline: the least a C++ UART can do (THR to the console, LSR always
// "transmitter empty", everything else reads 0).
class BareUart final : public BusDevice {
 public:
  explicit BareUart(Console& c) : console_(c) {}
  std::string_view name() const override { return "bare-uart"; }
  std::uint64_t read(std::uint64_t offset, unsigned) override { return offset == 5 ? 0x60 : 0; }
  void write(std::uint64_t offset, unsigned, std::uint64_t v) override {
    if (offset == 0) console_.write(static_cast<std::uint8_t>(v));
  }

 private:
  Console& console_;
};

// The MMIO benchmark's baseline: a register file that answers the virtio-mmio MagicValue at
// offset 0 and reads 0 elsewhere, ignoring writes.
class BareMmio final : public BusDevice {
 public:
  std::string_view name() const override { return "bare-mmio"; }
  std::uint64_t read(std::uint64_t offset, unsigned) override {
    return offset == 0 ? 0x74726976 : 0;
  }
  void write(std::uint64_t, unsigned, std::uint64_t) override {}
};

// The hardware-reduced ACPI sleep and reset registers the FADT describes (x86/acpi.hpp): one
// byte each. A power-off or reset write ends the run; the status register reads WAK_STS so a
// guest that polls it after a sleep request it made without SLP_EN moves on.
static_assert(x86::kAcpiSleepStatusPort == x86::kAcpiSleepControlPort + 1 &&
              x86::kAcpiResetPort == x86::kAcpiSleepControlPort + 2);

class AcpiPowerRegisters final : public BusDevice {
 public:
  explicit AcpiPowerRegisters(Machine& m) : machine_(m) {}
  std::string_view name() const override { return "acpi-power"; }
  std::uint64_t read(std::uint64_t offset, unsigned) override { return offset == 1 ? 0x80 : 0; }
  void write(std::uint64_t offset, unsigned, std::uint64_t v) override {
    const auto byte = static_cast<std::uint8_t>(v);
    if (offset == 0 && (byte & 0x20) != 0) {  // SLP_EN
      const unsigned type = (byte >> 2) & 7;
      if (type == x86::kAcpiS5SleepType) {
        machine_.stop("guest powered off (ACPI S5)");
      } else {
        // Only \_S5 is in the DSDT: any other sleep type is a guest bug; log it, keep running.
        std::fprintf(stderr, "strata: guest asked for ACPI sleep type %u; only S5 exists\n", type);
      }
    } else if (offset == 2 && byte == x86::kAcpiResetValue) {
      machine_.stop("guest reset the machine (ACPI reset register)");
    }
  }

 private:
  Machine& machine_;
};

const char* reason_name(const Exit& e) {
  static constexpr const char* kNames[] = {
      "io",         "mmio",         "hlt",   "shutdown", "internal_error",
      "fail_entry", "system_event", "debug", "intr",     "unknown"};
  static_assert(std::variant_size_v<Exit> == std::size(kNames));
  return kNames[e.index()];
}

}  // namespace

Machine::Machine(Kvm kvm, Vm vm, GuestMemory mem, Vcpu vcpu, Console& console, bool irqchip)
    : kvm_(std::move(kvm)),
      vm_(std::move(vm)),
      mem_(std::move(mem)),
      vcpu_(std::move(vcpu)),
      console_(console),
      irqchip_(irqchip) {}

Machine::~Machine() = default;

Result<std::unique_ptr<DiskBackend>> open_disk(const MachineOptions& options) {
  if (!options.disk) return std::unique_ptr<DiskBackend>();
  return RawDisk::open(options.disk->path, options.disk->read_only);
}

Result<std::unique_ptr<Machine>> Machine::create(GuestMemory mem, std::unique_ptr<DiskBackend> disk,
                                                 const MachineOptions& options, Console& console) {
  for (const auto& [kind, model] : options.models)
    if (!find_device_kind(kind)) return fail("--model: unknown device kind '{}'", kind);
  Kvm kvm = STRATA_TRY(Kvm::open());
  STRATA_TRY(kvm.require(KVM_CAP_USER_MEMORY));
  if (options.irqchip) {
    STRATA_TRY(kvm.require(KVM_CAP_IRQCHIP));
    STRATA_TRY(kvm.require(KVM_CAP_PIT2));
  }
  Vm vm = STRATA_TRY(kvm.create_vm());
  STRATA_TRY(vm.set_tss_addr());
  STRATA_TRY(vm.set_identity_map_addr());
  if (options.irqchip) {
    STRATA_TRY(vm.create_irqchip());
    // The dummy speaker: port 0x61 (the PIT's gate and the speaker) is handled in the kernel
    // too, so Linux's PIT calibration never exits to us.
    STRATA_TRY(vm.create_pit2(KVM_PIT_SPEAKER_DUMMY));
  }
  STRATA_TRY(mem.register_slots(vm));
  Vcpu vcpu = STRATA_TRY(vm.create_vcpu(0));

  std::unique_ptr<Machine> m(new Machine(std::move(kvm), std::move(vm), std::move(mem),
                                         std::move(vcpu), console, options.irqchip));
  m->disk_ = std::move(disk);
  STRATA_TRY(m->add_devices(options));
  return m;
}

Result<void> Machine::add_devices(const MachineOptions& options) {
  auto add = [&](std::string_view kind, std::string name, int irq,
                 DeviceResources res = {}) -> Result<SviDevice*> {
    auto custom = options.models.find(kind);
    isa::Module model =
        custom != options.models.end() ? custom->second : STRATA_TRY(device_model(kind));
    auto dev = STRATA_TRY(SviDevice::create(
        std::move(name), std::move(model), *this, irq,
        [this](std::string_view line) {
          ++stats_.device_faults;
          console_.flush();
          std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
        },
        res));
    svi_devices_.push_back(std::move(dev));
    return svi_devices_.back().get();
  };
  if (options.bare_uart) {
    cpp_devices_.push_back(std::make_unique<BareUart>(console_));
    STRATA_TRY(bus_.insert(Space::kPio, kCom1Port, 8, cpp_devices_.back().get()));
  } else {
    SviDevice* uart = STRATA_TRY(add("uart16550", "uart0", kCom1Irq));
    STRATA_TRY(bus_.insert(Space::kPio, kCom1Port, 8, uart));
  }
  SviDevice* kbc = STRATA_TRY(add("i8042", "i8042", kI8042Irq));
  STRATA_TRY(bus_.insert(Space::kPio, 0x60, 1, kbc, 0));
  STRATA_TRY(bus_.insert(Space::kPio, 0x64, 1, kbc, 4));
  cpp_devices_.push_back(std::make_unique<AcpiPowerRegisters>(*this));
  STRATA_TRY(bus_.insert(Space::kPio, x86::kAcpiSleepControlPort, 3, cpp_devices_.back().get()));
  if (options.bare_mmio) {
    cpp_devices_.push_back(std::make_unique<BareMmio>());
    STRATA_TRY(
        bus_.insert(Space::kMmio, kVirtioBlkBase, kVirtioMmioSize, cpp_devices_.back().get()));
  } else if (disk_) {
    // The model's linear memory is the low RAM range: virtio rings and buffers must lie there
    // (below 3 GiB), which is where every driver we know of puts them on a small machine.
    const GuestRegion& low = mem_.regions().front();
    DeviceResources res;
    res.ram = {low.host(), low.size(), low.gpa()};
    res.disk = disk_.get();
    SviDevice* blk = STRATA_TRY(add("virtio-blk", "vda", kVirtioBlkGsi, res));
    STRATA_TRY(bus_.insert(Space::kMmio, kVirtioBlkBase, kVirtioMmioSize, blk));
  }
  return {};
}

void Machine::irq_set(SviDevice& device, bool level) {
  const int line = device.irq();
  if (line < 0 || static_cast<std::size_t>(line) >= irq_levels_.size()) return;
  if (irq_levels_[static_cast<std::size_t>(line)] == level) return;
  irq_levels_[static_cast<std::size_t>(line)] = level;
  ++stats_.irq_changes;
  if (!irqchip_) return;  // nothing to inject into (see the header)
  if (auto r = vm_.irq_line(static_cast<std::uint32_t>(line), level); !r) {
    // The line exists (0..23) and the irqchip was made at create(): KVM refusing now is a
    // monitor bug worth a line, not a reason to stop the guest.
    console_.flush();
    std::fprintf(stderr, "strata: irq %d: %s\n", line, r.error().message.c_str());
  }
}

void Machine::handle_io(const exit::Io& io) {
  // GUEST: size and count come from kvm_run; decode_exit checked that size * count bytes lie
  // inside the mapping, and only sizes 1, 2 and 4 are dispatched.
  const unsigned size = io.size;
  if (size != 1 && size != 2 && size != 4) {
    ++stats_.unclaimed;
    return;
  }
  if (io.direction == exit::Direction::kOut) {
    for (std::uint32_t i = 0; i < io.count; ++i) {
      std::uint64_t v = 0;
      std::memcpy(&v, io.data.data() + std::size_t{i} * size, size);
      if (!bus_.write(Space::kPio, io.port, size, v)) ++stats_.unclaimed;
    }
    return;
  }
  std::span<std::uint8_t> out = vcpu_.writable(io.data);
  for (std::uint32_t i = 0; i < io.count && (std::size_t{i} + 1) * size <= out.size(); ++i) {
    std::uint64_t v = 0;
    if (!bus_.read(Space::kPio, io.port, size, &v)) {
      ++stats_.unclaimed;
      v = all_ones(size);
    }
    std::memcpy(out.data() + std::size_t{i} * size, &v, size);
  }
}

void Machine::handle_mmio(const exit::Mmio& mmio) {
  // GUEST: len is 1..8 (decode_exit); the bus checks the address range.
  const unsigned len = mmio.len;
  if (mmio.is_write) {
    std::uint64_t v = 0;
    std::memcpy(&v, mmio.data.data(), len);
    if (!bus_.write(Space::kMmio, mmio.addr, len, v)) ++stats_.unclaimed;
    return;
  }
  std::uint64_t v = 0;
  if (!bus_.read(Space::kMmio, mmio.addr, len, &v)) {
    ++stats_.unclaimed;
    v = all_ones(len);
  }
  std::uint8_t bytes[8];
  std::memcpy(bytes, &v, sizeof bytes);
  (void)vcpu_.answer_mmio_read(std::span<const std::uint8_t>(bytes, len));
}

bool Machine::on_tick() {
  console_.flush();
  console_.pump();
  for (auto& d : svi_devices_) d->poll();
  if (!irqchip_) return true;
  // With the in-kernel LAPIC a HLT never reaches us. Halted with IF clear, only an NMI, INIT or
  // SMI could wake the VCPU, and this machine sends none: that is Linux's poweroff or halt
  // when no ACPI sleep register exists, and a payload's `cli; hlt`.
  auto state = vcpu_.get_mp_state();
  if (!state || *state != KVM_MP_STATE_HALTED) return true;
  auto regs = vcpu_.get_regs();
  return !regs || (regs->rflags & 0x200) != 0;
}

RunOutcome Machine::crashed(std::string what) {
  RunOutcome o{kExitGuestCrashed, std::move(what)};
  auto regs = vcpu_.get_regs();
  auto sregs = vcpu_.get_sregs();
  if (regs && sregs) o.message += "\n" + format_registers(*regs, *sregs);
  while (!o.message.empty() && o.message.back() == '\n') o.message.pop_back();
  return o;
}

Result<RunOutcome> Machine::run() {
  const Event e = STRATA_TRY(loop(nullptr));
  if (e.kind == Event::Kind::Ended) return e.outcome;
  // Only run_debug arms guest debugging; a debug exit here is KVM's doing.
  return crashed("unexpected debug exit (exception " + std::to_string(e.debug.exception) + ")");
}

Result<Machine::Event> Machine::run_debug(const std::atomic<bool>& pause) {
  return loop(&pause);
}

Result<Machine::Event> Machine::loop(const std::atomic<bool>* pause) {
  SignalScope signals(pause == nullptr);
  const auto start = std::chrono::steady_clock::now();
  auto account = [&] {
    console_.flush();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    stats_.seconds += std::chrono::duration<double>(elapsed).count();
  };
  auto finish = [&](RunOutcome o) {
    account();
    return Event{Event::Kind::Ended, std::move(o), {}};
  };
  auto where = [&]() -> std::string {
    auto regs = vcpu_.get_regs();
    auto sregs = vcpu_.get_sregs();
    if (!regs || !sregs) return {};
    return fmt::format(" at {:04x}:{:04x}", sregs->cs.selector, regs->rip);
  };
  for (;;) {
    if (g_stop_signal != 0)
      return finish({kExitInterrupted, fmt::format("interrupted by signal {}", +g_stop_signal)});
    if (console_.quit_requested()) return finish({0, "quit (Ctrl-A x)"});
    if (pause != nullptr && pause->load()) {
      account();
      return Event{Event::Kind::Paused, {}, {}};
    }
    Exit e = STRATA_TRY(vcpu_.run());
    ++stats_.by_reason[reason_name(e)];
    if (auto* dbg = std::get_if<exit::Debug>(&e); dbg != nullptr && pause != nullptr) {
      account();
      return Event{Event::Kind::Debug, {}, *dbg};
    }
    if (auto* io = std::get_if<exit::Io>(&e)) {
      handle_io(*io);
    } else if (auto* mmio = std::get_if<exit::Mmio>(&e)) {
      handle_mmio(*mmio);
    } else if (std::holds_alternative<exit::Intr>(e)) {
      if (!on_tick())
        return finish({0, "guest halted" + where() + " with interrupts off (nothing can wake it)"});
    } else if (std::holds_alternative<exit::Hlt>(e)) {
      return finish({0, "guest halted" + where() + " (hlt, and nothing can wake it in flat mode)"});
    } else if (std::holds_alternative<exit::Shutdown>(e)) {
      return finish(crashed("guest triple fault (KVM_EXIT_SHUTDOWN)"));
    } else if (auto* ev = std::get_if<exit::SystemEvent>(&e)) {
      if (ev->type == exit::SystemEventType::kCrash) return finish(crashed(describe(e)));
      return finish({0, "guest " + describe(e)});
    } else if (auto* ie = std::get_if<exit::InternalError>(&e)) {
      std::string what = "KVM internal error: " + describe(e);
      if (ie->suberror == KVM_INTERNAL_ERROR_EMULATION)
        what += " (the instruction emulator cannot run the guest's instruction here)";
      return finish(crashed(what));
    } else {
      return finish(crashed("unhandled exit: " + describe(e)));
    }
    if (!stop_reason_.empty()) return finish({0, stop_reason_});
  }
}

}  // namespace strata::hwvm
