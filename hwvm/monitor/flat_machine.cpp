// The flat-binary machine: set-up and the KVM_RUN loop.
#include "hwvm/monitor/flat_machine.hpp"

#include <sys/time.h>

#include <chrono>
#include <csignal>
#include <cstring>

#include "hwvm/devices/registry.hpp"
#include "hwvm/x86/long_mode.hpp"

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
  SignalScope() {
    g_stop_signal = 0;
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_stop_signal;
    for (int i = 0; i < 3; ++i) sigaction(kStops[i], &sa, &old_stop_[i]);
    sa.sa_handler = on_tick_signal;
    sigaction(SIGALRM, &sa, &old_alarm_);
    itimerval t{{0, kTickMicros}, {0, kTickMicros}};
    setitimer(ITIMER_REAL, &t, &old_timer_);
  }
  ~SignalScope() {
    setitimer(ITIMER_REAL, &old_timer_, nullptr);
    sigaction(SIGALRM, &old_alarm_, nullptr);
    for (int i = 0; i < 3; ++i) sigaction(kStops[i], &old_stop_[i], nullptr);
  }
  SignalScope(const SignalScope&) = delete;
  SignalScope& operator=(const SignalScope&) = delete;

 private:
  static constexpr int kStops[3] = {SIGINT, SIGTERM, SIGHUP};
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

const char* reason_name(const Exit& e) {
  static constexpr const char* kNames[] = {
      "io",         "mmio",         "hlt",   "shutdown", "internal_error",
      "fail_entry", "system_event", "debug", "intr",     "unknown"};
  static_assert(std::variant_size_v<Exit> == std::size(kNames));
  return kNames[e.index()];
}

}  // namespace

FlatMachine::FlatMachine(Kvm kvm, Vm vm, GuestMemory mem, Vcpu vcpu, Console& console)
    : kvm_(std::move(kvm)),
      vm_(std::move(vm)),
      mem_(std::move(mem)),
      vcpu_(std::move(vcpu)),
      console_(console) {}

FlatMachine::~FlatMachine() = default;

Result<std::unique_ptr<FlatMachine>> FlatMachine::create(std::span<const std::uint8_t> image,
                                                         const FlatOptions& options,
                                                         Console& console) {
  for (const auto& [kind, model] : options.models)
    if (!find_device_kind(kind)) return fail("--model: unknown device kind '{}'", kind);
  const std::uint64_t mem = options.mem_size;
  if (mem < kFlatMinMem || mem > kFlatMaxMem || mem % kPageSize != 0)
    return fail("--mem {} is not possible for a flat guest: between 1M and 3G, in whole pages",
                mem);
  if (image.empty()) return fail("the flat image is empty");
  if (image.size() > mem - kFlatLoadAddress)
    return fail("the flat image ({} bytes) does not fit in {} bytes of RAM at {:#x}", image.size(),
                mem, kFlatLoadAddress);

  Kvm kvm = STRATA_TRY(Kvm::open());
  STRATA_TRY(kvm.require(KVM_CAP_USER_MEMORY));
  Vm vm = STRATA_TRY(kvm.create_vm());
  STRATA_TRY(vm.set_tss_addr());
  const RamRange ram[] = {{0, mem}};
  GuestMemory gm = STRATA_TRY(GuestMemory::create(ram));
  STRATA_TRY(gm.register_slots(vm));
  STRATA_TRY(gm.write(kFlatLoadAddress, image));
  Vcpu vcpu = STRATA_TRY(vm.create_vcpu(0));

  // 16-bit real mode at 0x1000:0000, stack at the top of that segment.
  kvm_sregs sregs = STRATA_TRY(vcpu.get_sregs());
  x86::set_real_mode_segments(sregs, kFlatSegment);
  STRATA_TRY(vcpu.set_sregs(sregs));
  kvm_regs regs{};
  regs.rip = 0;
  regs.rflags = 2;  // bit 1 is always set; interrupts off
  regs.rsp = 0xfff0;
  STRATA_TRY(vcpu.set_regs(regs));

  std::unique_ptr<FlatMachine> m(
      new FlatMachine(std::move(kvm), std::move(vm), std::move(gm), std::move(vcpu), console));
  STRATA_TRY(m->add_devices(options));
  return m;
}

