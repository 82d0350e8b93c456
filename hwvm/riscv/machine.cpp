// The RISC-V machine: set-up, the hart's host side and the run.
#include "hwvm/riscv/machine.hpp"

#include <atomic>
#include <csignal>

#include <fmt/format.h>

#include "hwvm/riscv/sbi_services.hpp"
#include "hwvm/riscv/virt_layout.hpp"

namespace strata::hwvm::riscv {

namespace {

namespace csr = vm::rv64sys;
using jit::rv64sys::Hart;

// Set by the signal handlers, looked at by tick() (the hart calls it at least every 20 ms).
std::atomic<int> g_stop_signal{0};
extern "C" void on_riscv_stop_signal(int sig) {
  g_stop_signal.store(sig, std::memory_order_relaxed);
}

// SIGINT, SIGTERM and SIGHUP end the run (exit 130) for the lifetime of one run().
class StopSignals {
 public:
  StopSignals() {
    g_stop_signal.store(0);
    struct sigaction sa {};
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_riscv_stop_signal;
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &sa, &old_[i]);
  }
  ~StopSignals() {
    for (int i = 0; i < 3; ++i) sigaction(kSignals[i], &old_[i], nullptr);
  }
  StopSignals(const StopSignals&) = delete;
  StopSignals& operator=(const StopSignals&) = delete;

 private:
  static constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
  struct sigaction old_[3]{};
};

}  // namespace

// The board's view of the hart: the same calls.
class RiscvMachine::Pins final : public HartPins {
 public:
  explicit Pins(Hart& hart) : hart_(hart) {}
  void set_irq(std::uint64_t bit, bool level) override { hart_.set_irq(bit, level); }
  void set_timer(std::uint64_t bit, std::uint64_t deadline) override {
    hart_.set_timer(bit, deadline);
  }
  std::uint64_t time() const override { return hart_.time(); }
  void ram_written(std::uint64_t pa, std::uint64_t len) override { hart_.ram_written(pa, len); }
  void request_exit(int code) override { hart_.request_exit(code); }

 private:
  Hart& hart_;
};

RiscvMachine::RiscvMachine(Console& console) : console_(console) {}
RiscvMachine::~RiscvMachine() = default;

Result<std::unique_ptr<RiscvMachine>> RiscvMachine::create(const RiscvBootFiles& files,
                                                           const RiscvMachineOptions& options,
                                                           Console& console) {
  STRATA_TRY(check_riscv_mem(options.mem_size));
  // Every input is checked before the hart's RAM is made: the Image first.
  STRATA_TRY(parse_riscv_image(files.kernel));
  std::unique_ptr<RiscvMachine> m(new RiscvMachine(console));
  if (options.disk)
    m->disk_ = STRATA_TRY(RawDisk::open(options.disk->path, options.disk->read_only));

  jit::rv64sys::HartOptions hart;
  hart.ram_base = kRamBase;
  hart.ram_size = options.mem_size;
  hart.jit = options.jit;
  // A boot makes thousands of units hot: their compiles go to another core, where they cost the
  // hart only their installs, so units are compiled after 16 runs rather than 256 (alternating
  // poweroff boots, wall medians: 3.61 s at 256, 3.55 at 64, 3.46 at 16, 3.51 at 8 and 4; 3.82
  // with every compile on the hart's thread; docs/RISCV_SYSTEM.md).
  hart.background_compiles = true;
  hart.hot_threshold = 16;
  hart.sbi = files.bios.empty();
  m->hart_ = STRATA_TRY(Hart::create(hart, *m));
  m->pins_ = std::make_unique<Pins>(*m->hart_);

  BoardOptions board;
  board.ram = {m->hart_->ram(), m->hart_->ram_size(), kRamBase};
  board.disk = m->disk_.get();
  m->board_ = STRATA_TRY(VirtBoard::create(*m->pins_, console, board));
  if (hart.sbi) {
    m->sbi_host_ = std::make_unique<SbiServices>(*m->hart_, *m->board_, console);
    m->sbi_ = STRATA_TRY(SbiFirmware::create(*m->sbi_host_, [&console](std::string_view line) {
      console.flush();
      fmt::print(stderr, "strata: {}\n", line);
    }));
  }

  RiscvBootConfig config;
  config.bootargs = options.bootargs;
  config.virtio_slots = m->board_->virtio_slots();
  std::span<std::uint8_t> ram(m->hart_->ram(), m->hart_->ram_size());
  m->entry_ = STRATA_TRY(load_riscv_boot(ram, files, config));
  m->hart_->ram_written(kRamBase, m->hart_->ram_size());
  m->hart_->reset(m->entry_.pc, m->entry_.machine_mode ? csr::Priv::Machine : csr::Priv::Supervisor,
                  m->entry_.a1);
  if (m->entry_.machine_mode) m->hart_->set_xreg(12, m->entry_.a2);  // fw_dynamic_info
  return m;
}

