// The virt board: devices on the MMIO bus, interrupt routing into the hart.
#include "hwvm/riscv/board.hpp"

#include <fmt/format.h>

#include "hwvm/devices/registry.hpp"
#include "vm/rv64sys/csr_file.hpp"

namespace strata::hwvm::riscv {

namespace {

namespace csr = vm::rv64sys;

// The outputs each controller model drives for one hart (README "Interrupt controllers"):
// PLIC contexts M and S, CLINT MSIP and MTIP.
constexpr std::int64_t kLinesPerHart = 2;

}  // namespace

VirtBoard::~VirtBoard() = default;

Result<std::unique_ptr<VirtBoard>> VirtBoard::create(HartPins& hart, Console& console,
                                                     const BoardOptions& options,
                                                     SviDevice::FaultSink sink) {
  std::unique_ptr<VirtBoard> b(new VirtBoard(hart, console, std::move(sink)));
  // The PLIC first: the other models drive their lines from their reset().
  b->plic_ = STRATA_TRY(b->add("plic", "plic", kPlicBase, kPlicSize, -1));
  b->clint_ = STRATA_TRY(b->add("clint", "clint", kClintBase, kClintSize, -1));
  STRATA_TRY(b->add("sifive-test", "test", kTestBase, kTestSize, -1));
  STRATA_TRY(b->add("uart16550", "uart0", kUartBase, kUartSize, static_cast<int>(kUartIrq)));
  if (options.disk) {
    DeviceResources res;
    res.ram = options.ram;
    res.disk = options.disk;
    STRATA_TRY(b->add("virtio-blk", "vda", virtio_slot_base(0), kVirtioStride,
                      static_cast<int>(virtio_slot_irq(0)), res));
    b->has_disk_ = true;
  }
  return b;
}

Result<SviDevice*> VirtBoard::add(std::string_view kind, std::string name, std::uint64_t base,
                                  std::uint64_t size, int irq, DeviceResources res) {
  auto dev = STRATA_TRY(make_device(
      kind, std::move(name), *this, irq,
      [this](std::string_view line) {
        ++stats_.device_faults;
        console_.flush();
        if (sink_)
          sink_(line);
        else
          fmt::print(stderr, "{}\n", line);
      },
      res));
  STRATA_TRY(bus_.insert(Space::kMmio, base, size, dev.get()));
  devices_.push_back(std::move(dev));
  return devices_.back().get();
}

bool VirtBoard::mmio_read(std::uint64_t pa, unsigned size, std::uint64_t* value) {
  ++stats_.mmio_reads;
  if (bus_.read(Space::kMmio, pa, size, value)) return true;
  ++stats_.unclaimed;
  return false;
}

bool VirtBoard::mmio_write(std::uint64_t pa, unsigned size, std::uint64_t value) {
  ++stats_.mmio_writes;
  if (bus_.write(Space::kMmio, pa, size, value)) return true;
  ++stats_.unclaimed;
  return false;
}

void VirtBoard::tick() {
  console_.flush();
  console_.pump();
  for (auto& d : devices_) d->poll();
  if (mtip_armed_ && hart_.time() >= mtip_deadline_) {
    mtip_armed_ = false;
    clint_->timer(0);
  }
}

std::vector<std::uint32_t> VirtBoard::virtio_slots() const {
  if (has_disk_) return {0};
  return {};
}

void VirtBoard::end(int code, std::string why) {
  if (!ending_) ending_ = BoardEnding{code, std::move(why)};
  hart_.request_exit(code);
}

void VirtBoard::reset_system() {
  end(0, "guest reset the machine (test device)");
}

void VirtBoard::power_off(SviDevice&, std::int64_t code) {
  if (code == 0)
    end(0, "guest powered off (test device)");
  else
    end(static_cast<int>(code & 0xffff),
        fmt::format("guest powered off with exit code {} (test device)", code));
}

void VirtBoard::irq_set(SviDevice& device, bool level) {
  const int line = device.irq();
  if (line <= 0 || static_cast<std::size_t>(line) >= levels_.size()) return;
  const auto i = static_cast<std::size_t>(line);
  if (levels_[i] == level) return;
  levels_[i] = level;
  ++stats_.irq_changes;
  if (plic_) plic_->input(line, level);
}

std::int64_t VirtBoard::irq_lines(SviDevice& device) {
  // Asked from the models' reset(), before create() has stored their pointers: by name.
  if (device.name() == "plic" || device.name() == "clint") return kLinesPerHart;
  return 0;
}

void VirtBoard::irq_out(SviDevice& device, std::int64_t line, bool level) {
  if (&device == plic_ || device.name() == "plic") {
    if (line != 0 && line != 1) return;  // only hart 0's contexts are wired
    ++stats_.plic_outputs;
    hart_.set_irq(line == 0 ? csr::kMeip : csr::kSeip, level);
    return;
  }
  if (&device != clint_ && device.name() != "clint") return;
  ++stats_.clint_outputs;
  if (line == 0) {
    hart_.set_irq(csr::kMsip, level);
  } else if (line == 1) {
    hart_.set_timer(csr::kMtip, level ? 0 : mtip_deadline_);
  }
}

void VirtBoard::timer_at(SviDevice& device, std::int64_t n, std::uint64_t deadline) {
  if (n != 0 || (&device != clint_ && device.name() != "clint")) return;
  ++stats_.timer_requests;
  mtip_deadline_ = deadline;
  mtip_armed_ = deadline != ~std::uint64_t{0};
  hart_.set_timer(csr::kMtip, deadline);
}

void VirtBoard::guest_ram_written(std::uint64_t gpa, std::uint64_t len) {
  hart_.ram_written(gpa, len);
}

}  // namespace strata::hwvm::riscv