Result<void> FlatMachine::add_devices(const FlatOptions& options) {
  auto add = [&](std::string_view kind, std::string name, int irq) -> Result<SviDevice*> {
    auto custom = options.models.find(kind);
    isa::Module model =
        custom != options.models.end() ? custom->second : STRATA_TRY(device_model(kind));
    auto dev = STRATA_TRY(SviDevice::create(
        std::move(name), std::move(model), *this, irq, [this](std::string_view line) {
          ++stats_.device_faults;
          console_.flush();
          std::fprintf(stderr, "%.*s\n", static_cast<int>(line.size()), line.data());
        }));
    svi_devices_.push_back(std::move(dev));
    return svi_devices_.back().get();
  };
  if (options.bare_uart) {
    bare_uart_ = std::make_unique<BareUart>(console_);
    STRATA_TRY(bus_.insert(Space::kPio, kCom1Port, 8, bare_uart_.get()));
  } else {
    SviDevice* uart = STRATA_TRY(add("uart16550", "uart0", kCom1Irq));
    STRATA_TRY(bus_.insert(Space::kPio, kCom1Port, 8, uart));
  }
  SviDevice* kbc = STRATA_TRY(add("i8042", "i8042", kI8042Irq));
  STRATA_TRY(bus_.insert(Space::kPio, 0x60, 1, kbc, 0));
  STRATA_TRY(bus_.insert(Space::kPio, 0x64, 1, kbc, 4));
  return {};
}

void FlatMachine::irq_set(SviDevice& device, bool level) {
  // No irqchip in flat mode (see the header): a change of the line is counted, not injected.
  const int line = device.irq();
  if (line < 0 || static_cast<std::size_t>(line) >= irq_levels_.size()) return;
  if (irq_levels_[static_cast<std::size_t>(line)] == level) return;
  irq_levels_[static_cast<std::size_t>(line)] = level;
  ++stats_.irq_changes;
}

void FlatMachine::handle_io(const exit::Io& io) {
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

void FlatMachine::handle_mmio(const exit::Mmio& mmio) {
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

void FlatMachine::on_tick() {
  console_.flush();
  console_.pump();
  for (auto& d : svi_devices_) d->poll();
}

RunOutcome FlatMachine::crashed(std::string what) {
  RunOutcome o{kExitGuestCrashed, std::move(what)};
  auto regs = vcpu_.get_regs();
  auto sregs = vcpu_.get_sregs();
  if (regs && sregs) o.message += "\n" + format_registers(*regs, *sregs);
  while (!o.message.empty() && o.message.back() == '\n') o.message.pop_back();
  return o;
}

Result<RunOutcome> FlatMachine::run() {
  SignalScope signals;
  const auto start = std::chrono::steady_clock::now();
  auto finish = [&](RunOutcome o) {
    console_.flush();
    const auto elapsed = std::chrono::steady_clock::now() - start;
    stats_.seconds = std::chrono::duration<double>(elapsed).count();
    return o;
  };
  for (;;) {
    if (g_stop_signal != 0)
      return finish({kExitInterrupted, fmt::format("interrupted by signal {}", +g_stop_signal)});
    if (console_.quit_requested()) return finish({0, "quit (Ctrl-A x)"});
    Exit e = STRATA_TRY(vcpu_.run());
    ++stats_.by_reason[reason_name(e)];
    if (auto* io = std::get_if<exit::Io>(&e)) {
      handle_io(*io);
    } else if (auto* mmio = std::get_if<exit::Mmio>(&e)) {
      handle_mmio(*mmio);
    } else if (std::holds_alternative<exit::Intr>(e)) {
      on_tick();
    } else if (std::holds_alternative<exit::Hlt>(e)) {
      auto regs = vcpu_.get_regs();
      auto sregs = vcpu_.get_sregs();
      std::string where = regs && sregs
                              ? fmt::format(" at {:04x}:{:04x}", sregs->cs.selector, regs->rip)
                              : std::string();
      return finish({0, "guest halted" + where + " (hlt, and nothing can wake it in flat mode)"});
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
    if (reset_requested_) return finish({0, "guest reset the machine (i8042)"});
  }
}

}  // namespace strata::hwvm
