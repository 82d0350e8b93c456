// Memory syscalls: brk, mmap (anonymous, fixed, file), munmap, mremap, mprotect, madvise,
// riscv_flush_icache, and the code-change callback the runner uses to drop translations.
#include <fstream>

#include "tests/vm/rv64/process_test_util.hpp"

namespace strata::vm::rv64::test {
namespace {

constexpr uint64_t kProtRW = 3, kProtR = 1, kProtRX = 5;
constexpr uint64_t kPrivAnon = 0x22, kFixed = 0x10, kFixedNoreplace = 0x100000;
constexpr uint64_t kNoFd = static_cast<uint64_t>(-1);
constexpr uint64_t kPage = 4096;

class MemorySyscalls : public ProcessTest {
 protected:
  uint64_t map_anon(uint64_t len, uint64_t prot = kProtRW, uint64_t addr = 0, uint64_t extra = 0) {
    return static_cast<uint64_t>(call(kMmap, addr, len, prot, kPrivAnon | extra, kNoFd, 0));
  }
  void fill(uint64_t addr, uint64_t len, char c) {
    std::string s(len, c);
    ASSERT_TRUE(mem_->write(addr, s.data(), len));
  }
  bool all(uint64_t addr, uint64_t len, char c) { return get(addr, len) == std::string(len, c); }
};

TEST_F(MemorySyscalls, BrkGrowsShrinksAndRegrowsZeroed) {
  const ProcessLayout& l = proc_->layout();
  const uint64_t start = static_cast<uint64_t>(call(kBrk, 0));
  EXPECT_EQ(start, l.brk_start);
  const uint64_t grown = start + 3 * kPage + 100;
  EXPECT_EQ(static_cast<uint64_t>(call(kBrk, grown)), grown);
  EXPECT_EQ(mem_->perms_at(start), kPermRead | kPermWrite);
  EXPECT_EQ(mem_->perms_at(grown - 1), kPermRead | kPermWrite);
  EXPECT_EQ(mem_->perms_at(start + 4 * kPage), 0u);
  EXPECT_TRUE(all(start, grown - start, '\0'));
  fill(start, grown - start, 'b');
  EXPECT_EQ(static_cast<uint64_t>(call(kBrk, start + 10)), start + 10);
  EXPECT_EQ(mem_->perms_at(start + kPage), 0u);
  EXPECT_EQ(static_cast<uint64_t>(call(kBrk, grown)), grown);
  // The page still covered by the break keeps its bytes; the rest comes back zeroed.
  EXPECT_TRUE(all(start, 10, 'b'));
  EXPECT_TRUE(all(start + kPage, grown - start - kPage, '\0'));
  // Failures return the current break.
  EXPECT_EQ(static_cast<uint64_t>(call(kBrk, l.brk_max + kPage)), grown);
  EXPECT_EQ(static_cast<uint64_t>(call(kBrk, start - kPage)), grown);
  EXPECT_EQ(static_cast<uint64_t>(call(kBrk, l.brk_max)), l.brk_max);
}

TEST_F(MemorySyscalls, BrkDoesNotGrowOverAFixedMapping) {
  const uint64_t start = static_cast<uint64_t>(call(kBrk, 0));
  ASSERT_EQ(map_anon(kPage, kProtRW, start + 2 * kPage, kFixed), start + 2 * kPage);
  EXPECT_EQ(static_cast<uint64_t>(call(kBrk, start + 4 * kPage)), start);
  EXPECT_EQ(static_cast<uint64_t>(call(kBrk, start + 2 * kPage)), start + 2 * kPage);
}

TEST_F(MemorySyscalls, AnonymousMmapIsZeroedTopDownAndRecordsPermissions) {
  const ProcessLayout& l = proc_->layout();
  const uint64_t a = map_anon(3 * kPage + 1);
  ASSERT_EQ(a % kPage, 0u);
  EXPECT_GE(a, l.mmap_floor);
  EXPECT_LE(a + 4 * kPage, l.mmap_ceiling);
  EXPECT_TRUE(all(a, 4 * kPage, '\0'));
  EXPECT_EQ(mem_->perms_at(a), kPermRead | kPermWrite);
  EXPECT_EQ(mem_->perms_at(a + 3 * kPage), kPermRead | kPermWrite);
  const uint64_t b = map_anon(kPage, kProtRX);
  EXPECT_EQ(b + kPage, a);  // top-down, next to the previous one
  EXPECT_EQ(mem_->perms_at(b), kPermRead | kPermExec);
  // Out of space, bad arguments.
  EXPECT_EQ(call(kMmap, 0, uint64_t{1} << 40, kProtRW, kPrivAnon, kNoFd, 0), -ENOMEM);
  EXPECT_EQ(call(kMmap, 0, 0, kProtRW, kPrivAnon, kNoFd, 0), -EINVAL);
  EXPECT_EQ(call(kMmap, 0, static_cast<uint64_t>(-1), kProtRW, kPrivAnon, kNoFd, 0), -EINVAL);
  EXPECT_EQ(call(kMmap, 0, kPage, 8, kPrivAnon, kNoFd, 0), -EINVAL);
  EXPECT_EQ(call(kMmap, 0, kPage, kProtRW, 0x20, kNoFd, 0), -EINVAL);  // neither shared nor private
  EXPECT_EQ(call(kMmap, 0, kPage, kProtRW, kPrivAnon, kNoFd, 100), -EINVAL);
}

TEST_F(MemorySyscalls, MmapFixedReplacesAndReportsTheCodeChange) {
  const uint64_t a = map_anon(4 * kPage, kProtRX);
  fill(a, 4 * kPage, 'c');
  changes_.clear();
  EXPECT_EQ(map_anon(kPage, kProtRW, a + kPage, kFixed), a + kPage);
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0], std::make_pair(a + kPage, kPage));
  EXPECT_TRUE(all(a + kPage, kPage, '\0'));
  EXPECT_TRUE(all(a, kPage, 'c'));
  EXPECT_TRUE(all(a + 2 * kPage, kPage, 'c'));
  EXPECT_EQ(mem_->perms_at(a + kPage), kPermRead | kPermWrite);
  EXPECT_EQ(mem_->perms_at(a + 2 * kPage), kPermRead | kPermExec);
  // MAP_FIXED_NOREPLACE refuses a used range; MAP_FIXED wants alignment and the guest space.
  EXPECT_EQ(call(kMmap, a, kPage, kProtRW, kPrivAnon | kFixedNoreplace, kNoFd, 0), -EEXIST);
  EXPECT_EQ(call(kMmap, a + 1, kPage, kProtRW, kPrivAnon | kFixed, kNoFd, 0), -EINVAL);
  EXPECT_EQ(call(kMmap, 0x1000, kPage, kProtRW, kPrivAnon | kFixed, kNoFd, 0), -EPERM);
  EXPECT_EQ(call(kMmap, mem_->top(), kPage, kProtRW, kPrivAnon | kFixed, kNoFd, 0), -ENOMEM);
  // A free hint is honoured.
  const uint64_t hint = proc_->layout().mmap_floor + 16 * kPage;
  EXPECT_EQ(map_anon(kPage, kProtRW, hint), hint);
}

