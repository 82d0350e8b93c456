// The virtio-mmio block device model (stdlib/devices/virtio_mmio_blk.sasm) driven with no CPU:
// a buffer stands for guest RAM, a temp file for the disk, and the test plays the driver,
// register by register as Linux's virtio_mmio and virtio_blk do. Also the pieces under it:
// LinearMemory::bind_external and RawDisk.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <iterator>
#include <memory>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "assembler/assembler.hpp"
#include "hwvm/devices/disk_backend.hpp"
#include "hwvm/devices/registry.hpp"
#include "hwvm/devices/svi_device.hpp"
#include "vm/heap/gc.hpp"
#include "vm/memory.hpp"

namespace strata::hwvm {
namespace {

// virtio-mmio registers (virtio 1.2, 4.2.2).
constexpr std::uint64_t kMagic = 0x000, kVersion = 0x004, kDeviceId = 0x008, kVendor = 0x00c,
                        kDevFeatures = 0x010, kDevFeaturesSel = 0x014, kDrvFeatures = 0x020,
                        kDrvFeaturesSel = 0x024, kQueueSel = 0x030, kQueueNumMax = 0x034,
                        kQueueNum = 0x038, kQueueReady = 0x044, kQueueNotify = 0x050,
                        kIntStatus = 0x060, kIntAck = 0x064, kStatus = 0x070, kDescLo = 0x080,
                        kDescHi = 0x084, kDriverLo = 0x090, kDriverHi = 0x094, kDeviceLo = 0x0a0,
                        kDeviceHi = 0x0a4, kConfig = 0x100;
constexpr std::uint32_t kAck = 1, kDriver = 2, kDriverOk = 4, kFeaturesOk = 8, kNeedsReset = 0x40;
constexpr std::uint16_t kNext = 1, kWrite = 2, kIndirect = 4;
constexpr std::uint32_t kIn = 0, kOut = 1, kFlush = 4, kGetId = 8;
constexpr std::uint8_t kOk = 0, kIoErr = 1, kUnsupp = 2;

// Guest layout: the rings at 0x1000/0x2000/0x3000, request headers at 0x8000, data at 0x10000.
constexpr std::uint64_t kRamSize = 1 << 20, kDescAt = 0x1000, kAvailAt = 0x2000, kUsedAt = 0x3000,
                        kHdrAt = 0x8000, kStatusAt = 0x9000, kDataAt = 0x10000;
constexpr unsigned kDiskSectors = 64;

struct CountingHost : DeviceHost {
  void irq_set(SviDevice& d, bool level) override {
    ++irq_calls;
    irq_level = level;
    irq_line = d.irq();
  }
  void console_write(std::uint8_t) override {}
  int console_read() override { return -1; }
  void reset_system() override {}
  int irq_calls = 0;
  bool irq_level = false;
  int irq_line = -1;
};

// A disk image whose byte i is (i * 7 + i / 512) & 0xff, removed when the test ends.
struct TempImage {
  TempImage() {
    char tmpl[] = "/tmp/strata-vblk-XXXXXX";
    int fd = ::mkstemp(tmpl);
    EXPECT_GE(fd, 0);
    path = tmpl;
    bytes.resize(kDiskSectors * 512);
    for (std::size_t i = 0; i < bytes.size(); ++i)
      bytes[i] = static_cast<std::uint8_t>(i * 7 + i / 512);
    EXPECT_EQ(::write(fd, bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
    ::close(fd);
  }
  ~TempImage() { ::unlink(path.c_str()); }
  std::vector<std::uint8_t> on_disk() const {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
  }
  std::string path;
  std::vector<std::uint8_t> bytes;
};

struct Desc {
  std::uint64_t addr;
  std::uint32_t len;
  std::uint16_t flags;  // kNext is added for all but the last of a chain
};

// The test as the guest: RAM, the driver's view of the rings, the device.
class Guest {
 public:
  explicit Guest(bool read_only = false, std::uint64_t ram_base = 0) : base_(ram_base) {
    auto d = RawDisk::open(image.path, read_only);
    EXPECT_TRUE(d) << d.error().message;
    if (!d) return;
    disk = std::move(*d);
    DeviceResources res;
    res.ram = {ram.data(), ram.size(), base_};
    res.disk = disk.get();
    auto made = make_device(
        "virtio-blk", "vda", host, 5, [this](std::string_view l) { faults.emplace_back(l); }, res);
    EXPECT_TRUE(made) << made.error().message;
    if (made) dev = std::move(*made);
  }

  std::uint32_t r(std::uint64_t off) { return static_cast<std::uint32_t>(dev->read(off, 4)); }
  void w(std::uint64_t off, std::uint32_t v) { dev->write(off, 4, v); }

  template <class T>
  void put(std::uint64_t gpa, T v) {
    std::memcpy(ram.data() + (gpa - base_), &v, sizeof v);
  }
  template <class T>
  T get(std::uint64_t gpa) const {
    T v;
    std::memcpy(&v, ram.data() + (gpa - base_), sizeof v);
    return v;
  }
  std::uint8_t* at(std::uint64_t gpa) { return ram.data() + (gpa - base_); }

  // Linux's probe: reset, ACKNOWLEDGE, DRIVER, features (VERSION_1 plus what we were offered
  // of `want`), FEATURES_OK read back, queue 0, DRIVER_OK. False when the device refused.
  bool bring_up(std::uint16_t qnum = 8, std::uint64_t want = (1ull << 32) | (1u << 9)) {
    w(kStatus, 0);
    if (r(kStatus) != 0) return false;
    w(kStatus, kAck);
    w(kStatus, kAck | kDriver);
    w(kDevFeaturesSel, 1);
    std::uint64_t offered = std::uint64_t{r(kDevFeatures)} << 32;
    w(kDevFeaturesSel, 0);
    offered |= r(kDevFeatures);
    const std::uint64_t chosen = offered & want;
    w(kDrvFeaturesSel, 1);
    w(kDrvFeatures, static_cast<std::uint32_t>(chosen >> 32));
    w(kDrvFeaturesSel, 0);
    w(kDrvFeatures, static_cast<std::uint32_t>(chosen));
    w(kStatus, kAck | kDriver | kFeaturesOk);
    if (!(r(kStatus) & kFeaturesOk)) return false;
    w(kQueueSel, 0);
    if (r(kQueueReady) != 0 || r(kQueueNumMax) < qnum) return false;
    std::memset(at(base_ + kDescAt), 0, 0x3000);
    w(kQueueNum, qnum);
    set_rings(base_ + kDescAt, base_ + kAvailAt, base_ + kUsedAt);
    w(kQueueReady, 1);
    if (r(kQueueReady) != 1) return false;
    w(kStatus, kAck | kDriver | kFeaturesOk | kDriverOk);
    qnum_ = qnum;
    avail_idx_ = 0;
    return true;
  }
  void set_rings(std::uint64_t desc, std::uint64_t avail, std::uint64_t used) {
    w(kDescLo, static_cast<std::uint32_t>(desc));
    w(kDescHi, static_cast<std::uint32_t>(desc >> 32));
    w(kDriverLo, static_cast<std::uint32_t>(avail));
    w(kDriverHi, static_cast<std::uint32_t>(avail >> 32));
    w(kDeviceLo, static_cast<std::uint32_t>(used));
    w(kDeviceHi, static_cast<std::uint32_t>(used >> 32));
  }

  // Writes `chain` into descriptors first, first+1, ... (linked in order), makes it available
  // and notifies. Returns the head.
  std::uint16_t submit(const std::vector<Desc>& chain, std::uint16_t first = 0) {
    for (std::size_t i = 0; i < chain.size(); ++i) {
      const std::uint64_t d = base_ + kDescAt + 16 * (first + i);
      const bool last = i + 1 == chain.size();
      put<std::uint64_t>(d, chain[i].addr);
      put<std::uint32_t>(d + 8, chain[i].len);
      put<std::uint16_t>(d + 12, static_cast<std::uint16_t>(chain[i].flags | (last ? 0 : kNext)));
      put<std::uint16_t>(d + 14, static_cast<std::uint16_t>(first + i + 1));
    }
    push_avail(first);
    w(kQueueNotify, 0);
    return first;
  }
  void push_avail(std::uint16_t head) {
    put<std::uint16_t>(base_ + kAvailAt + 4 + 2 * (avail_idx_ % qnum_), head);
    ++avail_idx_;
    put<std::uint16_t>(base_ + kAvailAt + 2, avail_idx_);
  }

  // A block request: header, data buffers (device-writable for reads), status byte.
  std::uint8_t request(std::uint32_t type, std::uint64_t sector,
                       const std::vector<std::pair<std::uint64_t, std::uint32_t>>& data) {
    put<std::uint32_t>(base_ + kHdrAt, type);
    put<std::uint32_t>(base_ + kHdrAt + 4, 0);
    put<std::uint64_t>(base_ + kHdrAt + 8, sector);
    put<std::uint8_t>(base_ + kStatusAt, 0xee);
    std::vector<Desc> chain{{base_ + kHdrAt, 16, 0}};
    const std::uint16_t dir = type == kOut ? 0 : kWrite;
    for (auto [addr, len] : data) chain.push_back({addr, len, dir});
    chain.push_back({base_ + kStatusAt, 1, kWrite});
    submit(chain);
    return get<std::uint8_t>(base_ + kStatusAt);
  }

  std::uint16_t used_idx() const { return get<std::uint16_t>(base_ + kUsedAt + 2); }
  std::pair<std::uint32_t, std::uint32_t> used(std::uint16_t i) const {
    const std::uint64_t e = base_ + kUsedAt + 4 + 8 * (i % qnum_);
    return {get<std::uint32_t>(e), get<std::uint32_t>(e + 4)};
  }

  TempImage image;
  std::vector<std::uint8_t> ram = std::vector<std::uint8_t>(kRamSize);
  CountingHost host;
  std::vector<std::string> faults;
  std::unique_ptr<RawDisk> disk;
  std::unique_ptr<SviDevice> dev;

 private:
  std::uint64_t base_ = 0;
  std::uint16_t qnum_ = 8;
  std::uint16_t avail_idx_ = 0;
};

TEST(LinearMemory, BindExternalIsAFixedWindow) {
  std::uint8_t storage[100] = {};
  vm::LinearMemory m;
  ASSERT_TRUE(m.init(vm::LinearMemory::kPageSize, vm::LinearMemory::kPageSize * 4));
  ASSERT_TRUE(m.bind_external(storage, sizeof storage));  // the owned page is freed
  EXPECT_TRUE(m.external());
  EXPECT_EQ(m.data(), storage);
  EXPECT_EQ(m.size(), 100u);
  EXPECT_EQ(m.cap(), 100u);
  const std::uint32_t v = 0xdeadbeef;
  EXPECT_TRUE(m.write(96, &v, 4));
  EXPECT_FALSE(m.write(97, &v, 4));
  EXPECT_EQ(storage[96], 0xef);
  EXPECT_EQ(m.grow(1), -1);  // someone else's storage never grows
  EXPECT_EQ(m.size(), 100u);
  EXPECT_FALSE(m.bind_external(nullptr, 8));
  EXPECT_EQ(m.size(), 0u);
  EXPECT_TRUE(m.bind_external(storage, sizeof storage));
  ASSERT_TRUE(m.init(0, vm::LinearMemory::kPageSize));  // back to owned storage
  EXPECT_FALSE(m.external());
  EXPECT_EQ(m.grow(1), 0);
  EXPECT_EQ(storage[96], 0xef);  // the external bytes were left alone
}

TEST(RawDisk, ChecksRangesAndReadOnly) {
  TempImage img;
  auto missing = RawDisk::open("/nonexistent/disk.img", false);
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("/nonexistent/disk.img"), std::string::npos);
  auto d = RawDisk::open(img.path, true);
  ASSERT_TRUE(d) << d.error().message;
  EXPECT_EQ((*d)->size(), kDiskSectors * 512u);
  EXPECT_TRUE((*d)->read_only());
  EXPECT_LE((*d)->serial().size(), 20u);
  std::uint8_t buf[1024];
  EXPECT_EQ((*d)->read(512, buf), 0);
  EXPECT_EQ(std::memcmp(buf, img.bytes.data() + 512, sizeof buf), 0);
  EXPECT_EQ((*d)->read(kDiskSectors * 512 - 512, buf), -EINVAL);  // runs off the end
  EXPECT_EQ((*d)->read(~0ull - 10, {buf, 16}), -EINVAL);          // no wrap-around
  EXPECT_EQ((*d)->write(0, buf), -EROFS);
  EXPECT_EQ((*d)->flush(), 0);

  auto writer = RawDisk::open(img.path, false);
  ASSERT_FALSE(writer);  // a reader holds it
  EXPECT_NE(writer.error().message.find("in use by another process"), std::string::npos);
  auto reader = RawDisk::open(img.path, true);
  EXPECT_TRUE(reader);  // readers share
  d->reset();
  reader->reset();
  writer = RawDisk::open(img.path, false);
  ASSERT_TRUE(writer) << writer.error().message;
  EXPECT_FALSE(RawDisk::open(img.path, true));  // a writer excludes readers
  writer->reset();

  std::ofstream(img.path, std::ios::app) << "x";  // 1 byte past a sector boundary
  auto odd = RawDisk::open(img.path, false);
  ASSERT_FALSE(odd);
  EXPECT_NE(odd.error().message.find("512-byte sectors"), std::string::npos);
}

TEST(VirtioBlk, IdentityAndConfigRegisters) {
  Guest g;
  ASSERT_TRUE(g.dev);
  EXPECT_EQ(g.r(kMagic), 0x74726976u);
  EXPECT_EQ(g.r(kVersion), 2u);
  EXPECT_EQ(g.r(kDeviceId), 2u);
  EXPECT_EQ(g.r(kVendor), 0x41525453u);
  EXPECT_EQ(g.dev->read(kMagic, 1), 0u);  // registers are 32-bit only
  // capacity: as two 32-bit reads (Linux's virtio_cread64 on mmio), as one 64-bit, bytewise
  EXPECT_EQ(g.r(kConfig), kDiskSectors);
  EXPECT_EQ(g.r(kConfig + 4), 0u);
  EXPECT_EQ(g.dev->read(kConfig, 8), kDiskSectors);
  EXPECT_EQ(g.dev->read(kConfig, 1), kDiskSectors);
  EXPECT_EQ(g.dev->read(kConfig + 0x0c, 4), 126u);  // seg_max
  EXPECT_EQ(g.dev->read(kConfig + 0x14, 4), 512u);  // blk_size
  EXPECT_EQ(g.dev->read(kConfig + 0x15, 1), 2u);    // its second byte
  EXPECT_EQ(g.dev->read(kConfig + 0x40, 4), 0u);    // past the config
  g.w(kDevFeaturesSel, 1);
  EXPECT_EQ(g.r(kDevFeatures), 1u);  // VERSION_1
  g.w(kDevFeaturesSel, 0);
  const std::uint32_t f = g.r(kDevFeatures);
  EXPECT_TRUE(f & (1u << 9));   // FLUSH
  EXPECT_FALSE(f & (1u << 5));  // not RO
  EXPECT_TRUE(f & (1u << 2));   // SEG_MAX
  g.w(kDevFeaturesSel, 2);
  EXPECT_EQ(g.r(kDevFeatures), 0u);
  EXPECT_EQ(g.r(kQueueNumMax), 256u);
  g.w(kQueueSel, 1);
  EXPECT_EQ(g.r(kQueueNumMax), 0u);  // one queue only
  EXPECT_EQ(g.dev->faults(), 0u);
}

TEST(VirtioBlk, FeatureNegotiation) {
  Guest g;
  ASSERT_TRUE(g.dev);
  EXPECT_TRUE(g.bring_up());
  EXPECT_EQ(g.r(kStatus), kAck | kDriver | kFeaturesOk | kDriverOk);
  EXPECT_FALSE(g.bring_up(8, 1u << 9));  // legacy driver: no VERSION_1, FEATURES_OK refused
  EXPECT_EQ(g.r(kStatus), kAck | kDriver);
  // A feature that was not offered (INDIRECT_DESC, bit 28) is refused too.
  g.w(kStatus, 0);
  g.w(kStatus, kAck | kDriver);
  g.w(kDrvFeaturesSel, 1);
  g.w(kDrvFeatures, 1);
  g.w(kDrvFeaturesSel, 0);
  g.w(kDrvFeatures, 1u << 28);
  g.w(kStatus, kAck | kDriver | kFeaturesOk);
  EXPECT_FALSE(g.r(kStatus) & kFeaturesOk);
  EXPECT_TRUE(g.bring_up());  // and a reset starts over
}

TEST(VirtioBlk, ReadsSectorsAndInterrupts) {
  Guest g;
  ASSERT_TRUE(g.dev);
  ASSERT_TRUE(g.bring_up());
  GC_gcollect();  // the state record lives only in the adapter's root slot now
  const int before = g.host.irq_calls;
  // sectors 3..5 into two buffers (1024 + 512 bytes)
  EXPECT_EQ(g.request(kIn, 3, {{kDataAt, 1024}, {kDataAt + 0x4000, 512}}), kOk);
  EXPECT_EQ(std::memcmp(g.at(kDataAt), g.image.bytes.data() + 3 * 512, 1024), 0);
  EXPECT_EQ(std::memcmp(g.at(kDataAt + 0x4000), g.image.bytes.data() + 5 * 512, 512), 0);
  EXPECT_EQ(g.used_idx(), 1u);
  EXPECT_EQ(g.used(0), std::make_pair(0u, 1024u + 512u + 1u));  // head 0, bytes written
  EXPECT_EQ(g.r(kIntStatus), 1u);
  EXPECT_TRUE(g.host.irq_level);
  EXPECT_EQ(g.host.irq_line, 5);
  EXPECT_EQ(g.host.irq_calls, before + 1);
  // A second completion while the interrupt is pending: the line stays up, no new call.
  EXPECT_EQ(g.request(kIn, 0, {{kDataAt, 512}}), kOk);
  EXPECT_EQ(g.used_idx(), 2u);
  EXPECT_EQ(g.host.irq_calls, before + 1);
  g.w(kIntAck, 1);
  EXPECT_EQ(g.r(kIntStatus), 0u);
  EXPECT_FALSE(g.host.irq_level);
  EXPECT_EQ(g.host.irq_calls, before + 2);
  EXPECT_EQ(g.dev->faults(), 0u);
  EXPECT_TRUE(g.faults.empty());
}

TEST(VirtioBlk, NoInterruptWhenTheDriverSuppressesIt) {
  Guest g;
  ASSERT_TRUE(g.dev);
  ASSERT_TRUE(g.bring_up());
  g.put<std::uint16_t>(kAvailAt, 1);  // VIRTQ_AVAIL_F_NO_INTERRUPT
  EXPECT_EQ(g.request(kIn, 0, {{kDataAt, 512}}), kOk);
  EXPECT_EQ(g.used_idx(), 1u);
  EXPECT_EQ(g.r(kIntStatus), 0u);
  EXPECT_FALSE(g.host.irq_level);
}

TEST(VirtioBlk, WritesReachTheFileAndFlush) {
  Guest g;
  ASSERT_TRUE(g.dev);
  ASSERT_TRUE(g.bring_up());
  for (int i = 0; i < 1024; ++i) g.put<std::uint8_t>(kDataAt + i, static_cast<std::uint8_t>(~i));
  EXPECT_EQ(g.request(kOut, 10, {{kDataAt, 1024}}), kOk);
  EXPECT_EQ(g.used(0).second, 1u);  // only the status byte was written
  EXPECT_EQ(g.request(kFlush, 0, {}), kOk);
  std::vector<std::uint8_t> disk = g.image.on_disk();
  ASSERT_EQ(disk.size(), g.image.bytes.size());
  EXPECT_EQ(std::memcmp(disk.data() + 10 * 512, g.at(kDataAt), 1024), 0);
  EXPECT_EQ(std::memcmp(disk.data(), g.image.bytes.data(), 10 * 512), 0);  // nothing else
  std::memset(g.at(kDataAt + 0x8000), 0, 1024);
  EXPECT_EQ(g.request(kIn, 10, {{kDataAt + 0x8000, 1024}}), kOk);  // and it reads back
  EXPECT_EQ(std::memcmp(g.at(kDataAt + 0x8000), g.at(kDataAt), 1024), 0);
  EXPECT_EQ(g.used_idx(), 3u);
}

TEST(VirtioBlk, GetIdGivesTheSerial) {
  Guest g;
  ASSERT_TRUE(g.dev);
  ASSERT_TRUE(g.bring_up());
  std::memset(g.at(kDataAt), 0xaa, 32);
  EXPECT_EQ(g.request(kGetId, 0, {{kDataAt, 20}}), kOk);
  const std::string serial(g.disk->serial());
  ASSERT_FALSE(serial.empty());
  EXPECT_EQ(std::string(reinterpret_cast<char*>(g.at(kDataAt)), serial.size()), serial);
  for (std::size_t i = serial.size(); i < 20; ++i) EXPECT_EQ(*g.at(kDataAt + i), 0) << i;
  EXPECT_EQ(*g.at(kDataAt + 20), 0xaa);  // exactly 20 bytes
  EXPECT_EQ(g.used(0).second, 21u);
}

TEST(VirtioBlk, ReadOnlyDiskRejectsWrites) {
  Guest g(/*read_only=*/true);
  ASSERT_TRUE(g.dev);
  g.w(kDevFeaturesSel, 0);
  EXPECT_TRUE(g.r(kDevFeatures) & (1u << 5));  // VIRTIO_BLK_F_RO
  ASSERT_TRUE(g.bring_up(8, (1ull << 32) | (1u << 5) | (1u << 9)));
  std::memset(g.at(kDataAt), 0x55, 512);
  EXPECT_EQ(g.request(kOut, 1, {{kDataAt, 512}}), kIoErr);
  EXPECT_EQ(g.image.on_disk(), g.image.bytes);
  EXPECT_EQ(g.request(kIn, 1, {{kDataAt, 512}}), kOk);
  EXPECT_EQ(std::memcmp(g.at(kDataAt), g.image.bytes.data() + 512, 512), 0);
  EXPECT_EQ(g.r(kStatus) & kNeedsReset, 0u);
}

TEST(VirtioBlk, OutOfRangeAndUnknownRequests) {
  Guest g;
  ASSERT_TRUE(g.dev);
  ASSERT_TRUE(g.bring_up());
  EXPECT_EQ(g.request(kIn, kDiskSectors, {{kDataAt, 512}}), kIoErr);       // past the end
  EXPECT_EQ(g.request(kIn, kDiskSectors - 1, {{kDataAt, 1024}}), kIoErr);  // runs past it
  EXPECT_EQ(g.request(kOut, 1ull << 56, {{kDataAt, 512}}), kIoErr);        // sector * 512 overflows
  EXPECT_EQ(g.request(kIn, kDiskSectors - 1, {{kDataAt, 512}}), kOk);      // the last sector
  EXPECT_EQ(g.request(77, 0, {{kDataAt, 512}}), kUnsupp);
  EXPECT_EQ(g.used_idx(), 5u);
  EXPECT_EQ(g.image.on_disk(), g.image.bytes);
  EXPECT_EQ(g.r(kStatus) & kNeedsReset, 0u);  // errors the driver is told about, not faults
}

TEST(VirtioBlk, GuestRamNeedNotStartAtZero) {
  constexpr std::uint64_t kBase = 0x80000000;  // RISC-V virt's RAM
  Guest g(false, kBase);
  ASSERT_TRUE(g.dev);
  ASSERT_TRUE(g.bring_up());
  EXPECT_EQ(g.request(kIn, 2, {{kBase + kDataAt, 512}}), kOk);
  EXPECT_EQ(std::memcmp(g.at(kBase + kDataAt), g.image.bytes.data() + 1024, 512), 0);
  EXPECT_EQ(g.request(kIn, 2, {{kDataAt, 512}}), 0xee);  // GPA below RAM: never completed
  EXPECT_TRUE(g.r(kStatus) & kNeedsReset);
}

TEST(VirtioBlk, MakeDeviceWantsADisk) {
  CountingHost host;
  auto d = make_device("virtio-blk", "vdb", host);
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().message, "device vdb: virtio-blk needs guest RAM");
}

// Random descriptor tables and rings (a fixed seed, so a failure reproduces): whatever the
// guest writes, every check is explicit, so the model never traps, and a reset recovers it.
TEST(VirtioBlk, RandomChainsNeverTrapTheModel) {
  Guest g;
  ASSERT_TRUE(g.dev);
  std::mt19937_64 rng(4);
  auto pick = [&](std::uint64_t n) { return static_cast<std::uint64_t>(rng() % n); };
  int completed = 0, stopped = 0;
  for (int round = 0; round < 300; ++round) {
    ASSERT_TRUE(g.bring_up());
    for (unsigned i = 0; i < 8; ++i) {
      const std::uint64_t d = kDescAt + 16 * i;
      // Mostly sane addresses (headers, data, just past RAM), random lengths, flags, links.
      const std::uint64_t where[] = {kHdrAt, kDataAt + 512 * pick(8), kStatusAt,
                                     kRamSize - pick(600), rng()};
      g.put<std::uint64_t>(d, where[pick(5)]);
      g.put<std::uint32_t>(d + 8, pick(4) == 0 ? static_cast<std::uint32_t>(rng())
                                               : static_cast<std::uint32_t>(pick(2048)));
      g.put<std::uint16_t>(d + 12, static_cast<std::uint16_t>(pick(8)));
      g.put<std::uint16_t>(d + 14, static_cast<std::uint16_t>(pick(10)));
    }
    const std::uint32_t types[] = {kIn, kOut, kFlush, kGetId, static_cast<std::uint32_t>(rng())};
    g.put<std::uint32_t>(kHdrAt, types[pick(5)]);
    g.put<std::uint64_t>(kHdrAt + 8, pick(4) == 0 ? rng() : pick(kDiskSectors + 4));
    for (unsigned i = 0, n = 1 + static_cast<unsigned>(pick(9)); i < n; ++i)
      g.push_avail(static_cast<std::uint16_t>(pick(9)));
    g.w(kQueueNotify, 0);
    ASSERT_EQ(g.dev->faults(), 0u) << "round " << round;
    completed += g.used_idx();
    stopped += (g.r(kStatus) & kNeedsReset) ? 1 : 0;
  }
  // Both outcomes were exercised, and the device still serves a good request.
  EXPECT_GT(completed, 0);
  EXPECT_GT(stopped, 0);
  ASSERT_TRUE(g.bring_up());
  EXPECT_EQ(g.request(kIn, 0, {{kDataAt, 512}}), kOk);
}

// Random register accesses (any offset in the 0x200-byte window, any size and value), with
// random bytes in RAM for whatever rings they set up: no trap, and a reset recovers.
TEST(VirtioBlk, RandomRegisterAccessesNeverTrapTheModel) {
  Guest g;
  ASSERT_TRUE(g.dev);
  std::mt19937_64 rng(7);
  for (auto& b : g.ram) b = static_cast<std::uint8_t>(rng());
  const std::uint64_t hot[] = {kStatus, kQueueNum, kQueueReady, kQueueNotify, kIntAck,
                               kDescLo, kDriverLo, kDeviceLo,   kDrvFeatures, kQueueSel};
  const unsigned sizes[] = {1, 2, 4, 8};
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t off = rng() % 2 ? hot[rng() % 10] : rng() % 0x200;
    const unsigned size = rng() % 4 ? 4 : sizes[rng() % 4];
    std::uint64_t v = rng();
    // Values that get somewhere often enough: resets, ring addresses inside RAM, power-of-2
    // sizes, DRIVER_OK, notifies of queue 0.
    if (off == kStatus) v = rng() % 3 == 0 ? 0 : v % 16;
    if (off == kDescLo || off == kDriverLo || off == kDeviceLo) v = (v % kRamSize) & ~15ull;
    if (off == kQueueNum) v = std::uint64_t{1} << (v % 10);
    if (off == kQueueNotify || off == kQueueSel) v %= 2;
    if (off == kQueueReady) v %= 2;
    if (rng() % 2)
      g.dev->write(off, size, v);
    else
      (void)g.dev->read(off, size);
    ASSERT_EQ(g.dev->faults(), 0u) << "access " << i << " at " << off;
  }
  ASSERT_TRUE(g.bring_up());
  EXPECT_EQ(g.request(kIn, 1, {{kDataAt, 512}}), kOk);
  EXPECT_EQ(std::memcmp(g.at(kDataAt), g.image.bytes.data() + 512, 512), 0);
}

// The adapter's side of a DMA model, with a small model of its own: guest RAM as its memory, its
// state record kept alive across a collection, and both rebuilt after a trap.
TEST(SviDevice, DmaModelGetsGuestRamAndAStateRecord) {
  auto model = as::assemble(R"(.import "hw" {
  set_state(ref)
  state() -> ref
}
.struct S { writes: i64 }
.func wants_guest_ram() -> i64 export
  ret 1
.end
.func reset() export
  .reg %s: ref
  rnew %s, S
  callh set_state(%s)
  ret
.end
; read: the byte of guest RAM at `offset` (traps past its end), or with size 8 the write count
.func read(%o: i64, %size: i64) -> i64 export
  .reg %s: ref, %v: i64, %t: i64
  li %t, 8
  beq %size, %t, count
  ld.u8 %v, %o, 0
  ret %v
count:
  callh %s, state()
  rget %v, %s, S.writes
  ret %v
.end
.func write(%o: i64, %size: i64, %value: i64) export
  .reg %s: ref, %n: i64
  st.i8 %o, %value, 0
  callh %s, state()
  rget %n, %s, S.writes
  addi %n, %n, 1
  rset %s, %n, S.writes
  ret
.end
)",
                            "dma.sasm");
  ASSERT_TRUE(model) << model.error().message;
  CountingHost host;
  std::vector<std::string> faults;
  std::vector<std::uint8_t> ram(4096);
  ram[100] = 42;
  DeviceResources res;
  res.ram = {ram.data(), ram.size(), 0};
  auto dev = SviDevice::create(
      "dma0", std::move(*model), host, -1, [&](std::string_view l) { faults.emplace_back(l); },
      res);
  ASSERT_TRUE(dev) << dev.error().message;
  SviDevice& d = **dev;
  EXPECT_EQ(d.read(100, 1), 42u);
  d.write(200, 1, 7);
  EXPECT_EQ(ram[200], 7);
  GC_gcollect();
  d.write(201, 1, 8);
  EXPECT_EQ(d.read(0, 8), 2u);        // the record survived the collection
  EXPECT_EQ(d.read(4096, 1), 0xffu);  // past guest RAM: a trap, all-ones
  ASSERT_EQ(faults.size(), 1u);
  EXPECT_NE(faults[0].find("; device reset"), std::string::npos) << faults[0];
  EXPECT_EQ(d.read(0, 8), 0u);    // a fresh record
  EXPECT_EQ(d.read(200, 1), 7u);  // and guest RAM is bound again (it is not reset)
}

