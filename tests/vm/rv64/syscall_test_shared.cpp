// MAP_SHARED on a mapped guest memory (the runner's): file mappings are the file's own pages, so
// stores reach the file and every other mapping of it; msync; munmap and MAP_FIXED over them put
// private zero pages back; mprotect and mremap; the errors Linux gives; shared anonymous memory
// and /dev/zero, shared across a host fork.
#include <sys/mman.h>
#include <sys/wait.h>

#include <fstream>
#include <utility>

#include "tests/vm/rv64/process_test_util.hpp"

namespace strata::vm::rv64::test {
namespace {

constexpr uint64_t kProtR = 1, kProtRW = 3, kProtRWX = 7;
constexpr uint64_t kShared = 0x01, kPrivate = 0x02, kFixed = 0x10, kAnon = 0x20;
constexpr uint64_t kNoFd = static_cast<uint64_t>(-1);
constexpr uint64_t kPage = 4096;
constexpr uint64_t kORdonly = 0, kOWronly = 1, kORdwr = 2;
constexpr uint64_t kMremapMaymove = 1, kMsSync = 4, kMsAsync = 1;
constexpr uint64_t kMsync = 227, kMadvDontneed = 4, kMadvRemove = 9;

class SharedMappings : public ProcessTest {
 protected:
  bool host_protection() override { return true; }

  void SetUp() override {
    ProcessTest::SetUp();
    if (IsSkipped() || HasFatalFailure()) return;
    path_ = scratch_dir() + "/shared_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name();
    std::ofstream f(path_, std::ios::binary);
    f << std::string(3 * kPage, 'f');
  }
  void TearDown() override {
    ::unlink(path_.c_str());
    ProcessTest::TearDown();
  }

  int64_t open_file(uint64_t flags) { return call(kOpenat, kAtFdcwd, put_str(path_), flags); }
  int64_t map(uint64_t len, uint64_t prot, uint64_t flags, uint64_t fd, uint64_t off = 0,
              uint64_t addr = 0) {
    return call(kMmap, addr, len, prot, flags, fd, off);
  }
  // The file's bytes, read by the host.
  std::string file_at(uint64_t off, uint64_t n) {
    std::string s(n, '\0');
    std::ifstream f(path_, std::ios::binary);
    f.seekg(static_cast<std::streamoff>(off));
    f.read(s.data(), static_cast<std::streamsize>(n));
    s.resize(static_cast<size_t>(f.gcount()));
    return s;
  }
  void file_write(uint64_t off, const std::string& s) {
    std::fstream f(path_, std::ios::binary | std::ios::in | std::ios::out);
    f.seekp(static_cast<std::streamoff>(off));
    f.write(s.data(), static_cast<std::streamsize>(s.size()));
  }
  bool put_at(uint64_t addr, const std::string& s) { return mem_->write(addr, s.data(), s.size()); }

