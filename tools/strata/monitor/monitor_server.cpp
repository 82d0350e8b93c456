#include "tools/strata/monitor/monitor_server.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fmt/format.h>

#include "tools/strata/monitor/attach_protocol.hpp"
#include "tools/strata/monitor/unix_socket.hpp"

namespace strata::monitor {

namespace {

bool is_stop(std::string_view line) {
  const size_t b = line.find_first_not_of(" \t");
  if (b == std::string_view::npos) return false;
  return line.substr(b, line.find_last_not_of(" \t") + 1 - b) == "stop";
}

}  // namespace

Result<std::unique_ptr<MonitorServer>> MonitorServer::start(const std::string& path,
                                                            vm::Vcpu& cpu) {
  const int fd = STRATA_TRY(listen_unix(path));
  std::unique_ptr<MonitorServer> s(new MonitorServer(path, fd, cpu));
  if (s->out_ == nullptr || s->err_ == nullptr)
    return fail("monitor: fopencookie: {}", std::strerror(errno));
  if (::pipe2(s->wake_, O_CLOEXEC) != 0) return fail("monitor: pipe: {}", std::strerror(errno));
  s->thread_ = std::thread([p = s.get()] { p->serve(); });
  return s;
}

MonitorServer::MonitorServer(std::string path, int listen_fd, vm::Vcpu& cpu)
    : path_(std::move(path)), listen_fd_(listen_fd), cpu_(cpu) {
  out_ = fopencookie(this, "w", cookie_io_functions_t{nullptr, write_out, nullptr, nullptr});
  err_ = fopencookie(this, "w", cookie_io_functions_t{nullptr, write_err, nullptr, nullptr});
}

MonitorServer::~MonitorServer() {
  if (thread_.joinable()) {
    {
      std::lock_guard lock(mu_);
      quit_ = true;
    }
    const char c = 'q';
    (void)!::write(wake_[1], &c, 1);
    thread_.join();
  }
  if (out_ != nullptr) std::fclose(out_);
  if (err_ != nullptr) std::fclose(err_);
  if (client_fd_ >= 0) ::close(client_fd_);
  for (int fd : wake_)
    if (fd >= 0) ::close(fd);
  ::close(listen_fd_);
  ::unlink(path_.c_str());
}

void MonitorServer::serve() {
  for (;;) {
    pollfd fds[3] = {{wake_[0], POLLIN, 0}, {listen_fd_, POLLIN, 0}, {-1, POLLIN, 0}};
    {
      std::lock_guard lock(mu_);
      if (client_fd_ >= 0 && !client_gone_) fds[2].fd = client_fd_;
    }
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (fds[0].revents != 0) {
      char buf[16];
      (void)!::read(wake_[0], buf, sizeof buf);
      std::lock_guard lock(mu_);
      if (quit_) return;
      if (session_over_ && client_fd_ >= 0) {
        ::close(client_fd_);
        client_fd_ = -1;
      }
      continue;  // the set of fds to poll may have changed
    }
    if (fds[2].revents != 0 && !read_client()) {
      std::lock_guard lock(mu_);
      client_gone_ = true;
      // A client that leaves during a run ends it, so the session ends and its breakpoints go.
      if (running_) cpu_.request_stop();
      cv_.notify_all();
    }
    if (fds[1].revents != 0) accept_client();
  }
}

void MonitorServer::accept_client() {
  const int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
  if (fd < 0) return;
  std::lock_guard lock(mu_);
  if (client_fd_ >= 0) {
    const std::string busy = fmt::format("{}\n", attach::kBusy);
    (void)!::send(fd, busy.data(), busy.size(), MSG_NOSIGNAL);
    ::close(fd);
    return;
  }
  client_fd_ = fd;
  client_gone_ = session_over_ = running_ = stop_sent_ = false;
  lines_.clear();
  partial_.clear();
  stop_requested_ = true;
  cpu_.request_stop();
}

bool MonitorServer::read_client() {
  char buf[4096];
  const ssize_t n = ::recv(client_fd_, buf, sizeof buf, 0);
  if (n < 0 && (errno == EINTR || errno == EAGAIN)) return true;
  if (n <= 0) return false;
  partial_.append(buf, static_cast<size_t>(n));
  std::lock_guard lock(mu_);
  for (size_t nl; (nl = partial_.find('\n')) != std::string::npos;) {
    std::string line = partial_.substr(0, nl);
    partial_.erase(0, nl + 1);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (running_ && !stop_sent_ && is_stop(line)) {
      stop_sent_ = true;
      cpu_.request_stop();
      continue;
    }
    lines_.push_back(std::move(line));
  }
  cv_.notify_all();
  return true;
}

bool MonitorServer::take_stop_request() {
  std::lock_guard lock(mu_);
  return std::exchange(stop_requested_, false);
}

bool MonitorServer::has_client() {
  std::lock_guard lock(mu_);
  return client_fd_ >= 0 && !session_over_;
}

std::optional<std::string> MonitorServer::next_line() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [&] { return !lines_.empty() || client_gone_ || quit_; });
  if (lines_.empty()) return std::nullopt;
  std::string line = std::move(lines_.front());
  lines_.pop_front();
  return line;
}

void MonitorServer::ready() {
  std::fflush(out_);
  std::fflush(err_);
  send_raw("P\n");
}

void MonitorServer::run_started() {
  std::fflush(out_);
  std::fflush(err_);
  {
    std::lock_guard lock(mu_);
    running_ = true;
    stop_sent_ = false;
  }
  send_raw("R\n");
}

bool MonitorServer::run_ended() {
  std::lock_guard lock(mu_);
  running_ = false;
  return std::exchange(stop_sent_, false);
}

void MonitorServer::end_session() {
  std::fflush(out_);
  std::fflush(err_);
  {
    std::lock_guard lock(mu_);
    session_over_ = true;
  }
  const char c = 'e';
  (void)!::write(wake_[1], &c, 1);
}

void MonitorServer::send_raw(std::string_view bytes) {
  std::lock_guard lock(write_mu_);
  // The fd stays open until the socket thread closes it after end_session(): the run thread is
  // the only writer, and it writes only during a session.
  int fd = -1;
  {
    std::lock_guard state(mu_);
    fd = client_fd_;
  }
  while (fd >= 0 && !bytes.empty()) {
    const ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // the client has gone: what it would have read is lost
    bytes.remove_prefix(static_cast<size_t>(n));
  }
}

void MonitorServer::send_frame(char tag, std::string_view bytes) {
  send_raw(fmt::format("{} {}\n", tag, bytes.size()) + std::string(bytes));
}

ssize_t MonitorServer::write_out(void* self, const char* buf, size_t n) {
  static_cast<MonitorServer*>(self)->send_frame('O', {buf, n});
  return static_cast<ssize_t>(n);
}

ssize_t MonitorServer::write_err(void* self, const char* buf, size_t n) {
  static_cast<MonitorServer*>(self)->send_frame('E', {buf, n});
  return static_cast<ssize_t>(n);
}

}  // namespace strata::monitor