TEST_F(MemorySyscalls, FileMmapCopiesTheFile) {
  const std::string path = scratch_dir() + "/mapped";
  std::string content;
  for (int i = 0; i < 6000; ++i) content.push_back(static_cast<char>('A' + i % 26));
  {
    std::ofstream f(path, std::ios::binary);
    f << content;
  }
  const int64_t fd = call(kOpenat, kAtFdcwd, put_str(path), 0);
  ASSERT_GE(fd, 3);
  const int64_t a = call(kMmap, 0, 2 * kPage, kProtR, 2, fd, 0);  // MAP_PRIVATE
  ASSERT_GT(a, 0);
  EXPECT_EQ(get(a, 6000), content);
  EXPECT_TRUE(all(a + 6000, 2 * kPage - 6000, '\0'));
  EXPECT_EQ(mem_->perms_at(a), kPermRead);
  const int64_t b = call(kMmap, 0, kPage, kProtR, 2, fd, kPage);  // offset one page
  ASSERT_GT(b, 0);
  EXPECT_EQ(get(b, 6000 - kPage), content.substr(kPage));
  // Not a mapped memory: a writable shared file mapping would lose its writes, so it is refused
  // (syscall_test_shared.cpp has the mapped case).
  EXPECT_EQ(call(kMmap, 0, kPage, kProtRW, 1, fd, 0), -ENODEV);
  EXPECT_NE(diag().find("MAP_SHARED"), std::string::npos);
}

