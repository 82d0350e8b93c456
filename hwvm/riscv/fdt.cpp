#include "hwvm/riscv/fdt.hpp"

#include <libfdt.h>

#include <algorithm>
#include <set>
#include <string_view>

#include <fmt/format.h>

#include "hwvm/riscv/virt_layout.hpp"

namespace strata::hwvm::riscv {

namespace {

constexpr std::uint32_t kMaxHarts = 32;
constexpr std::uint64_t kMinRam = 2ull << 20;
// Phandles: the PLIC, the test device, then one per hart's interrupt controller.
constexpr std::uint32_t kPlicPhandle = 1, kTestPhandle = 2, kFirstIntcPhandle = 3;

// libfdt's sequential writer reports "buffer full" as -FDT_ERR_NOSPACE; the writer below grows
// the buffer and starts over, so the tree's size never has to be guessed right.
class Writer {
 public:
  explicit Writer(std::vector<std::uint8_t>& buf) : buf_(buf) {}
  void check(int rc) {
    if (rc != 0 && err_ == 0) err_ = rc;
  }
  void begin(const std::string& name) { check(fdt_begin_node(buf_.data(), name.c_str())); }
  void end() { check(fdt_end_node(buf_.data())); }
  void prop_str(const char* name, std::string_view value) {
    std::string s(value);
    check(fdt_property_string(buf_.data(), name, s.c_str()));
  }
  // A string list: each entry NUL-terminated, back to back.
  void prop_strs(const char* name, std::initializer_list<std::string_view> values) {
    std::string all;
    for (auto v : values) {
      all += v;
      all += '\0';
    }
    check(fdt_property(buf_.data(), name, all.data(), static_cast<int>(all.size())));
  }
  void prop_u32(const char* name, std::uint32_t v) {
    check(fdt_property_u32(buf_.data(), name, v));
  }
  void prop_cells(const char* name, const std::vector<std::uint32_t>& cells) {
    std::vector<fdt32_t> be;
    be.reserve(cells.size());
    for (auto c : cells) be.push_back(cpu_to_fdt32(c));
    check(fdt_property(buf_.data(), name, be.data(), static_cast<int>(be.size() * 4)));
  }
  void prop_empty(const char* name) { check(fdt_property(buf_.data(), name, nullptr, 0)); }
  void prop_bytes(const char* name, const void* data, std::size_t len) {
    check(fdt_property(buf_.data(), name, data, static_cast<int>(len)));
  }
  // A (base, size) pair in two cells each (#address-cells = #size-cells = 2).
  void prop_reg(std::uint64_t base, std::uint64_t size) {
    prop_cells("reg", {hi(base), lo(base), hi(size), lo(size)});
  }
  int error() const { return err_; }

  static std::uint32_t hi(std::uint64_t v) { return static_cast<std::uint32_t>(v >> 32); }
  static std::uint32_t lo(std::uint64_t v) { return static_cast<std::uint32_t>(v); }