TEST(SviDevice, DmaModelMustNotDeclareMemory) {
  auto model = as::assemble(R"(.memory 65536
.func wants_guest_ram() -> i64 export
  ret 1
.end
.func reset() export
  ret
.end
.func read(%o: i64, %s: i64) -> i64 export
  ret 0
.end
.func write(%o: i64, %s: i64, %v: i64) export
  ret
.end
)",
                            "mem.sasm");
  ASSERT_TRUE(model) << model.error().message;
  CountingHost host;
  std::vector<std::uint8_t> ram(4096);
  DeviceResources res;
  res.ram = {ram.data(), ram.size(), 0};
  auto dev = SviDevice::create("m0", std::move(*model), host, -1, {}, res);
  ASSERT_FALSE(dev);
  EXPECT_EQ(dev.error().message,
            "device m0: model 'mem' wants guest RAM but declares a .memory of its own");
}

// A hostile driver: what it does to the queue, after a good bring_up.
struct Hostile {
  const char* name;
  void (*act)(Guest& g);
  const char* log;  // what the device reports
};

const Hostile kHostile[] = {
    {"IndexPastQueueNum",
     [](Guest& g) {
       g.submit({{kHdrAt, 16, 0}, {kStatusAt, 1, kWrite}});
       g.put<std::uint16_t>(kDescAt + 14, 8);  // header's next = 8 with QueueNum 8
       g.push_avail(0);
       g.w(kQueueNotify, 0);
     },
     "descriptor index past QueueNum"},
    {"HeadPastQueueNum",
     [](Guest& g) {
       g.push_avail(200);
       g.w(kQueueNotify, 0);
     },
     "descriptor index past QueueNum"},
    {"ChainLoop",
     [](Guest& g) {
       g.put<std::uint32_t>(kHdrAt, kIn);
       g.put<std::uint64_t>(kDescAt, kHdrAt);
       g.put<std::uint32_t>(kDescAt + 8, 16);
       g.put<std::uint16_t>(kDescAt + 12, kNext);
       g.put<std::uint16_t>(kDescAt + 14, 1);
       g.put<std::uint64_t>(kDescAt + 16, kDataAt);
       g.put<std::uint32_t>(kDescAt + 24, 512);
       g.put<std::uint16_t>(kDescAt + 28, kNext | kWrite);
       g.put<std::uint16_t>(kDescAt + 30, 1);  // points at itself
       g.push_avail(0);
       g.w(kQueueNotify, 0);
     },
     "a loop"},
    {"BufferOutsideRam",
     [](Guest& g) {
       g.request(kIn, 0, {{kRamSize - 256, 512}});
     },
     "outside guest RAM"},
    {"HugeLength",
     [](Guest& g) {
       g.request(kIn, 0, {{kDataAt, 0xffffffffu}});
     },
     "outside guest RAM"},
    {"ZeroLengthStatus",
     [](Guest& g) {
       g.submit({{kHdrAt, 16, 0}, {kDataAt, 512, kWrite}, {kStatusAt, 0, kWrite}});
     },
     "status descriptor"},
    {"ReadOnlyStatus",
     [](Guest& g) {
       g.submit({{kHdrAt, 16, 0}, {kStatusAt, 1, 0}});
     },
     "status descriptor"},
    {"ShortHeader",
     [](Guest& g) {
       g.submit({{kHdrAt, 8, 0}, {kStatusAt, 1, kWrite}});
     },
     "header"},
    {"HeaderOnly",
     [](Guest& g) {
       g.submit({{kHdrAt, 16, 0}});
     },
     "header"},
    {"Indirect",
     [](Guest& g) {
       g.submit({{kDataAt, 32, kIndirect}});
     },
     "INDIRECT"},
    {"ReadIntoReadOnlyBuffer",
     [](Guest& g) {
       g.submit({{kHdrAt, 16, 0}, {kDataAt, 512, 0}, {kStatusAt, 1, kWrite}});
     },
     "wrong direction"},
    {"AvailIdxJump",
     [](Guest& g) {
       g.put<std::uint16_t>(kAvailAt + 2, 9);  // 9 new entries in an 8-entry ring
       g.w(kQueueNotify, 0);
     },
     "avail index jumped"},
    {"QueueNumNotPowerOf2",
     [](Guest& g) {
       g.w(kQueueReady, 0);
       g.w(kQueueNum, 6);
       g.w(kQueueReady, 1);
     },
     "bad QueueNum"},
    {"QueueNumTooBig",
     [](Guest& g) {
       g.w(kQueueReady, 0);
       g.w(kQueueNum, 512);
       g.w(kQueueReady, 1);
     },
     "bad QueueNum"},
    {"RingOutsideRam",
     [](Guest& g) {
       g.w(kQueueReady, 0);
       g.set_rings(kDescAt, kAvailAt, kRamSize - 16);
       g.w(kQueueReady, 1);
     },
     "not inside guest RAM"},
    {"MisalignedRing",
     [](Guest& g) {
       g.w(kQueueReady, 0);
       g.set_rings(kDescAt + 8, kAvailAt, kUsedAt);
       g.w(kQueueReady, 1);
     },
     "misaligned"},
};