  std::string path_;
};

TEST_F(SharedMappings, WritesReachTheFileAndEveryMappingOfIt) {
  ASSERT_TRUE(mem_->can_share());
  const int64_t fd = open_file(kORdwr);
  ASSERT_GE(fd, 3);
  const int64_t a = map(2 * kPage, kProtRW, kShared, fd, kPage);
  ASSERT_GT(a, 0);
  const uint64_t addr = static_cast<uint64_t>(a);
  EXPECT_EQ(get(addr, 4), "ffff");
  EXPECT_EQ(mem_->perms_at(addr), kPermRead | kPermWrite);
  ASSERT_TRUE(put_at(addr + 10, "guest"));
  EXPECT_EQ(file_at(kPage + 10, 5), "guest");
  // The file's writes show in the mapping, and a second, read-only mapping sees both.
  file_write(2 * kPage, "host");
  EXPECT_EQ(get(addr + kPage, 4), "host");
  const int64_t b = map(kPage, kProtR, kShared, fd, kPage);
  ASSERT_GT(b, 0);
  EXPECT_EQ(get(static_cast<uint64_t>(b) + 10, 5), "guest");
  // Private mappings of the same file are copies taken at mmap time.
  const int64_t p = map(kPage, kProtRW, kPrivate, fd, kPage);
  ASSERT_GT(p, 0);
  ASSERT_TRUE(put_at(static_cast<uint64_t>(p) + 10, "priv!"));
  EXPECT_EQ(file_at(kPage + 10, 5), "guest");
  EXPECT_EQ(get(static_cast<uint64_t>(b) + 10, 5), "guest");
  // The mapping outlives the descriptor.
  EXPECT_EQ(call(kClose, fd), 0);
  ASSERT_TRUE(put_at(addr, "after close"));
  EXPECT_EQ(file_at(kPage, 11), "after close");
}

TEST_F(SharedMappings, MsyncWritesBackAndChecksItsArguments) {
  const int64_t fd = open_file(kORdwr);
  const uint64_t a = static_cast<uint64_t>(map(kPage, kProtRW, kShared, fd));
  ASSERT_TRUE(put_at(a, "synced"));
  EXPECT_EQ(call(kMsync, a, kPage, kMsSync), 0);
  EXPECT_EQ(call(kMsync, a, kPage, kMsAsync), 0);
  EXPECT_EQ(file_at(0, 6), "synced");
  EXPECT_EQ(call(kMsync, a + 1, kPage, kMsSync), -EINVAL);
  EXPECT_EQ(call(kMsync, a, kPage, kMsSync | kMsAsync), -EINVAL);
  EXPECT_EQ(call(kMsync, a, kPage, 64), -EINVAL);
  // Mappings go top-down: the page below is not mapped yet.
  EXPECT_EQ(call(kMsync, a - kPage, 2 * kPage, kMsSync), -ENOMEM);
  EXPECT_EQ(call(kMsync, unmapped() & ~(kPage - 1), kPage, kMsSync), -ENOMEM);
}

TEST_F(SharedMappings, ErrorsAreLinuxs) {
  const int64_t ro = open_file(kORdonly);
  ASSERT_GE(ro, 3);
  EXPECT_EQ(map(kPage, kProtRW, kShared, ro), -EACCES);
  const int64_t r = map(kPage, kProtR, kShared, ro);
  ASSERT_GT(r, 0);
  EXPECT_EQ(get(static_cast<uint64_t>(r), 2), "ff");
  // A read-only file's shared mapping can never become writable; read-only it stays usable.
  EXPECT_EQ(call(kMprotect, r, kPage, kProtRW), -EACCES);
  EXPECT_EQ(mem_->perms_at(static_cast<uint64_t>(r)), kPermRead);
  EXPECT_EQ(call(kMprotect, r, kPage, 0), 0);
  EXPECT_EQ(call(kMprotect, r, kPage, kProtR), 0);
  EXPECT_EQ(get(static_cast<uint64_t>(r), 2), "ff");
  // The kernel side (a debugger) may read it but not write it: refused, not a fault.
  {
    GuestMemory::KernelAccess kernel(*mem_);
    EXPECT_EQ(call(kMprotect, r, kPage, 0), 0);
    char c = 0;
    EXPECT_TRUE(std::as_const(*mem_).read(static_cast<uint64_t>(r), &c, 1));
    EXPECT_EQ(c, 'f');
    EXPECT_FALSE(mem_->write(static_cast<uint64_t>(r), "x", 1));
    EXPECT_EQ(mem_->host(static_cast<uint64_t>(r), 1), nullptr);
  }
  EXPECT_EQ(call(kMprotect, r, kPage, kProtR), 0);
  EXPECT_EQ(get(static_cast<uint64_t>(r), 2), "ff");
  // Private is fine: the copy is the process's own.
  EXPECT_GT(map(kPage, kProtRW, kPrivate, ro), 0);
  const int64_t wo = open_file(kOWronly);
  EXPECT_EQ(map(kPage, kProtR, kShared, wo), -EACCES);
  const int64_t rw = open_file(kORdwr);
  EXPECT_EQ(map(kPage, kProtRW, kShared, rw, 100), -EINVAL);
  EXPECT_EQ(map(kPage, kProtRW, kShared, 77), -EBADF);
  // A pipe cannot be mapped: refused before a MAP_FIXED replaces anything.
  const uint64_t fds = alloc(8);
  ASSERT_EQ(call(kPipe2, fds, 0), 0);
  const uint64_t fixed = static_cast<uint64_t>(map(kPage, kProtRW, kPrivate | kAnon, kNoFd));
  ASSERT_TRUE(put_at(fixed, "kept"));
  EXPECT_EQ(map(kPage, kProtR, kShared | kFixed, get_as<uint32_t>(fds), 0, fixed), -ENODEV);
  EXPECT_EQ(get(fixed, 4), "kept");
}

TEST_F(SharedMappings, MunmapAndMapFixedOverThemGivePrivateZeroPagesBack) {
  const int64_t fd = open_file(kORdwr);
  const uint64_t a = static_cast<uint64_t>(map(3 * kPage, kProtRW, kShared, fd));
  // MAP_FIXED private anonymous over the middle page: zeros, and the file keeps its bytes.
  ASSERT_EQ(
      static_cast<uint64_t>(map(kPage, kProtRW, kPrivate | kAnon | kFixed, kNoFd, 0, a + kPage)),
      a + kPage);
  EXPECT_EQ(get(a + kPage, kPage), std::string(kPage, '\0'));
  ASSERT_TRUE(put_at(a + kPage, "private"));
  EXPECT_EQ(file_at(kPage, 7), "fffffff");
  // The pages around it are still the file's.
  ASSERT_TRUE(put_at(a + 2 * kPage, "tail"));
  EXPECT_EQ(file_at(2 * kPage, 4), "tail");
  // munmap, then a new private mapping in the same place: zero, and not the file's.
  EXPECT_EQ(call(kMunmap, a, 3 * kPage), 0);
  EXPECT_EQ(mem_->perms_at(a), 0u);
  ASSERT_EQ(static_cast<uint64_t>(map(3 * kPage, kProtRW, kPrivate | kAnon | kFixed, kNoFd, 0, a)),
            a);
  EXPECT_EQ(get(a, 3 * kPage), std::string(3 * kPage, '\0'));
  ASSERT_TRUE(put_at(a + 2 * kPage, "gone"));
  EXPECT_EQ(file_at(2 * kPage, 4), "tail");
  // Shared over private works the same way round.
  ASSERT_EQ(static_cast<uint64_t>(map(kPage, kProtRW, kShared | kFixed, fd, 0, a)), a);
  EXPECT_EQ(get(a, 4), "ffff");
  EXPECT_EQ(get(a + 2 * kPage, 4), "gone");
}

TEST_F(SharedMappings, MremapShrinksGrowsAndMovesTheFilesPages) {
  const int64_t fd = open_file(kORdwr);
  // A hole of two pages after the mapping lets it grow in place.
  const uint64_t hole = static_cast<uint64_t>(map(4 * kPage, kProtRW, kPrivate | kAnon, kNoFd));
  ASSERT_EQ(call(kMunmap, hole, 4 * kPage), 0);
  ASSERT_EQ(static_cast<uint64_t>(map(kPage, kProtRW, kShared | kFixed, fd, 0, hole)), hole);
  ASSERT_EQ(static_cast<uint64_t>(call(kMremap, hole, kPage, 3 * kPage, 0)), hole);
  EXPECT_EQ(mem_->perms_at(hole + 2 * kPage), kPermRead | kPermWrite);
  ASSERT_TRUE(put_at(hole + 2 * kPage, "grown"));
  EXPECT_EQ(file_at(2 * kPage, 5), "grown");
  // Shrunk: the tail is unmapped, the head still the file's.
  ASSERT_EQ(static_cast<uint64_t>(call(kMremap, hole, 3 * kPage, kPage, 0)), hole);
  EXPECT_EQ(mem_->perms_at(hole + kPage), 0u);
  // Blocked, it moves with MREMAP_MAYMOVE only, and stays the file's.
  ASSERT_GT(map(kPage, kProtR, kPrivate | kAnon | kFixed, kNoFd, 0, hole + kPage), 0);
  EXPECT_EQ(call(kMremap, hole, kPage, 2 * kPage, 0), -ENOMEM);
  const int64_t moved = call(kMremap, hole, kPage, 3 * kPage, kMremapMaymove);
  ASSERT_GT(moved, 0);
  const uint64_t m = static_cast<uint64_t>(moved);
  EXPECT_NE(m, hole);
  EXPECT_EQ(mem_->perms_at(hole), 0u);
  EXPECT_EQ(get(m + 2 * kPage, 5), "grown");
  ASSERT_TRUE(put_at(m, "moved"));
  EXPECT_EQ(file_at(0, 5), "moved");
  // The old place is ordinary memory again.
  ASSERT_EQ(static_cast<uint64_t>(map(kPage, kProtRW, kPrivate | kAnon | kFixed, kNoFd, 0, hole)),
            hole);
  EXPECT_EQ(get(hole, kPage), std::string(kPage, '\0'));
  // Duplicating (old size 0) is for shared mappings only.
  const int64_t dup = call(kMremap, m, 0, kPage, kMremapMaymove);
  ASSERT_GT(dup, 0);
  EXPECT_EQ(get(static_cast<uint64_t>(dup), 5), "moved");
  EXPECT_EQ(call(kMremap, hole, 0, kPage, kMremapMaymove), -EINVAL);
}

TEST_F(SharedMappings, SharedAnonymousMemoryIsSharedAcrossViewsAndFork) {
  const int64_t a = map(2 * kPage, kProtRW, kShared | kAnon, kNoFd);
  ASSERT_GT(a, 0);
  const uint64_t addr = static_cast<uint64_t>(a);
  EXPECT_EQ(get(addr, 2 * kPage), std::string(2 * kPage, '\0'));
  const int64_t view = call(kMremap, addr, 0, 2 * kPage, kMremapMaymove);
  ASSERT_GT(view, 0);
  ASSERT_TRUE(put_at(addr + kPage, "both"));
  EXPECT_EQ(get(static_cast<uint64_t>(view) + kPage, 4), "both");
  // Dropping the pages keeps the contents (they are shmem's); MADV_REMOVE frees them.
  EXPECT_EQ(call(kMadvise, addr, 2 * kPage, kMadvDontneed), 0);
  EXPECT_EQ(get(addr + kPage, 4), "both");
  // A host fork (what fork in the guest is) keeps it shared; private memory is copied.
  const uint64_t priv = static_cast<uint64_t>(map(kPage, kProtRW, kPrivate | kAnon, kNoFd));
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    const bool ok = put_at(addr, "child") && put_at(priv, "child");
    ::_exit(ok ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_EQ(get(addr, 5), "child");
  EXPECT_EQ(get(static_cast<uint64_t>(view), 5), "child");
  EXPECT_EQ(get(priv, 5), std::string(5, '\0'));
  EXPECT_EQ(call(kMadvise, addr, kPage, kMadvRemove), 0);
  EXPECT_EQ(get(addr, 5), std::string(5, '\0'));
  // Unmapped and mapped again privately: fresh zeros, not the shared memory.
  EXPECT_EQ(call(kMunmap, addr, 2 * kPage), 0);
  ASSERT_EQ(
      static_cast<uint64_t>(map(2 * kPage, kProtRW, kPrivate | kAnon | kFixed, kNoFd, 0, addr)),
      addr);
  EXPECT_EQ(get(addr + kPage, 4), std::string(4, '\0'));
  ASSERT_TRUE(put_at(addr + kPage, "mine"));
  EXPECT_EQ(get(static_cast<uint64_t>(view) + kPage, 4), "both");
}

TEST_F(SharedMappings, DevZeroSharedIsZeroedWritableMemory) {
  const int64_t fd = call(kOpenat, kAtFdcwd, put_str("/dev/zero"), kORdwr);
  ASSERT_GE(fd, 3);
  const int64_t z = map(2 * kPage, kProtRW, kShared, fd);
  ASSERT_GT(z, 0);
  EXPECT_EQ(get(static_cast<uint64_t>(z), 2 * kPage), std::string(2 * kPage, '\0'));
  ASSERT_TRUE(put_at(static_cast<uint64_t>(z) + kPage, "zero"));
  EXPECT_EQ(get(static_cast<uint64_t>(z) + kPage, 4), "zero");
}

TEST_F(SharedMappings, CodeProtectionAndTheKernelSideWorkOnSharedPages) {
  const int64_t fd = open_file(kORdwr);
  const uint64_t a = static_cast<uint64_t>(map(kPage, kProtRWX, kShared, fd));
  mem_->protect_code(a, 4);
  // A read() into it (the kernel side) records the code page and reaches the file.
  const int64_t src = open_file(kORdonly);
  {
    GuestMemory::KernelAccess kernel(*mem_);
    EXPECT_EQ(call(kRead, src, a, 8), 8);
  }
  EXPECT_TRUE(mem_->has_written_code());
  EXPECT_EQ(mem_->code_write_stats().kernel_writes, 1u);
  ASSERT_TRUE(put_at(a, "kernel"));
  EXPECT_EQ(file_at(0, 6), "kernel");
  // mprotect changes the host protection of the file's pages.
  EXPECT_EQ(call(kMprotect, a, kPage, kProtR), 0);
  EXPECT_EQ(call(kRead, src, a, 8), -EFAULT);
  EXPECT_EQ(call(kMprotect, a, kPage, kProtRW), 0);
  EXPECT_EQ(call(kPread64, src, a, 4, 100), 4);
  EXPECT_EQ(file_at(0, 4), "ffff");
}

TEST_F(SharedMappings, KernelSidePastTheEndOfTheFileIsEfaultNotACrash) {
  const int64_t fd = open_file(kORdwr);
  ASSERT_EQ(::truncate(path_.c_str(), kPage), 0);
  const uint64_t a = static_cast<uint64_t>(map(2 * kPage, kProtRW, kShared, fd));
  // The second page has no file behind it: a guest access is SIGBUS, and a syscall's the
  // EFAULT Linux gives, not a SIGBUS in strata.
  EXPECT_EQ(call(kClockGettime, 0, a + kPage), -EFAULT);
  EXPECT_EQ(call(kClockGettime, 0, a + kPage - 8), -EFAULT);  // straddles the end
  EXPECT_EQ(call(kOpenat, kAtFdcwd, a + kPage, 0), -EFAULT);
  EXPECT_EQ(call(kWrite, fd, a + kPage - 4, 8), 4);  // as Linux: the part before the end
  EXPECT_EQ(call(kClockGettime, 0, a + 64), 0);
  // Once the file is long enough, the page works.
  ASSERT_EQ(::truncate(path_.c_str(), 2 * kPage), 0);
  EXPECT_EQ(call(kClockGettime, 0, a + kPage), 0);
}

// Without a mapped memory, shared mappings are copies: writable shared file mappings are
// refused (and say so), read-only ones and shared anonymous memory work as copies.
class SharedMappingsUnmapped : public SharedMappings {
 protected:
  bool host_protection() override { return false; }
};

TEST_F(SharedMappingsUnmapped, WritableFileMappingsAreRefusedOthersCopied) {
  ASSERT_FALSE(mem_->can_share());
  const int64_t fd = open_file(kORdwr);
  EXPECT_EQ(map(kPage, kProtRW, kShared, fd), -ENODEV);
  EXPECT_NE(diag().find("writable MAP_SHARED file mappings need a mapped guest memory"),
            std::string::npos);
  const int64_t r = map(kPage, kProtR, kShared, fd);
  ASSERT_GT(r, 0);
  EXPECT_EQ(get(static_cast<uint64_t>(r), 4), "ffff");
  const int64_t a = map(kPage, kProtRW, kShared | kAnon, kNoFd);
  ASSERT_GT(a, 0);
  EXPECT_EQ(get(static_cast<uint64_t>(a), kPage), std::string(kPage, '\0'));
}

}  // namespace
}  // namespace strata::vm::rv64::test