 private:
  std::vector<std::uint8_t>& buf_;
  int err_ = 0;
};

Result<void> validate(const VirtFdtConfig& c) {
  if (c.harts == 0 || c.harts > kMaxHarts)
    return fail("riscv device tree: {} harts; expected 1..{}", c.harts, kMaxHarts);
  if (c.ram_size < kMinRam || (c.ram_size & 0xfff) != 0)
    return fail("riscv device tree: RAM size 0x{:x}; expected a multiple of 4 KiB, at least 2 MiB",
                c.ram_size);
  if (c.ram_size > ~kRamBase)
    return fail("riscv device tree: RAM size 0x{:x} runs past the end of the address space",
                c.ram_size);
  if (c.bootargs.find('\0') != std::string::npos)
    return fail("riscv device tree: the kernel command line contains a NUL byte");
  if (c.initrd_end < c.initrd_start)
    return fail("riscv device tree: initrd end 0x{:x} is below its start 0x{:x}", c.initrd_end,
                c.initrd_start);
  if (c.initrd_end != c.initrd_start &&
      (c.initrd_start < kRamBase || c.initrd_end > kRamBase + c.ram_size))
    return fail("riscv device tree: initrd [0x{:x}, 0x{:x}) is not inside RAM [0x{:x}, 0x{:x})",
                c.initrd_start, c.initrd_end, kRamBase, kRamBase + c.ram_size);
  std::set<std::uint32_t> seen;
  for (auto s : c.virtio_slots) {
    if (s >= kVirtioSlots)
      return fail("riscv device tree: virtio-mmio slot {}; expected 0..{}", s, kVirtioSlots - 1);
    if (!seen.insert(s).second)
      return fail("riscv device tree: virtio-mmio slot {} given twice", s);
  }
  if (c.isa.rfind("rv64", 0) != 0)
    return fail("riscv device tree: ISA string '{}' does not start with rv64", c.isa);
  return {};
}

// "rv64imafdc_zicsr_zifencei" -> "i", "m", "a", "f", "d", "c", "zicsr", "zifencei": the
// single-letter extensions up to the first '_', then each '_'-separated multi-letter one.
std::vector<std::string> isa_extensions(std::string_view isa) {
  std::vector<std::string> out;
  isa.remove_prefix(4);  // "rv64", checked by validate()
  const std::string_view letters = isa.substr(0, isa.find('_'));
  for (char ch : letters) out.emplace_back(1, ch);
  isa.remove_prefix(letters.size());
  while (!isa.empty()) {
    isa.remove_prefix(1);  // the '_'
    const std::string_view name = isa.substr(0, isa.find('_'));
    if (!name.empty()) out.emplace_back(name);
    isa.remove_prefix(name.size());
  }
  return out;
}

void write_tree(Writer& w, const VirtFdtConfig& c) {
  const auto hi = Writer::hi, lo = Writer::lo;
  w.begin("");
  w.prop_u32("#address-cells", 2);
  w.prop_u32("#size-cells", 2);
  w.prop_str("compatible", "riscv-virtio");
  w.prop_str("model", "riscv-virtio,strata");

  w.begin("chosen");
  w.prop_str("bootargs", c.bootargs);
  w.prop_str("stdout-path", fmt::format("/soc/serial@{:x}", kUartBase));
  if (c.initrd_end != c.initrd_start) {
    w.prop_cells("linux,initrd-start", {hi(c.initrd_start), lo(c.initrd_start)});
    w.prop_cells("linux,initrd-end", {hi(c.initrd_end), lo(c.initrd_end)});
  }
  w.prop_bytes("rng-seed", c.rng_seed.data(), c.rng_seed.size());
  w.end();

  w.begin("aliases");
  w.prop_str("serial0", fmt::format("/soc/serial@{:x}", kUartBase));
  w.end();

  w.begin(fmt::format("memory@{:x}", kRamBase));
  w.prop_str("device_type", "memory");
  w.prop_reg(kRamBase, c.ram_size);
  w.end();

  w.begin("cpus");
  w.prop_u32("#address-cells", 1);
  w.prop_u32("#size-cells", 0);
  w.prop_u32("timebase-frequency", kTimebaseHz);
  const auto exts = isa_extensions(c.isa);
  std::string ext_list;
  for (const auto& e : exts) {
    ext_list += e;
    ext_list += '\0';
  }
  for (std::uint32_t h = 0; h < c.harts; ++h) {
    w.begin(fmt::format("cpu@{}", h));
    w.prop_str("device_type", "cpu");
    w.prop_u32("reg", h);
    w.prop_str("status", "okay");
    w.prop_str("compatible", "riscv");
    w.prop_str("riscv,isa", c.isa);
    w.prop_str("riscv,isa-base", "rv64i");
    w.prop_bytes("riscv,isa-extensions", ext_list.data(), ext_list.size());
    w.prop_str("mmu-type", c.mmu);
    w.begin("interrupt-controller");
    w.prop_u32("#address-cells", 0);
    w.prop_u32("#interrupt-cells", 1);
    w.prop_empty("interrupt-controller");
    w.prop_str("compatible", "riscv,cpu-intc");
    w.prop_u32("phandle", kFirstIntcPhandle + h);
    w.end();
    w.end();
  }
  w.end();  // cpus

  w.begin("soc");
  w.prop_u32("#address-cells", 2);
  w.prop_u32("#size-cells", 2);
  w.prop_str("compatible", "simple-bus");
  w.prop_empty("ranges");

  w.begin(fmt::format("test@{:x}", kTestBase));
  w.prop_strs("compatible", {"sifive,test1", "sifive,test0", "syscon"});
  w.prop_reg(kTestBase, kTestSize);
  w.prop_u32("phandle", kTestPhandle);
  w.end();

  // Per hart: CLINT raises machine software and timer interrupts, the PLIC drives the machine
  // and supervisor external interrupt (one PLIC context each, in this order).
  std::vector<std::uint32_t> clint_irqs, plic_irqs;
  for (std::uint32_t h = 0; h < c.harts; ++h) {
    const std::uint32_t intc = kFirstIntcPhandle + h;
    clint_irqs.insert(clint_irqs.end(), {intc, kIrqMSoft, intc, kIrqMTimer});
    plic_irqs.insert(plic_irqs.end(), {intc, kIrqMExt, intc, kIrqSExt});
  }
  w.begin(fmt::format("clint@{:x}", kClintBase));
  w.prop_strs("compatible", {"sifive,clint0", "riscv,clint0"});
  w.prop_reg(kClintBase, kClintSize);
  w.prop_cells("interrupts-extended", clint_irqs);
  w.end();

  w.begin(fmt::format("plic@{:x}", kPlicBase));
  w.prop_strs("compatible", {"sifive,plic-1.0.0", "riscv,plic0"});
  w.prop_reg(kPlicBase, kPlicSize);
  w.prop_u32("#address-cells", 0);
  w.prop_u32("#interrupt-cells", 1);
  w.prop_empty("interrupt-controller");
  w.prop_cells("interrupts-extended", plic_irqs);
  w.prop_u32("riscv,ndev", kPlicSources - 1);
  w.prop_u32("phandle", kPlicPhandle);
  w.end();

  w.begin(fmt::format("serial@{:x}", kUartBase));
  w.prop_str("compatible", "ns16550a");
  w.prop_reg(kUartBase, kUartSize);
  w.prop_u32("clock-frequency", 3'686'400);
  w.prop_u32("interrupt-parent", kPlicPhandle);
  w.prop_u32("interrupts", kUartIrq);
  w.end();

  std::vector<std::uint32_t> slots = c.virtio_slots;
  std::sort(slots.begin(), slots.end());
  for (auto s : slots) {
    w.begin(fmt::format("virtio_mmio@{:x}", virtio_slot_base(s)));
    w.prop_str("compatible", "virtio,mmio");
    w.prop_reg(virtio_slot_base(s), kVirtioStride);
    w.prop_u32("interrupt-parent", kPlicPhandle);
    w.prop_u32("interrupts", virtio_slot_irq(s));
    w.end();
  }
  w.end();  // soc

  // Linux's syscon drivers power off and reboot through the test device, as on QEMU's virt;
  // the SBI system-reset call does the same from the firmware side.
  w.begin("poweroff");
  w.prop_str("compatible", "syscon-poweroff");
  w.prop_u32("regmap", kTestPhandle);
  w.prop_u32("offset", 0);
  w.prop_u32("value", 0x5555);
  w.end();
  w.begin("reboot");
  w.prop_str("compatible", "syscon-reboot");
  w.prop_u32("regmap", kTestPhandle);
  w.prop_u32("offset", 0);
  w.prop_u32("value", 0x7777);
  w.end();

  w.end();  // root
}

}  // namespace

Result<std::vector<std::uint8_t>> build_virt_fdt(const VirtFdtConfig& config) {
  STRATA_TRY(validate(config));
  for (std::size_t size = 4096; size <= (1u << 20); size *= 2) {
    std::vector<std::uint8_t> buf(size);
    Writer w(buf);
    w.check(fdt_create(buf.data(), static_cast<int>(size)));
    w.check(fdt_finish_reservemap(buf.data()));
    if (w.error() == 0) write_tree(w, config);
    if (w.error() == 0) w.check(fdt_finish(buf.data()));
    if (w.error() == -FDT_ERR_NOSPACE) continue;
    if (w.error() != 0) return fail("riscv device tree: libfdt: {}", fdt_strerror(w.error()));
    buf.resize(fdt_totalsize(buf.data()));
    return buf;
  }
  return fail("riscv device tree: the tree does not fit in 1 MiB");
}

}  // namespace strata::hwvm::riscv