TEST_F(MemorySyscalls, MunmapZeroesUnmapsAndReportsTheCodeChange) {
  const uint64_t a = map_anon(2 * kPage, kProtRX);
  fill(a, 2 * kPage, 'm');
  changes_.clear();
  EXPECT_EQ(call(kMunmap, a, 2 * kPage), 0);
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0], std::make_pair(a, 2 * kPage));
  EXPECT_EQ(mem_->perms_at(a), 0u);
  EXPECT_TRUE(all(a, 2 * kPage, '\0'));
  // The space is reused, zeroed.
  EXPECT_EQ(map_anon(2 * kPage), a);
  EXPECT_TRUE(all(a, 2 * kPage, '\0'));
  EXPECT_EQ(call(kMunmap, a + 1, kPage), -EINVAL);
  EXPECT_EQ(call(kMunmap, a, 0), -EINVAL);
  // Unmapping nothing is fine and changes no code.
  changes_.clear();
  EXPECT_EQ(call(kMunmap, proc_->layout().mmap_floor, kPage), 0);
  EXPECT_TRUE(changes_.empty());
}

TEST_F(MemorySyscalls, MremapShrinksGrowsInPlaceAndMoves) {
  const uint64_t a = map_anon(2 * kPage);
  fill(a, 2 * kPage, 'r');
  // Something right after it: growing must move.
  ASSERT_EQ(map_anon(kPage, kProtRW, a + 2 * kPage, kFixed), a + 2 * kPage);
  EXPECT_EQ(call(kMremap, a, 2 * kPage, 4 * kPage, 0), -ENOMEM);
  const uint64_t moved = static_cast<uint64_t>(call(kMremap, a, 2 * kPage, 4 * kPage, 1));
  ASSERT_NE(moved, a);
  ASSERT_EQ(moved % kPage, 0u);
  EXPECT_TRUE(all(moved, 2 * kPage, 'r'));
  EXPECT_TRUE(all(moved + 2 * kPage, 2 * kPage, '\0'));
  EXPECT_EQ(mem_->perms_at(moved + 3 * kPage), kPermRead | kPermWrite);
  EXPECT_EQ(mem_->perms_at(a), 0u);
  EXPECT_TRUE(all(a, 2 * kPage, '\0'));
  // Shrink in place.
  EXPECT_EQ(static_cast<uint64_t>(call(kMremap, moved, 4 * kPage, kPage, 0)), moved);
  EXPECT_EQ(mem_->perms_at(moved + kPage), 0u);
  // Grow in place into the hole just made.
  EXPECT_EQ(static_cast<uint64_t>(call(kMremap, moved, kPage, 3 * kPage, 0)), moved);
  EXPECT_EQ(mem_->perms_at(moved + 2 * kPage), kPermRead | kPermWrite);
  EXPECT_TRUE(all(moved + kPage, 2 * kPage, '\0'));
  // MREMAP_FIXED moves to the given place.
  const uint64_t dest = proc_->layout().mmap_floor + 64 * kPage;
  EXPECT_EQ(static_cast<uint64_t>(call(kMremap, moved, 3 * kPage, 3 * kPage, 3, dest)), dest);
  EXPECT_TRUE(all(dest, kPage, 'r'));
  // Not mapped, misaligned, bad flags.
  EXPECT_EQ(call(kMremap, a, kPage, 2 * kPage, 1), -EFAULT);
  EXPECT_EQ(call(kMremap, dest + 1, kPage, 2 * kPage, 1), -EINVAL);
  EXPECT_EQ(call(kMremap, dest, kPage, 2 * kPage, 2), -EINVAL);
  EXPECT_EQ(call(kMremap, dest, kPage, 0, 1), -EINVAL);
}

