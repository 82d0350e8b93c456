// Sockets and epoll at the syscall level: the checks of guest pointers and lengths that the
// corpus program (examples/rv64/sockets.c) cannot reach without dying, the 16-byte guest
// epoll_event, and SCM_RIGHTS between guest and host fd numbers.
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "tests/vm/rv64/process_test_util.hpp"
#include "vm/rv64/syscall_fds.hpp"

namespace strata::vm::rv64::test {
namespace {

enum : uint64_t {
  kEpollCreate1 = 20,
  kEpollCtl = 21,
  kEpollPwait = 22,
  kSocket = 198,
  kSocketpair = 199,
  kBind = 200,
  kListen = 201,
  kAccept = 202,
  kConnect = 203,
  kGetsockname = 204,
  kSendto = 206,
  kRecvfrom = 207,
  kSetsockopt = 208,
  kGetsockopt = 209,
  kSendmsg = 211,
  kRecvmsg = 212,
  kAccept4 = 242,
  kEpollPwait2 = 441,
};

class SocketSyscalls : public ProcessTest {
 protected:
  std::pair<int32_t, int32_t> socketpair(uint64_t type = SOCK_STREAM) {
    const uint64_t sv = alloc(8);
    EXPECT_EQ(call(kSocketpair, AF_UNIX, type, 0, sv), 0);
    return {get_as<int32_t>(sv), get_as<int32_t>(sv + 4)};
  }
  // A guest TCP listener on 127.0.0.1 and the guest address it is bound to.
  std::pair<int64_t, uint64_t> listener() {
    const int64_t fd = call(kSocket, AF_INET, SOCK_STREAM, 0);
    EXPECT_GE(fd, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    const uint64_t addr = put(&a, sizeof a);
    EXPECT_EQ(call(kBind, fd, addr, sizeof a), 0);
    EXPECT_EQ(call(kListen, fd, 4), 0);
    const uint64_t len = put(std::array<int32_t, 1>{sizeof a}.data(), 4);
    EXPECT_EQ(call(kGetsockname, fd, addr, len), 0);
    return {fd, addr};
  }
};

// accept with every guest fd taken says EMFILE and leaves the connection queued, as Linux does.
TEST_F(SocketSyscalls, AcceptWithAFullFdTableLeavesTheConnectionQueued) {
  const auto [server, addr] = listener();
  // Non-blocking: an accept that finds the queue empty says EAGAIN instead of hanging the test.
  ASSERT_EQ(call(kFcntl, server, F_SETFL, O_NONBLOCK), 0);
  const int64_t client = call(kSocket, AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(client, 0);
  ASSERT_EQ(call(kConnect, client, addr, sizeof(sockaddr_in)), 0);
  int64_t last = -1;
  for (int64_t fd; (fd = call(kDup, client)) >= 0;) last = fd;
  ASSERT_EQ(last, FdTable::kMaxFds - 1);
  EXPECT_EQ(call(kAccept, server, 0, 0), -EMFILE);
  ASSERT_EQ(call(kClose, last), 0);
  const int64_t accepted = call(kAccept, server, 0, 0);
  EXPECT_EQ(accepted, last);
  EXPECT_EQ(call(kSendto, client, put("x", 1), 1, 0, 0, 0), 1);
  const uint64_t buf = alloc(4);
  EXPECT_EQ(call(kRecvfrom, accepted, buf, 4, 0, 0, 0), 1);
  EXPECT_EQ(get(buf, 1), "x");
}

TEST_F(SocketSyscalls, SockaddrLengthsAndPointers) {
  const int64_t fd = call(kSocket, AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  const uint64_t addr = put(&a, sizeof a);
  EXPECT_EQ(call(kBind, fd, addr, static_cast<uint64_t>(-1)), -EINVAL);
  EXPECT_EQ(call(kBind, fd, addr, 129), -EINVAL);  // past sockaddr_storage
  EXPECT_EQ(call(kBind, fd, unmapped(), sizeof a), -EFAULT);
  EXPECT_EQ(call(kConnect, fd, unmapped(), sizeof a), -EFAULT);
  EXPECT_EQ(call(kBind, 77, addr, sizeof a), -EBADF);
  // The length the guest gives is a 32-bit int: high bits are ignored, as the kernel's.
  EXPECT_EQ(call(kBind, fd, addr, (uint64_t{1} << 32) | sizeof a), 0);
  // getsockname: the length pointer is read and written; a short buffer gets a truncated address
  // and the full length.
  const uint64_t len = put(std::array<int32_t, 1>{4}.data(), 4);
  const uint64_t out = alloc(16);
  EXPECT_EQ(call(kGetsockname, fd, out, len), 0);
  EXPECT_EQ(get_as<int32_t>(len), static_cast<int32_t>(sizeof(sockaddr_in)));
  EXPECT_EQ(get_as<uint16_t>(out), AF_INET);
  EXPECT_EQ(get_as<uint64_t>(out + 8), 0u);  // past the 4 bytes of room: untouched
  EXPECT_EQ(call(kGetsockname, fd, out, unmapped()), -EFAULT);
  const uint64_t neg = put(std::array<int32_t, 1>{-1}.data(), 4);
  EXPECT_EQ(call(kGetsockname, fd, out, neg), -EINVAL);
  const uint64_t room = put(std::array<int32_t, 1>{16}.data(), 4);
  EXPECT_EQ(call(kGetsockname, fd, unmapped(), room), -EFAULT);
  EXPECT_EQ(call(kClose, fd), 0);
}

TEST_F(SocketSyscalls, AcceptChecksPointersBeforeTakingTheConnection) {
  const auto [server, addr] = listener();
  const int64_t client = call(kSocket, AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(call(kConnect, client, addr, sizeof(sockaddr_in)), 0);
  const uint64_t peer = alloc(16);
  EXPECT_EQ(call(kAccept, server, peer, unmapped()), -EFAULT);
  EXPECT_EQ(call(kAccept4, server, 0, 0, 0x1), -EINVAL);  // not SOCK_CLOEXEC/NONBLOCK
  // The connection is still there.
  const uint64_t len = put(std::array<int32_t, 1>{16}.data(), 4);
  const int64_t conn = call(kAccept4, server, peer, len, SOCK_CLOEXEC);
  ASSERT_GE(conn, 0);
  EXPECT_EQ(get_as<int32_t>(len), 16);
  EXPECT_EQ(get_as<uint16_t>(peer), AF_INET);
  EXPECT_EQ(call(kFcntl, conn, 1), 1);  // F_GETFD: FD_CLOEXEC in the guest table
}

TEST_F(SocketSyscalls, SendAndReceiveBuffersAreChecked) {
  const auto [a, b] = socketpair();
  EXPECT_EQ(call(kSendto, a, unmapped(), 4, 0, 0, 0), -EFAULT);
  ASSERT_EQ(call(kSendto, a, put_str("data"), 4, 0, 0, 0), 4);
  EXPECT_EQ(call(kRecvfrom, b, unmapped(), 4, 0, 0, 0), -EFAULT);
  const uint64_t buf = alloc(8);
  EXPECT_EQ(call(kRecvfrom, b, buf, 8, 0, 0, 0), 4);
  EXPECT_EQ(get(buf, 4), "data");
  // Nothing left: MSG_DONTWAIT does not block.
  EXPECT_EQ(call(kRecvfrom, b, buf, 8, MSG_DONTWAIT, 0, 0), -EAGAIN);
}

TEST_F(SocketSyscalls, MsghdrAndControlChecks) {
  const auto [a, b] = socketpair();
  EXPECT_EQ(call(kSendmsg, a, unmapped(), 0), -EFAULT);
  EXPECT_EQ(call(kRecvmsg, b, unmapped(), 0), -EFAULT);
  msghdr m{};
  m.msg_iov = reinterpret_cast<iovec*>(unmapped());
  m.msg_iovlen = 1;
  EXPECT_EQ(call(kSendmsg, a, put(&m, sizeof m), 0), -EFAULT);
  m.msg_iovlen = 1025;  // past UIO_MAXIOV
  EXPECT_EQ(call(kSendmsg, a, put(&m, sizeof m), 0), -EINVAL);
  const uint64_t byte = put_str("x");
  const uint64_t iov[2] = {byte, 1};
  m.msg_iov = reinterpret_cast<iovec*>(put(iov, sizeof iov));
  m.msg_iovlen = 1;
  m.msg_controllen = 1 << 20;
  m.msg_control = reinterpret_cast<void*>(alloc(16));
  EXPECT_EQ(call(kSendmsg, a, put(&m, sizeof m), 0), -ENOBUFS);
  // A control message longer than the buffer it is in.
  cmsghdr h{};
  h.cmsg_len = 64;
  h.cmsg_level = SOL_SOCKET;
  h.cmsg_type = SCM_RIGHTS;
  uint8_t control[24] = {};
  std::memcpy(control, &h, sizeof h);
  m.msg_control = reinterpret_cast<void*>(put(control, sizeof control));
  m.msg_controllen = sizeof control;
  EXPECT_EQ(call(kSendmsg, a, put(&m, sizeof m), 0), -EINVAL);
}

TEST_F(SocketSyscalls, ScmRightsTranslatesBothWays) {
  const auto [a, b] = socketpair();
  const uint64_t fds = alloc(8);
  ASSERT_EQ(call(kPipe2, fds, 0), 0);
  const int32_t r = get_as<int32_t>(fds), w = get_as<int32_t>(fds + 4);
  // The guest fd number w is sent; the host must send the host fd behind it.
  uint8_t control[CMSG_SPACE(sizeof(int))] = {};
  cmsghdr h{};
  h.cmsg_len = CMSG_LEN(sizeof(int));
  h.cmsg_level = SOL_SOCKET;
  h.cmsg_type = SCM_RIGHTS;
  std::memcpy(control, &h, sizeof h);
  std::memcpy(control + sizeof h, &w, 4);
  const uint64_t iov[2] = {put_str("x"), 1};
  msghdr m{};
  m.msg_iov = reinterpret_cast<iovec*>(put(iov, sizeof iov));
  m.msg_iovlen = 1;
  m.msg_control = reinterpret_cast<void*>(put(control, sizeof control));
  m.msg_controllen = sizeof control;
  ASSERT_EQ(call(kSendmsg, a, put(&m, sizeof m), 0), 1);
  ASSERT_EQ(call(kClose, w), 0);
  const uint64_t in_iov[2] = {alloc(1), 1};
  const uint64_t in_control = alloc(sizeof control);
  m.msg_iov = reinterpret_cast<iovec*>(put(in_iov, sizeof in_iov));
  m.msg_control = reinterpret_cast<void*>(in_control);
  m.msg_controllen = sizeof control;
  const uint64_t hdr = put(&m, sizeof m);
  ASSERT_EQ(call(kRecvmsg, b, hdr, 0), 1);
  // The received fd is a guest fd: the lowest free number (w's), and it reaches the pipe.
  const int32_t got = get_as<int32_t>(in_control + sizeof h);
  EXPECT_EQ(got, w);
  EXPECT_EQ(get_as<uint64_t>(hdr + offsetof(msghdr, msg_controllen)), sizeof control);
  EXPECT_EQ(get_as<int32_t>(hdr + offsetof(msghdr, msg_flags)), 0);
  ASSERT_EQ(call(kWrite, got, put_str("ok"), 2), 2);
  const uint64_t buf = alloc(2);
  ASSERT_EQ(call(kRead, r, buf, 2), 2);
  EXPECT_EQ(get(buf, 2), "ok");
  EXPECT_EQ(call(kFcntl, got, 1), 0);  // no MSG_CMSG_CLOEXEC: not close-on-exec
}

TEST_F(SocketSyscalls, OptionValuesAreCopiedByLength) {
  const int64_t fd = call(kSocket, AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  const uint64_t val = alloc(8);
  const uint64_t len = put(std::array<int32_t, 1>{8}.data(), 4);
  ASSERT_EQ(call(kGetsockopt, fd, SOL_SOCKET, SO_TYPE, val, len), 0);
  EXPECT_EQ(get_as<int32_t>(val), SOCK_DGRAM);
  EXPECT_EQ(get_as<int32_t>(len), 4);
  EXPECT_EQ(call(kGetsockopt, fd, SOL_SOCKET, SO_TYPE, val, unmapped()), -EFAULT);
  EXPECT_EQ(call(kGetsockopt, fd, SOL_SOCKET, SO_TYPE, unmapped(), len), -EFAULT);
  const uint64_t neg = put(std::array<int32_t, 1>{-1}.data(), 4);
  EXPECT_EQ(call(kGetsockopt, fd, SOL_SOCKET, SO_TYPE, val, neg), -EINVAL);
  const uint64_t one = put(std::array<int32_t, 1>{1}.data(), 4);
  EXPECT_EQ(call(kSetsockopt, fd, SOL_SOCKET, SO_REUSEADDR, one, 4), 0);
  EXPECT_EQ(call(kSetsockopt, fd, SOL_SOCKET, SO_REUSEADDR, unmapped(), 4), -EFAULT);
  EXPECT_EQ(call(kSetsockopt, fd, SOL_SOCKET, SO_REUSEADDR, one, static_cast<uint64_t>(-1)),
            -EINVAL);
  // A BPF program holds a pointer the host would follow in its own memory: refused, with a note.
  EXPECT_EQ(call(kSetsockopt, fd, SOL_SOCKET, SO_ATTACH_FILTER, alloc(16), 16), -EINVAL);
  EXPECT_NE(diag().find("BPF filter"), std::string::npos);
}

TEST_F(SocketSyscalls, EpollEventsAreSixteenBytesInTheGuest) {
  const int64_t ep = call(kEpollCreate1, EPOLL_CLOEXEC);
  ASSERT_GE(ep, 0);
  EXPECT_EQ(call(kFcntl, ep, 1), 1);
  EXPECT_EQ(call(kEpollCreate1, 1), -EINVAL);
  const auto [a, b] = socketpair();
  // riscv64: {u32 events, u32 pad, u64 data}.
  struct {
    uint32_t events, pad;
    uint64_t data;
  } ev{EPOLLIN, 0xdeadbeef, 0x0123456789abcdefull};
  const uint64_t evp = put(&ev, sizeof ev);
  ASSERT_EQ(call(kEpollCtl, ep, EPOLL_CTL_ADD, b, evp), 0);
  EXPECT_EQ(call(kEpollCtl, ep, EPOLL_CTL_ADD, 99, evp), -EBADF);
  EXPECT_EQ(call(kEpollCtl, ep, EPOLL_CTL_MOD, b, unmapped()), -EFAULT);
  const uint64_t out = alloc(64);
  std::memset(mem_->host(out, 64), 0xff, 64);
  EXPECT_EQ(call(kEpollPwait, ep, out, 4, 0, 0, 8), 0);
  ASSERT_EQ(call(kWrite, a, put_str("x"), 1), 1);
  ASSERT_EQ(call(kEpollPwait, ep, out, 4, 0, 0, 8), 1);
  EXPECT_EQ(get_as<uint32_t>(out), static_cast<uint32_t>(EPOLLIN));
  EXPECT_EQ(get_as<uint32_t>(out + 4), 0u);
  EXPECT_EQ(get_as<uint64_t>(out + 8), 0x0123456789abcdefull);
  EXPECT_EQ(get_as<uint32_t>(out + 16), 0xffffffffu);  // one event: the next slot untouched
  EXPECT_EQ(call(kEpollPwait, ep, out, 0, 0, 0, 8), -EINVAL);
  EXPECT_EQ(call(kEpollPwait, ep, unmapped(), 4, 0, 0, 8), -EFAULT);
  EXPECT_EQ(call(kEpollPwait, ep, out, 4, 0, alloc(8), 4), -EINVAL);  // sigsetsize
  EXPECT_EQ(call(kEpollPwait, 99, out, 4, 0, 0, 8), -EBADF);
  // epoll_pwait2: a timespec timeout (zero: no wait), checked.
  const int64_t zero[2] = {0, 0}, bad[2] = {0, 1'000'000'000};
  EXPECT_EQ(call(kEpollPwait2, ep, out, 4, put(zero, 16), 0, 8), 1);
  EXPECT_EQ(call(kEpollPwait2, ep, out, 4, put(bad, 16), 0, 8), -EINVAL);
  EXPECT_EQ(call(kEpollPwait2, ep, out, 4, unmapped(), 0, 8), -EFAULT);
  const int64_t ms[2] = {0, 2'000'000};
  ASSERT_EQ(call(kRead, b, alloc(1), 1), 1);
  EXPECT_EQ(call(kEpollPwait2, ep, out, 4, put(ms, 16), 0, 8), 0);  // runs out
}

}  // namespace
}  // namespace strata::vm::rv64::test