bool RiscvMachine::mmio_read(std::uint64_t pa, unsigned size, std::uint64_t* value) {
  return board_->mmio_read(pa, size, value);
}

bool RiscvMachine::mmio_write(std::uint64_t pa, unsigned size, std::uint64_t value) {
  return board_->mmio_write(pa, size, value);
}

void RiscvMachine::sbi_call(Hart& hart) {
  ++sbi_calls_;
  std::array<std::uint64_t, 8> regs{};
  for (unsigned i = 0; i < regs.size(); ++i) regs[i] = hart.xreg(10 + i);
  if (!sbi_) {
    // The hart asks only with HartOptions::sbi, which is set exactly when sbi_ exists.
    hart.set_xreg(10, static_cast<std::uint64_t>(kSbiErrFailed));
    return;
  }
  const SbiRet r = sbi_->call(regs);
  hart.set_xreg(10, static_cast<std::uint64_t>(r.error));
  hart.set_xreg(11, static_cast<std::uint64_t>(r.value));
}

void RiscvMachine::tick() {
  ++ticks_;
  board_->tick();
  if (console_.quit_requested() || g_stop_signal.load(std::memory_order_relaxed) != 0)
    hart_->request_stop();
}

Result<RunOutcome> RiscvMachine::run() {
  StopSignals signals;
  for (;;) {
    const vm::StopReason r = STRATA_TRY(hart_->run(vm::RunLimit{}));
    console_.flush();
    using Kind = vm::StopReason::Kind;
    switch (r.kind) {
      case Kind::Exited:
        if (board_->ending()) return RunOutcome{r.code, board_->ending()->message};
        return RunOutcome{r.code, fmt::format("guest exited with code {}", r.code)};
      case Kind::Fault:
        return RunOutcome{kExitHartFault,
                          fmt::format("hart fault at pc 0x{:x}: {}", hart_->pc(), r.message)};
      case Kind::Signaled:
      case Kind::Trapped:
        return RunOutcome{kExitHartFault, fmt::format("hart stopped: {}", r.message)};
      case Kind::Stopped:
        if (const int sig = g_stop_signal.load(); sig != 0)
          return RunOutcome{kExitInterrupted, fmt::format("interrupted by signal {}", sig)};
        if (console_.quit_requested()) return RunOutcome{0, "quit (Ctrl-A x)"};
        return RunOutcome{kExitHartFault, "the hart stopped for no reason the machine knows"};
      case Kind::Breakpoint:
      case Kind::Stepped:
      case Kind::Watchpoint: break;  // not asked for by this run: go on
    }
  }
}

std::string RiscvMachine::stats() const {
  std::string s = hart_->stats();
  if (!s.empty() && s.back() != '\n') s += '\n';
  const BoardStats& b = board_->stats();
  s += fmt::format(
      "devices: {} MMIO reads, {} writes, {} unclaimed; {} device line changes, {} PLIC "
      "output changes, {} CLINT outputs, {} CLINT timer requests, {} device faults\n",
      b.mmio_reads, b.mmio_writes, b.unclaimed, b.irq_changes, b.plic_outputs, b.clint_outputs,
      b.timer_requests, b.device_faults);
  if (sbi_host_) {
    const SbiServiceStats& f = sbi_host_->stats();
    s += fmt::format(
        "sbi: {} calls, {} set_timer, {} IPIs, {} remote fences, {} console bytes, {} "
        "firmware faults\n",
        sbi_calls_, f.timer_sets, f.ipis, f.remote_fences, f.console_bytes, sbi_->faults());
  }
  s += fmt::format("machine: {} ticks\n", ticks_);
  return s;
}

}  // namespace strata::hwvm::riscv
