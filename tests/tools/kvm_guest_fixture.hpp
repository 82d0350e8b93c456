// Flat KVM guests for the monitor's tests (`strata repl boot`, `strata boot --gdb`): assembled
// at test time with GNU as/ld (tests/hwvm/flat_guest.hpp), their symbols read back with nm so
// expected addresses never come from strata. Skips where /dev/kvm, guest debugging
// (KVM_CAP_SET_GUEST_DEBUG) or binutils are missing.
#pragma once

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <linux/kvm.h>

#include <gtest/gtest.h>

#include "hwvm/kvm/system.hpp"
#include "tests/hwvm/bzimage_fixture.hpp"
#include "tests/hwvm/flat_guest.hpp"

namespace strata::test {

// The flat image is loaded at guest-physical 0x10000 and entered at 1000:0000.
inline constexpr unsigned kFlatBase = 0x10000;

// Where strata's Linux loader puts a bzImage's protected-mode code (16 MiB) and its 64-bit
// entry (+0x200), and the setup sectors of the stand-in kernels below.
inline constexpr unsigned long long kKernelEntry = 16ull * 1024 * 1024 + 0x200;
inline constexpr std::size_t kStandInSetupBytes = 5 * 512;

// A real-mode guest for the REPL and gdb tests: sets bx/cx, stores "ABCD" at `data`, steps bx
// twice from `here`, prints "K" on COM1 and halts. `data` has 8 bytes (gdb writes the second
// word).
inline constexpr const char* kRealModeGuest = R"(
        .code16
        .globl  _start
_start: mov     %cs, %ax
        mov     %ax, %ds
        mov     $0x1234, %bx
        mov     $0x5678, %cx
        movl    $0x44434241, data - _start
here:   inc     %bx
        inc     %bx
        mov     $0x3f8, %dx
        mov     $'K', %al
        outb    %al, %dx
        mov     $'\n', %al
        outb    %al, %dx
        cli
        hlt
data:   .long   0, 0
)";

class KvmGuestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto kvm = hwvm::Kvm::open();
    if (!kvm) GTEST_SKIP() << "KVM unusable here: " << kvm.error().message;
    if (auto dbg = kvm->require(KVM_CAP_SET_GUEST_DEBUG); !dbg)
      GTEST_SKIP() << "no guest debugging on this KVM: " << dbg.error().message;
    as_ = find_tool("as");
    ld_ = find_tool("ld");
    nm_ = find_tool("nm");
    if (as_.empty() || ld_.empty() || nm_.empty())
      GTEST_SKIP() << "GNU as/ld/nm (binutils) are not installed";
    dir_ = std::filesystem::temp_directory_path() /
           ("strata_kvm_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override {
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  // Assembles `source` (64-bit object, so .code16/.code32/.code64 all work) linked at 0x10000;
  // fills syms_ with the linear address of every label. Empty on success, else the error.
  std::string build(const std::string& source) {
    FlatLink link;
    link.link_address = kFlatBase;
    link.x86_64 = true;
    FlatBinary b = assemble_flat(as_, ld_, dir_, "guest", source, link);
    if (!b.error.empty()) return b.error;
    bin_ = b.path;
    auto nm = run_process({nm_, (dir_ / "guest.o").string()});
    std::istringstream in(nm.out);
    std::string addr, kind, name;
    while (in >> addr >> kind >> name) syms_[name] = kFlatBase + std::stoull(addr, nullptr, 16);
    return "";
  }

  // Assembles `source` (64-bit code, linked at kKernelEntry, object dir_/entry.o) into a
  // stand-in bzImage at dir_/bzImage: the path, or empty with *error set.
  std::string build_standin_kernel(const std::string& source, std::string* error) {
    FlatLink link;
    link.link_address = static_cast<unsigned>(kKernelEntry);
    link.x86_64 = true;
    const FlatBinary b = assemble_flat(as_, ld_, dir_, "entry", source, link);
    if (!b.error.empty()) {
      *error = b.error;
      return "";
    }
    std::ifstream f(b.path, std::ios::binary);
    const std::vector<std::uint8_t> code{std::istreambuf_iterator<char>(f), {}};
    constexpr std::size_t kCodeAt = kStandInSetupBytes + 0x200;
    std::vector<std::uint8_t> image = hwvm::x86::testing::fake_bzimage(kCodeAt + code.size());
    std::copy(code.begin(), code.end(), image.begin() + static_cast<std::ptrdiff_t>(kCodeAt));
    const std::string kernel = (dir_ / "bzImage").string();
    std::ofstream(kernel, std::ios::binary)
        .write(reinterpret_cast<const char*>(image.data()),
               static_cast<std::streamsize>(image.size()));
    return kernel;
  }

  std::filesystem::path dir_;
  std::string as_, ld_, nm_, bin_;
  std::map<std::string, unsigned long long> syms_;
};

inline std::string hex(unsigned long long v) {
  std::ostringstream s;
  s << "0x" << std::hex << v;
  return s.str();
}

}  // namespace strata::test
