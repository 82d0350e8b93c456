// The host side of the guest console.
#include "hwvm/monitor/console.hpp"

#include <fcntl.h>
#include <poll.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::hwvm {

namespace {

constexpr std::uint8_t kCtrlA = 0x01;
constexpr std::size_t kFlushAt = 4096;

}  // namespace

Console::Console(int in_fd, int out_fd, bool owns_out)
    : in_fd_(in_fd), out_fd_(out_fd), owns_out_(owns_out) {}

Console::~Console() {
  flush();
  restore();
  if (owns_out_) ::close(out_fd_);
}

Result<std::unique_ptr<Console>> Console::open(std::string_view spec) {
  if (spec == "stdio") return std::make_unique<Console>(0, 1, false);
  if (spec.starts_with("file:") && spec.size() > 5) {
    std::string path(spec.substr(5));
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return fail("cannot open console file {}: {}", path, std::strerror(errno));
    return std::make_unique<Console>(-1, fd, true);
  }
  return fail("bad console '{}' (expected stdio or file:PATH)", spec);
}

Result<void> Console::enter_raw_mode() {
  if (in_fd_ < 0 || !::isatty(in_fd_)) return {};
  if (::tcgetattr(in_fd_, &saved_) != 0)
    return fail("cannot read the terminal settings: {}", std::strerror(errno));
  termios raw = saved_;
  ::cfmakeraw(&raw);
  // Keep output post-processing so the guest's "\n" still starts a new line on the terminal.
  raw.c_oflag |= OPOST;
  if (::tcsetattr(in_fd_, TCSANOW, &raw) != 0)
    return fail("cannot put the terminal in raw mode: {}", std::strerror(errno));
  raw_ = true;
  tty_fd_ = in_fd_;
  return {};
}

void Console::restore() {
  if (!raw_) return;
  flush();
  ::tcsetattr(tty_fd_, TCSANOW, &saved_);
  raw_ = false;
}

void Console::write(std::uint8_t byte) {
  out_buf_.push_back(static_cast<char>(byte));
  if (raw_ || byte == '\n' || out_buf_.size() >= kFlushAt) flush();
}

void Console::flush() {
  std::size_t done = 0;
  while (done < out_buf_.size()) {
    ssize_t n = ::write(out_fd_, out_buf_.data() + done, out_buf_.size() - done);
    if (n < 0 && errno == EINTR) continue;  // the monitor's timer signal
    if (n <= 0) break;                      // a closed pipe: the output is lost, the guest runs
    done += static_cast<std::size_t>(n);
  }
  out_buf_.clear();
}

void Console::take(std::uint8_t byte) {
  if (!raw_) {
    in_buf_.push_back(static_cast<char>(byte));
    return;
  }
  if (escape_) {
    escape_ = false;
    if (byte == 'x' || byte == 'X') {
      quit_ = true;
      return;
    }
    if (byte != kCtrlA) return;  // Ctrl-A then anything else: both swallowed
  } else if (byte == kCtrlA) {
    escape_ = true;
    return;
  }
  in_buf_.push_back(static_cast<char>(byte));
}

void Console::pump() {
  if (in_fd_ < 0) return;
  pollfd p{in_fd_, POLLIN, 0};
  if (::poll(&p, 1, 0) <= 0 || (p.revents & (POLLIN | POLLHUP)) == 0) return;
  char buf[4096];
  ssize_t n = ::read(in_fd_, buf, sizeof buf);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return;
  if (n <= 0) {
    in_fd_ = -1;  // end of input: the guest sees no more bytes, ever
    return;
  }
  if (in_pos_ == in_buf_.size()) {
    in_buf_.clear();
    in_pos_ = 0;
  }
  for (ssize_t i = 0; i < n; ++i) take(static_cast<std::uint8_t>(buf[i]));
}

int Console::read() {
  if (in_pos_ == in_buf_.size()) {
    flush();  // a prompt without a newline must be visible before the guest waits for input
    pump();
  }
  if (in_pos_ == in_buf_.size()) return -1;
  return static_cast<std::uint8_t>(in_buf_[in_pos_++]);
}

}  // namespace strata::hwvm