TEST_F(MemorySyscalls, MprotectRecordsPermissionsAndReportsTheCodeChange) {
  const uint64_t a = map_anon(3 * kPage);
  changes_.clear();
  EXPECT_EQ(call(kMprotect, a + kPage, kPage, kProtRX), 0);
  EXPECT_EQ(mem_->perms_at(a), kPermRead | kPermWrite);
  EXPECT_EQ(mem_->perms_at(a + kPage), kPermRead | kPermExec);
  EXPECT_EQ(mem_->perms_at(a + 2 * kPage), kPermRead | kPermWrite);
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0], std::make_pair(a + kPage, kPage));
  // PROT_NONE keeps the mapping (mprotect works on it again) but nothing can touch it.
  EXPECT_EQ(call(kMprotect, a, kPage, 0), 0);
  EXPECT_EQ(mem_->perms_at(a), 0u);
  EXPECT_EQ(call(kRead, 0, a, 1), -EFAULT);
  EXPECT_EQ(call(kMprotect, a, kPage, kProtRW), 0);
  EXPECT_EQ(call(kMprotect, a + 1, kPage, kProtRW), -EINVAL);
  EXPECT_EQ(call(kMprotect, a, kPage, 16), -EINVAL);
  EXPECT_EQ(call(kMunmap, a + 2 * kPage, kPage), 0);
  EXPECT_EQ(call(kMprotect, a, 3 * kPage, kProtR), -ENOMEM);  // partly unmapped
  // The text segment, as glibc's RELRO handling does for data.
  EXPECT_EQ(call(kMprotect, proc_->entry_pc() & ~(kPage - 1), kPage, kProtR), 0);
}

TEST_F(MemorySyscalls, MadviseDontneedZeroesAnonymousMemory) {
  const uint64_t a = map_anon(3 * kPage);
  fill(a, 3 * kPage, 'd');
  EXPECT_EQ(call(kMadvise, a + kPage, kPage, 4), 0);  // MADV_DONTNEED
  EXPECT_TRUE(all(a, kPage, 'd'));
  EXPECT_TRUE(all(a + kPage, kPage, '\0'));
  EXPECT_TRUE(all(a + 2 * kPage, kPage, 'd'));
  EXPECT_EQ(call(kMadvise, a, kPage, 3), 0);  // MADV_WILLNEED: nothing to do
  EXPECT_TRUE(all(a, kPage, 'd'));
  EXPECT_EQ(call(kMadvise, a + 1, kPage, 4), -EINVAL);
  EXPECT_EQ(call(kMadvise, proc_->layout().mmap_floor, kPage, 4), -ENOMEM);
}

TEST_F(MemorySyscalls, HostWritesIntoExecutableMemoryReportTheCodeChange) {
  const uint64_t code = map_anon(2 * kPage, 7);  // read, write, exec: a JIT's buffer
  const uint64_t data = map_anon(kPage);
  const uint64_t fds = alloc(8);
  ASSERT_EQ(call(kPipe2, fds, 0), 0);
  const int32_t r = get_as<int32_t>(fds), w = get_as<int32_t>(fds + 4);
  changes_.clear();
  ASSERT_EQ(call(kWrite, w, put_str("12345678"), 8), 8);
  EXPECT_EQ(call(kRead, r, data, 4), 4);  // plain data: nothing to drop
  EXPECT_TRUE(changes_.empty());
  EXPECT_EQ(call(kRead, r, code + kPage - 2, 4), 4);
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0], std::make_pair(code + kPage - 2, uint64_t{4}));
  changes_.clear();
  EXPECT_EQ(call(kMadvise, code, kPage, 4), 0);
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0], std::make_pair(code, kPage));
}