// GoogleTest prints a parameter with this (instead of its bytes) when a case fails.
void PrintTo(const Hostile& h, std::ostream* os) {
  *os << h.name;
}

class VirtioBlkHostile : public ::testing::TestWithParam<Hostile> {};

TEST_P(VirtioBlkHostile, NeedsResetThenRecovers) {
  const Hostile& h = GetParam();
  Guest g;
  ASSERT_TRUE(g.dev);
  ASSERT_TRUE(g.bring_up());
  h.act(g);
  // The host is alive, the model did not trap, and the driver is told.
  EXPECT_EQ(g.dev->faults(), 0u);
  EXPECT_FALSE(g.dev->disabled());
  EXPECT_TRUE(g.r(kStatus) & kNeedsReset);
  EXPECT_TRUE(g.r(kIntStatus) & 2);  // configuration change
  EXPECT_TRUE(g.host.irq_level);
  ASSERT_EQ(g.faults.size(), 1u);
  EXPECT_TRUE(g.faults[0].starts_with("device vda: virtqueue 0: ")) << g.faults[0];
  EXPECT_NE(g.faults[0].find(h.log), std::string::npos) << g.faults[0];
  EXPECT_EQ(g.image.on_disk(), g.image.bytes);
  // Stopped until reset: a good request now is not taken.
  const std::uint16_t used = g.used_idx();
  g.request(kIn, 0, {{kDataAt, 512}});
  EXPECT_EQ(g.used_idx(), used);
  // A driver reset brings it back.
  ASSERT_TRUE(g.bring_up());
  EXPECT_FALSE(g.host.irq_level);
  EXPECT_EQ(g.request(kIn, 4, {{kDataAt, 512}}), kOk);
  EXPECT_EQ(std::memcmp(g.at(kDataAt), g.image.bytes.data() + 4 * 512, 512), 0);
  EXPECT_EQ(g.used_idx(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Chains, VirtioBlkHostile, ::testing::ValuesIn(kHostile),
                         [](const ::testing::TestParamInfo<Hostile>& i) {
                           return std::string(i.param.name);
                         });

}  // namespace
}  // namespace strata::hwvm
