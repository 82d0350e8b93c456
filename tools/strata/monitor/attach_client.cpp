#include "tools/strata/monitor/attach_client.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <optional>
#include <string_view>
#include <utility>

#include <fmt/format.h>

#include "tools/strata/monitor/attach_protocol.hpp"
#include "tools/strata/monitor/line_reader.hpp"
#include "tools/strata/monitor/unix_socket.hpp"

namespace strata::monitor {

namespace {

int g_interrupt_pipe[2] = {-1, -1};

extern "C" void on_attach_sigint(int) {
  const char c = 'i';
  (void)!::write(g_interrupt_pipe[1], &c, 1);
}

// Bytes read from an fd as they come; lines and byte counts taken off the front. Unlike stdio,
// what is buffered is visible, so poll() on the fd never misses a line already read.
class Buffered {
 public:
  explicit Buffered(int fd) : fd_(fd) {}
  int fd() const { return fd_; }
  bool eof() const { return eof_; }
  // One read(); false at end of input (or an error).
  bool fill() {
    char buf[4096];
    ssize_t n;
    do n = ::read(fd_, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    data_.append(buf, static_cast<size_t>(n));
    return true;
  }
  // The first line, if it is complete (or the rest of the input at its end).
  std::optional<std::string> line() {
    const size_t nl = data_.find('\n');
    if (nl == std::string::npos) {
      if (!eof_ || data_.empty()) return std::nullopt;
      return std::exchange(data_, {});
    }
    std::string l = data_.substr(0, nl);
    data_.erase(0, nl + 1);
    if (!l.empty() && l.back() == '\r') l.pop_back();
    return l;
  }
  // Blocking: the next line, or nullopt at the end of input.
  std::optional<std::string> next_line() {
    for (;;) {
      if (auto l = line()) return l;
      if (eof_ || !fill()) return line();
    }
  }
  std::string_view data() const { return data_; }
  void drop(size_t n) { data_.erase(0, n); }

 private:
  int fd_;
  bool eof_ = false;
  std::string data_;
};

struct Frame {
  enum class Kind { Out, Err, Running, Prompt, Busy, Garbage } kind;
  std::string bytes;
};

// A whole frame off the front of `in`, or nullopt when more bytes are needed.
std::optional<Frame> take_frame(Buffered& in) {
  const std::string_view d = in.data();
  const size_t nl = d.find('\n');
  if (nl == std::string_view::npos) return std::nullopt;
  const std::string_view head = d.substr(0, nl);
  auto simple = [&](Frame::Kind k) {
    in.drop(nl + 1);
    return Frame{k, {}};
  };
  if (head == "R") return simple(Frame::Kind::Running);
  if (head == "P") return simple(Frame::Kind::Prompt);
  if (head == attach::kBusy) return simple(Frame::Kind::Busy);
  if (head.size() < 3 || (head[0] != 'O' && head[0] != 'E') || head[1] != ' ')
    return Frame{Frame::Kind::Garbage, std::string(head)};
  size_t n = 0;
  auto [p, ec] = std::from_chars(head.data() + 2, head.data() + head.size(), n);
  if (ec != std::errc() || p != head.data() + head.size())
    return Frame{Frame::Kind::Garbage, std::string(head)};
  if (d.size() < nl + 1 + n) return std::nullopt;
  Frame f{head[0] == 'O' ? Frame::Kind::Out : Frame::Kind::Err, std::string(d.substr(nl + 1, n))};
  in.drop(nl + 1 + n);
  return f;
}

bool is_word(std::string_view line, std::string_view word) {
  const size_t b = line.find_first_not_of(" \t");
  if (b == std::string_view::npos) return false;
  return line.substr(b, line.find_last_not_of(" \t") + 1 - b) == word;
}

bool send_line(int fd, const std::string& line) {
  std::string_view rest = line;
  while (!rest.empty()) {
    const ssize_t n = ::send(fd, rest.data(), rest.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    rest.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

class Session {
 public:
  Session(int sock, std::string path) : sock_(sock), path_(std::move(path)) {}
  int run();

 private:
  // The next command: typed ahead during a run, or read now; "detach" at the end of input.
  std::string next_command();
  // Waits for more from the monitor, watching stdin and Ctrl-C meanwhile.
  void wait_input();
  // During a run, the next input line: `stop` goes out at once; anything else waits for the
  // prompt, and so does every line after it (a script runs in order).
  void take_typed_line();

  Buffered sock_;
  Buffered in_{STDIN_FILENO};
  LineReader tty_{STDIN_FILENO};
  std::string path_;
  std::deque<std::string> typed_ahead_;
  bool running_ = false;
  bool stop_sent_ = false;  // one `stop` per run: the lines after it wait for the prompt
};

void Session::take_typed_line() {
  if (!running_ || stop_sent_ || !typed_ahead_.empty()) return;
  if (auto l = in_.line()) {
    if (is_word(*l, "stop"))
      stop_sent_ = send_line(sock_.fd(), "stop\n");
    else
      typed_ahead_.push_back(std::move(*l));
  }
}

void Session::wait_input() {
  for (;;) {
    take_typed_line();
    const bool want_stdin = running_ && !stop_sent_ && typed_ahead_.empty() && !in_.eof();
    pollfd fds[3] = {{sock_.fd(), POLLIN, 0},
                     {want_stdin ? STDIN_FILENO : -1, POLLIN, 0},
                     {g_interrupt_pipe[0], POLLIN, 0}};
    if (::poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      sock_.fill();  // cannot wait: read (at worst, the error ends the session)
      return;
    }
    if (fds[2].revents != 0) {
      char buf[16];
      (void)!::read(g_interrupt_pipe[0], buf, sizeof buf);
      if (running_ && !stop_sent_) stop_sent_ = send_line(sock_.fd(), "stop\n");
    }
    if (fds[1].revents != 0) in_.fill();
    if (fds[0].revents != 0) {
      sock_.fill();
      return;
    }
  }
}

std::string Session::next_command() {
  if (!typed_ahead_.empty()) {
    std::string l = std::move(typed_ahead_.front());
    typed_ahead_.pop_front();
    return l;
  }
  // A Ctrl-C at the prompt has nothing to stop.
  char buf[16];
  while (::read(g_interrupt_pipe[0], buf, sizeof buf) > 0) {
  }
  auto l = tty_.interactive() ? tty_.read("(strata) ") : in_.next_line();
  return l ? *l : "detach";
}

int Session::run() {
  bool detaching = false;
  for (;;) {
    // Peek first: a frame may be buffered already.
    std::optional<Frame> f = take_frame(sock_);
    while (!f && !sock_.eof()) {
      wait_input();
      f = take_frame(sock_);
    }
    if (!f) {
      if (detaching) return 0;
      fmt::print(stderr, "strata: repl attach: unix:{}: the monitor closed the connection\n",
                 path_);
      return 1;
    }
    switch (f->kind) {
      case Frame::Kind::Out:
        std::fwrite(f->bytes.data(), 1, f->bytes.size(), stdout);
        std::fflush(stdout);
        break;
      case Frame::Kind::Err:
        std::fflush(stdout);
        std::fwrite(f->bytes.data(), 1, f->bytes.size(), stderr);
        std::fflush(stderr);
        break;
      case Frame::Kind::Running:
        running_ = true;
        stop_sent_ = false;
        break;
      case Frame::Kind::Prompt: {
        running_ = false;
        const std::string cmd = next_command();
        if (is_word(cmd, "quit") || is_word(cmd, "q") || is_word(cmd, "exit") ||
            is_word(cmd, "detach"))
          detaching = true;
        if (!send_line(sock_.fd(), cmd + "\n")) {
          fmt::print(stderr, "strata: repl attach: unix:{}: the monitor has gone\n", path_);
          return 1;
        }
        break;
      }
      case Frame::Kind::Busy:
        fmt::print(stderr,
                   "strata: repl attach: unix:{}: monitor busy (another client is attached)\n",
                   path_);
        return 1;
      case Frame::Kind::Garbage:
        fmt::print(stderr, "strata: repl attach: unix:{}: not a strata monitor (it sent '{}')\n",
                   path_, f->bytes);
        return 1;
    }
  }
}

}  // namespace

int attach_monitor(const std::string& path) {
  auto fd = connect_unix(path);
  if (!fd) {
    fmt::print(stderr, "strata: repl attach: {}\n", fd.error().message);
    return 1;
  }
  if (::pipe2(g_interrupt_pipe, O_CLOEXEC | O_NONBLOCK) != 0) {
    fmt::print(stderr, "strata: repl attach: pipe: {}\n", std::strerror(errno));
    ::close(*fd);
    return 1;
  }
  struct sigaction sa {
  }, old{};
  sigemptyset(&sa.sa_mask);
  sa.sa_handler = on_attach_sigint;
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &old);
  const int rc = Session(*fd, path).run();
  sigaction(SIGINT, &old, nullptr);
  ::close(*fd);
  return rc;
}

}  // namespace strata::monitor