TEST_F(MemorySyscalls, FlushIcacheReportsTheWholeSpace) {
  changes_.clear();
  EXPECT_EQ(call(kFlushIcache, 0, 0, 0), 0);
  ASSERT_EQ(changes_.size(), 1u);
  EXPECT_EQ(changes_[0].first, kGuestMinAddr);
  EXPECT_EQ(changes_[0].first + changes_[0].second, mem_->top());
}

TEST_F(MemorySyscalls, LargeMappingsStayInsideTheArea) {
  // Fill the mmap area with 1 MiB mappings until it runs out; none may overlap another region.
  const ProcessLayout& l = proc_->layout();
  int count = 0;
  while (true) {
    const int64_t a = call(kMmap, 0, 1 << 20, kProtRW, kPrivAnon, kNoFd, 0);
    if (a == -ENOMEM) break;
    ASSERT_GT(a, 0);
    EXPECT_GE(static_cast<uint64_t>(a), l.mmap_floor);
    EXPECT_LE(static_cast<uint64_t>(a) + (1 << 20), l.mmap_ceiling);
    ASSERT_LT(++count, 1000);
  }
  EXPECT_GT(count, 4);
  EXPECT_EQ(mem_->perms_at(l.stack_bottom), kPermRead | kPermWrite);
}

// Under host protection (as the runner runs guests) a syscall may still write pages the guest
// may not: a new read-only file mapping, zeroing unmapped pages, a moved read-only mapping.
// Were it not opening them first, the host would fault here.
class ProtectedMemorySyscalls : public MemorySyscalls {
 protected:
  bool host_protection() override { return true; }
};

TEST_F(ProtectedMemorySyscalls, SyscallsWriteProtectedPagesWithoutFaulting) {
  ASSERT_TRUE(mem_->host_protected());
  const std::string path = scratch_dir() + "/protected_map";
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(3 * kPage, 'f');
  }
  const int64_t fd = call(kOpenat, kAtFdcwd, put_str(path), 0);
  ASSERT_GE(fd, 3);
  const int64_t ro = call(kMmap, 0, 3 * kPage, kProtR, 2, fd, 0);
  ASSERT_GT(ro, 0);
  EXPECT_TRUE(all(ro, 3 * kPage, 'f'));  // readable by the guest, filled by the "kernel"
  const uint64_t moved = static_cast<uint64_t>(call(kMremap, ro, 3 * kPage, 6 * kPage, 1));
  ASSERT_EQ(moved % kPage, 0u);
  EXPECT_TRUE(all(moved, 3 * kPage, 'f'));
  EXPECT_EQ(call(kMadvise, moved, 6 * kPage, 4), 0);  // file-backed: keeps its bytes
  EXPECT_EQ(call(kMunmap, moved, 6 * kPage), 0);
  const uint64_t none = map_anon(2 * kPage, 0);  // PROT_NONE
  EXPECT_EQ(call(kMadvise, none, 2 * kPage, 4), 0);
  EXPECT_EQ(call(kMprotect, none, 2 * kPage, kProtR), 0);
  EXPECT_TRUE(all(none, 2 * kPage, '\0'));
  const uint64_t start = static_cast<uint64_t>(call(kBrk, 0));
  EXPECT_EQ(static_cast<uint64_t>(call(kBrk, start + 5 * kPage)), start + 5 * kPage);
  EXPECT_EQ(static_cast<uint64_t>(call(kBrk, start)), start);
  EXPECT_EQ(static_cast<uint64_t>(call(kBrk, start + 2 * kPage)), start + 2 * kPage);
  EXPECT_TRUE(all(start, 2 * kPage, '\0'));
  // A read into read-only memory is still refused, not performed.
  EXPECT_EQ(call(kRead, fd, none, 16), -EFAULT);
}

}  // namespace
}  // namespace strata::vm::rv64::test
